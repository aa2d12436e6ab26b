"""The chat widget in Debian's chromium (Playwright): keyboard use, answers, buttons, history,
axe-core (WCAG 2.1 A/AA), no request leaves localhost, XSS shown as text, offline message."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from runtime.paths import MODEL, ROOT
from tests.e2e.servers import Servers, free_port, running_servers

pytestmark = pytest.mark.e2e
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
PUBLIC = ROOT / "web" / "public"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(directory: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    handler = functools.partial(QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://localhost:{httpd.server_address[1]}", httpd


def site(tmp: Path, rasa_url: str) -> Path:
    """The demo page, pointed at the test's Rasa."""
    shutil.copytree(PUBLIC, tmp, dirs_exist_ok=True)
    index = tmp / "index.html"
    index.write_text(index.read_text(encoding="utf-8").replace("http://localhost:5005", rasa_url), encoding="utf-8")
    return tmp


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Servers, str]]:
    if not MODEL.is_file() or not (PUBLIC / "static" / "vendor" / "socket.io.min.js").is_file():
        pytest.fail("model or vendored socket.io-client missing: run `make train widget`")
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium missing: run `make browser`")
    page_dir = tmp_path_factory.mktemp("site")
    url, httpd = serve(page_dir)  # first: the page's origin is the one the socket.io channel allows
    with running_servers(tmp_path_factory.mktemp("browser"), extra_env={"WIDGET_ORIGINS": url}) as servers:
        site(page_dir, servers.rasa_url.replace("127.0.0.1", "localhost"))
        yield servers, url
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def bot_texts(page: object) -> list[str]:
    return page.locator(".jcw-bot .jcw-bubble").all_inner_texts()  # type: ignore[attr-defined]


def test_widget_conversation_by_keyboard(stack: tuple[Servers, str], browser: object) -> None:
    _, url = stack
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda ws: requests.append(ws.url))
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)

    started = time.monotonic()
    page.goto(url)
    # open by keyboard: Tab to the launcher, Enter
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.className") == "jcw-launcher":
            break
    assert page.evaluate("document.activeElement.className") == "jcw-launcher"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "jcw-input"
    page.locator(".jcw-bot").first.wait_for(timeout=30_000)
    first_answer_s = time.monotonic() - started
    print(f"\nwidget: page open -> first bot answer {first_answer_s:.2f} s")
    assert "automatisiert" in bot_texts(page)[0]
    # the privacy line: retention period and a link to the notice on the page's own origin (issue 14)
    note = page.locator(".jcw-note")
    assert "30 Tage" in note.inner_text()
    assert note.locator("a").get_attribute("href") == "/datenschutz.html"

    # a quick-reply button of the greeting
    assert page.locator(".jcw-buttons").first.get_attribute("aria-label") == "3 Vorschläge"
    page.locator(".jcw-quick", has_text="Wie viele kommunale Jobcenter gibt es?").first.click()
    page.locator(".jcw-bot", has_text="104").wait_for(timeout=30_000)
    # after a suggestion click the focus is back in the input, and the greeting's suggestions are
    # gone from the page and the Tab order: only the latest answer's set is live (issue 14)
    assert page.evaluate("document.activeElement.id") == "jcw-input"
    assert page.locator(".jcw-quick", has_text="Seit wann ist das Jobcenter Erzgebirgskreis kommunal?").count() == 0

    page.keyboard.type("Was ist ein kommunales Jobcenter?")
    page.keyboard.press("Enter")
    page.locator(".jcw-bot", has_text="Optionskommune").wait_for(timeout=30_000)
    groups = page.locator(".jcw-buttons")
    assert groups.count() <= 1
    for i in range(groups.count()):
        assert re.fullmatch(r"\d+ Vorschl(ag|äge)", groups.nth(i).get_attribute("aria-label") or "")
    page.screenshot(path=str(ARTIFACTS / "widget-desktop.png"))

    # axe-core on the open widget
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    )
    print(f"axe: {results.violations_count} violations")
    assert results.violations_count == 0, results.generate_report()

    # history survives a reload in the same tab
    count = page.locator(".jcw-msg").count()
    page.reload()
    page.locator(".jcw-msg").nth(count - 1).wait_for(timeout=10_000)
    assert page.locator(".jcw-msg").count() == count
    assert page.locator("#jcw-panel").is_visible()

    # HTML typed by a user is shown as text
    xss = "<img src=x onerror=alert(1)>"
    bots = page.locator(".jcw-bot").count()
    page.locator("#jcw-input").fill(xss)
    page.locator("#jcw-input").press("Enter")
    page.locator(".jcw-user .jcw-bubble", has_text=xss).wait_for(timeout=10_000)
    assert page.locator(".jcw-log img").count() == 0
    page.locator(".jcw-bot").nth(bots).wait_for(timeout=30_000)  # the bot answered, and nothing ran
    assert dialogs == []

    # near the 1000-character limit a counter says how much is used (issue 14)
    assert page.locator("#jcw-counter").is_hidden()
    page.locator("#jcw-input").fill("a" * 950)
    assert page.locator("#jcw-counter").inner_text() == "950 von 1000 Zeichen"
    page.locator("#jcw-input").fill("")
    assert page.locator(".jcw-launcher").inner_text() == "Chat schließen"  # says what it does now

    # Escape closes and gives focus back to the launcher
    page.locator("#jcw-input").press("Escape")
    assert page.locator("#jcw-panel").is_hidden()
    assert page.evaluate("document.activeElement.className") == "jcw-launcher"
    assert page.locator(".jcw-launcher").inner_text() != "Chat schließen"

    # "Neues Gespräch" clears the history
    page.keyboard.press("Enter")
    page.locator(".jcw-new").click()
    assert page.locator(".jcw-msg").count() == 0

    hosts = {urlparse(u).hostname for u in requests}
    assert hosts <= LOCAL_HOSTS, hosts
    context.close()


def test_widget_shows_and_keeps_only_the_redacted_question(stack: tuple[Servers, str], browser: object) -> None:
    """The bubble and the tab's storage held what was typed, e-mail address included (issue 13)."""
    _, url = stack
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(url)
    page.locator(".jcw-launcher").click()
    page.locator(".jcw-bot").first.wait_for(timeout=30_000)
    page.locator("#jcw-input").fill("Meine Mail ist erika.musterfrau@example.org, wann kommt mein Geld?")
    page.locator("#jcw-input").press("Enter")
    page.locator(".jcw-user .jcw-bubble", has_text="[E-Mail]").wait_for(timeout=30_000)
    page.locator(".jcw-bot", has_text="persönliche Daten").wait_for(timeout=30_000)
    storage = page.evaluate("JSON.stringify(window.sessionStorage)")
    assert "erika" not in storage and "[E-Mail]" in storage
    assert "erika" not in page.locator(".jcw-log").inner_text()
    context.close()


def test_widget_on_a_phone_screen(stack: tuple[Servers, str], browser: object) -> None:
    _, url = stack
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(url)
    page.locator(".jcw-launcher").click()
    page.locator(".jcw-bot").first.wait_for(timeout=30_000)
    box = page.locator("#jcw-panel").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "widget-360px.png"))
    context.close()


def test_widget_says_when_the_server_is_unreachable(
    tmp_path: Path, stack: tuple[Servers, str], browser: object
) -> None:
    url, httpd = serve(site(tmp_path, f"http://localhost:{free_port()}"))
    try:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(url)
        page.locator(".jcw-launcher").click()
        page.locator(".jcw-status.jcw-error").wait_for(timeout=15_000)
        assert "nicht erreichbar" in page.locator(".jcw-status").inner_text()
        page.close()
    finally:
        httpd.shutdown()
