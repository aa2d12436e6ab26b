"""Issue 26, what a fluent Arabic and Turkish reader found, in Debian's chromium (Playwright) against
the real servers (the fixtures of tests/e2e/test_browser.py): German typed into an Arabic
conversation runs left to right; Latin runs and links in Arabic answers are isolated, so the
punctuation stays in place; texts that count use each language's plural forms (the browser's
Intl.PluralRules); the greeting comes in the widget's language; ratings only under answers.
axe-core in each state; screenshots of the mixed conversation: tests/artifacts/widget-ar-mixed*.png."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from babel import Locale

from pipeline.render import render
from tests.e2e import test_browser
from tests.e2e.test_browser import ARTIFACTS, PUBLIC, SocketProxy, Stack, ask, axe_clean, open_widget, wait_until

pytestmark = pytest.mark.e2e
stack, browser = test_browser.stack, test_browser.browser  # the fixtures: servers and demo page, chromium
TEXTS = json.loads((PUBLIC / "static" / "widget-texts.json").read_text(encoding="utf-8"))
PLACEHOLDER = re.compile(r"{(\w+)}")
GERMAN_QUESTION = "Ist das Jobcenter Görlitz kommunal?"


def direction(page: Any, selector: str) -> str:
    return str(page.locator(selector).evaluate("e => getComputedStyle(e).direction"))


def directions(page: Any, selector: str) -> list[tuple[str, str]]:
    """(text without the hidden "Sie: ", computed direction) of each element."""
    found = page.locator(selector).evaluate_all(
        """els => els.map(e => {
            const shown = e.cloneNode(true);
            shown.querySelectorAll('.jcw-visually-hidden').forEach(h => h.remove());
            return [shown.textContent, getComputedStyle(e).direction];
        })"""
    )
    return [(" ".join(text.split()), d) for text, d in found]


def in_language(
    browser: Any, stack: Stack, code: str, page_name: str = "", proxy: SocketProxy | None = None, **options: Any
) -> tuple[Any, Any]:
    """A new tab whose widget is in ``code`` before it is opened (as the widget keeps a chosen
    language in the tab's sessionStorage); nothing of a conversation yet. ``proxy``: its socket.io
    line through that SocketProxy."""
    server = stack.servers.rasa_url.replace("127.0.0.1", "localhost")  # the demo page's data-server
    state = {"sessionId": "", "messages": [], "open": False, "language": code}
    context = browser.new_context(**options)
    context.add_init_script(
        f"window.sessionStorage.setItem({json.dumps('jobcenter-chat:' + server)}, {json.dumps(json.dumps(state))})"
    )
    page = context.new_page()
    if proxy:
        proxy.route(page)  # before the page loads, or its socket is not routed
    page.goto(f"{stack.url}/{page_name}")
    return context, page


def greeting_of(page: Any) -> Any:
    """The greeting: the bot message with the three suggestions."""
    greeting = page.locator(".jcw-bot", has=page.locator(".jcw-quick")).first
    greeting.wait_for(timeout=30_000)
    return greeting


# Latin letters in a right-to-left bot message outside an isolated run (<bdi>) or a link
UNISOLATED = """bubbles => bubbles.flatMap(bubble => {
    const walker = document.createTreeWalker(bubble, NodeFilter.SHOW_TEXT);
    const out = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (n.parentElement.closest('bdi, a, .jcw-visually-hidden')) continue;
        if (/[A-Za-z\\u00c0-\\u024f]/.test(n.data)) out.push(n.data);
    }
    return out;
})"""

# Where the full stop of "Vor Ort." is drawn: [right edge of its "t", left edge of the "."]
FULL_STOP = """bubble => {
    const walker = document.createTreeWalker(bubble, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const i = n.data.indexOf("Vor Ort.");
        if (i < 0) continue;
        const box = k => { const r = document.createRange(); r.setStart(n, k); r.setEnd(n, k + 1);
                           return r.getBoundingClientRect(); };
        return [box(i + 6).right, box(i + 7).left];
    }
    return null;
}"""


def test_german_typed_in_an_arabic_conversation_runs_left_to_right(stack: Stack, browser: Any) -> None:
    """Issue 26, 1 and 2: the input and each question take the direction of what was typed
    (dir="auto"); in Arabic answers every Latin run (German names, the German source list) and
    every link is isolated, so "Vor Ort." keeps its full stop (it was drawn before "Stark")."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    open_widget(page, stack.url)
    page.locator(".jcw-lang").select_option("ar")
    page.locator(".jcw-bot[lang=ar]", has_text="Stark").first.wait_for(timeout=30_000)

    field = page.locator("#jcw-input")
    assert field.get_attribute("dir") == "auto"
    field.fill(GERMAN_QUESTION)
    assert direction(page, "#jcw-input") == "ltr"
    field.fill("ما هو مركز Jobcenter البلدي؟")
    assert direction(page, "#jcw-input") == "rtl"
    field.fill("")

    ask(page, "كم عدد مراكز Jobcenter البلدية؟", "104")
    ask(page, GERMAN_QUESTION, "Görlitz")
    ask(page, "ما هو مركز Jobcenter البلدي؟", "تديره الدائرة")
    questions = directions(page, ".jcw-user .jcw-bubble")
    assert questions == [("كم عدد مراكز Jobcenter البلدية؟", "rtl"), (GERMAN_QUESTION, "ltr"),
                         ("ما هو مركز Jobcenter البلدي؟", "rtl")]  # fmt: skip
    for text, way in directions(page, ".jcw-bot .jcw-bubble"):  # each answer in its own language's direction
        assert way == ("rtl" if re.search("[\u0600-\u06ff]", text) else "ltr"), text

    arabic = page.locator(".jcw-bot[dir=rtl] .jcw-bubble")
    assert arabic.count() >= 4
    assert arabic.evaluate_all(UNISOLATED) == []  # every Latin letter inside an isolated run or a link
    runs = page.locator(".jcw-bot[dir=rtl] bdi").all_inner_texts()
    assert "Jobcenter Erzgebirgskreis" in runs and "Stark. Sozial. Vor Ort." in runs  # its full stop with it
    assert any(run.startswith("Kampagne „Kommunale Jobcenter") for run in runs)  # the German source, one run
    links = page.locator(".jcw-bot[dir=rtl] a")
    assert links.count() >= 1
    for bidi in links.evaluate_all("els => els.map(a => getComputedStyle(a).unicodeBidi + ' ' + a.dir)"):
        assert bidi == "isolate ltr"
    # drawn: the full stop of "Vor Ort." right after its "t", not before "Stark"
    greeting = page.locator(".jcw-bot[dir=rtl]", has_text="Stark").first
    t_right, stop_left = greeting.locator(".jcw-bubble").evaluate(FULL_STOP)
    assert -1 < stop_left - t_right < 3, (t_right, stop_left)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(".jcw-user").nth(1).evaluate("e => e.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(ARTIFACTS / "widget-ar-mixed.png"))
    axe_clean(page, "arabic conversation with german typed")
    page.set_viewport_size({"width": 360, "height": 740})
    page.locator(".jcw-user").nth(1).evaluate("e => e.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(ARTIFACTS / "widget-ar-mixed-360.png"))
    axe_clean(page, "arabic conversation with german typed, 360x740")
    context.close()


def test_the_greeting_comes_in_the_widgets_language(stack: Stack, browser: Any) -> None:
    """Issue 26, 4: with the widget in Arabic the greeting and its three suggestions came in
    German (and turned the widget's texts back to German): the greeting was asked for with
    "Hallo" alone. Now it carries the widget's language, on the first opening and after
    "Neues Gespräch"."""
    expected = render("utter_greet", "ar")
    assert expected and expected["language"] == "ar"
    titles = [b["title"] for b in expected["buttons"]]
    proxy = SocketProxy()
    context, page = in_language(browser, stack, "ar", proxy=proxy, viewport={"width": 1280, "height": 800})
    page.locator(".jcw-launcher").click()
    for when in ("first", "new conversation"):
        greeting = greeting_of(page)
        assert " ".join(expected["text"].split()) in " ".join(greeting.inner_text().split()), when
        assert (
            greeting.get_attribute("lang") == "ar" and greeting.evaluate("e => getComputedStyle(e).direction") == "rtl"
        )
        assert greeting.locator(".jcw-quick").all_inner_texts() == titles, when
        assert page.locator(".jcw-bot", has_text="Guten Tag").count() == 0, when
        assert page.locator(".jcw").get_attribute("lang") == "ar" and page.locator(".jcw-send").inner_text() == "إرسال"
        hello = [q for q in proxy.questions if '"message":"Hallo"' in q]
        assert hello and '"metadata":{"language":"ar"}' in hello[-1], hello
        if when == "first":
            axe_clean(page, "arabic widget open, greeting")
            page.locator(".jcw-new").click()
            page.locator(".jcw-confirm-yes").click()
            wait_until(page, lambda: len([q for q in proxy.questions if '"message":"Hallo"' in q]) == 2)
    context.close()


def test_no_rating_under_a_question_back_or_the_fallback(stack: Stack, browser: Any) -> None:
    """Issue 26, 5: "Hilfreich?" was offered under "Meinten Sie ...?", "Welches meinen Sie?", the
    fallback and the personal-data notice (whose rating the server then refused: a notice is not
    kept). The responses that are no answer say so in the domain (metadata feedback: false); an
    answer is still rated."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    open_widget(page, stack.url)
    for question, reply_has in [
        ("kommunal", "Meinten Sie"),
        ("xyz blub", "nicht verstanden"),
        ("Und das Dings?", "Worauf bezieht sich Ihre Frage?"),
        ("Ist Leipzig kommunal?", "Welches meinen Sie?"),
    ]:
        ask(page, question, reply_has)
        page.wait_for_timeout(300)
        assert page.locator(".jcw-rating").count() == 0, question
    axe_clean(page, "question back, no rating")
    page.locator(".jcw-quick", has_text="Stadt Leipzig").click()  # the choice gets an answer, and it is rated
    page.locator(".jcw-bot", has_text="Nein.").wait_for(timeout=30_000)
    assert page.locator(".jcw-bot").last.locator(".jcw-rating").count() == 1
    assert page.locator(".jcw-rating").count() == 1

    ask(page, "Meine Mail ist erika.musterfrau@example.org, ist das Jobcenter Görlitz kommunal?", "Görlitz")
    page.locator(".jcw-bot", has_text="persönliche Daten").wait_for(timeout=30_000)
    assert page.locator(".jcw-bot", has_text="persönliche Daten").locator(".jcw-rating").count() == 0
    assert page.locator(".jcw-rating").count() == 1
    rating = page.locator(".jcw-bot", has=page.locator(".jcw-rating"))
    assert "Görlitz" in rating.inner_text()
    axe_clean(page, "rating shown")
    rating.get_by_role("button", name="Ja").click()  # the answer's rating is kept
    page.locator(".jcw-rating-done", has_text="Danke").wait_for(timeout=10_000)
    context.close()


# What the Arabic counter says for n characters of 1000: the counted noun follows the number by the
# rules of Modern Standard Arabic (Latin digits, as the widget writes numbers): 1 and 2 without a
# digit ("حرف واحد", dual "حرفان"), 3-10 the plural "أحرف", 11-99 the accusative singular "حرفًا",
# 100, 1000 (and 0) the genitive singular "حرف". "من أصل" = "out of". To be reviewed.
ARABIC_COUNTER = {
    0: "0 حرف من أصل 1000",
    1: "حرف واحد من أصل 1000",
    2: "حرفان من أصل 1000",
    3: "3 أحرف من أصل 1000",
    10: "10 أحرف من أصل 1000",
    11: "11 حرفًا من أصل 1000",
    99: "99 حرفًا من أصل 1000",
    100: "100 حرف من أصل 1000",
    1000: "1000 حرف من أصل 1000",
}
# The counter as shown (from 900 characters on), per language.
SHOWN_COUNTER = {
    "ar": {901: "901 حرف من أصل 1000", 903: "903 أحرف من أصل 1000", 910: "910 أحرف من أصل 1000",
           911: "911 حرفًا من أصل 1000", 999: "999 حرفًا من أصل 1000", 1000: "1000 حرف من أصل 1000"},
    "uk": {901: "901 символ з 1000", 903: "903 символи з 1000", 905: "905 символів з 1000",
           911: "911 символів з 1000", 921: "921 символ з 1000", 1000: "1000 символів з 1000"},
    "ru": {901: "901 символ из 1000", 903: "903 символа из 1000", 905: "905 символов из 1000",
           912: "912 символов из 1000", 922: "922 символа из 1000", 1000: "1000 символов из 1000"},
    "en": {901: "901 of 1000 characters", 1000: "1000 of 1000 characters"},
    "tr": {901: "901 / 1000 karakter", 1000: "1000 / 1000 karakter"},
    "de": {901: "901 von 1000 Zeichen", 1000: "1000 von 1000 Zeichen"},
}  # fmt: skip
# The privacy note's retention period, in Arabic (data-retention-days)
ARABIC_DAYS = {1: "بعد يوم واحد من", 2: "بعد يومين من", 7: "بعد 7 أيام من", 30: "بعد 30 يومًا من",
               100: "بعد 100 يوم من"}  # fmt: skip
OTHER_DAYS = [("de", 1, "1 Tag nach"), ("de-x-ls", 7, "Nach 7 Tagen"), ("en", 1, "1 day after"),
              ("uk", 2, "через 2 дні"), ("ru", 1, "через 1 день"), ("tr", 2, "2 gün sonra")]  # fmt: skip


def test_counted_texts_take_each_languages_plural_forms(stack: Stack, browser: Any) -> None:
    """Issue 26, 3: "1000 حرفًا" was wrong Arabic. widget-texts.json "plurals" says, per language,
    how a number placeholder is said with its noun, one form for each plural category the
    browser's Intl.PluralRules knows in it (Arabic six, Ukrainian and Russian four; the same as
    CLDR's in Babel); the counter near the limit and the retention period in the privacy note take
    the form of their number."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(stack.url)
    codes = {code: "de" if code == "de-x-ls" else code for code in TEXTS["texts"]}
    categories = page.evaluate(
        "codes => Object.fromEntries(Object.entries(codes).map(([k, v]) => "
        "[k, new Intl.PluralRules(v).resolvedOptions().pluralCategories]))",
        codes,
    )
    assert sorted(categories["ar"]) == ["few", "many", "one", "other", "two", "zero"]
    assert sorted(categories["uk"]) == sorted(categories["ru"]) == ["few", "many", "one", "other"]
    for code, language in codes.items():  # every category of the language; {n}, the number, the only placeholder
        plurals = TEXTS["plurals"][code]
        assert "days" in plurals and "{days}" in TEXTS["texts"][code]["note"], code
        for name, forms in plurals.items():
            assert any("{" + name + "}" in text for text in TEXTS["texts"][code].values()), (code, name)
            assert set(categories[code]) <= set(forms), (code, name)
            assert all(set(PLACEHOLDER.findall(form)) <= {"n"} for form in forms.values()), (code, name)
        cldr = Locale.parse(language).plural_form
        for n in (*ARABIC_COUNTER, 21, 22, 25, 101, 111, 1001):  # the browser's rules are CLDR's
            assert page.evaluate(f"new Intl.PluralRules('{language}').select({n})") == cldr(n), (code, n)
    used = TEXTS["plurals"]["ar"]["used"]
    for n, expected in ARABIC_COUNTER.items():
        said = used[page.evaluate(f"new Intl.PluralRules('ar').select({n})")].replace("{n}", str(n))
        assert TEXTS["texts"]["ar"]["counter"].replace("{used}", said).replace("{max}", "1000") == expected, n
    context.close()

    # the counter as the widget shows it, near the limit
    for code, shown in SHOWN_COUNTER.items():
        context, page = in_language(browser, stack, code, viewport={"width": 1280, "height": 800})
        page.locator(".jcw-launcher").click()
        greeting_of(page)
        field = page.locator("#jcw-input")
        for n, expected in shown.items():
            field.fill("a" * n)
            assert page.locator("#jcw-counter").inner_text() == expected, (code, n)
        if code == "ar":
            page.screenshot(path=str(ARTIFACTS / "widget-ar-counter.png"))
            axe_clean(page, "arabic counter near the limit")
        context.close()

    # the retention period of the privacy note, through the same rules (data-retention-days)
    html = (stack.site / "index.html").read_text(encoding="utf-8")
    for days, expected in ARABIC_DAYS.items():
        (stack.site / f"days-{days}.html").write_text(
            html.replace('data-retention-days="30"', f'data-retention-days="{days}"'), encoding="utf-8"
        )
        context, page = in_language(browser, stack, "ar", f"days-{days}.html")
        page.locator(".jcw-note").wait_for(state="attached")
        assert expected in page.locator(".jcw-note p").text_content(), days
        context.close()
    for code, days, expected in OTHER_DAYS:
        context, page = in_language(browser, stack, code, f"days-{days}.html")
        page.locator(".jcw-note").wait_for(state="attached")
        assert expected in page.locator(".jcw-note p").text_content(), (code, days)
        context.close()
