"""A model switch on one machine loses no question (make deploy's path, docs/deploy.md): Rasa with
two workers pulling from the model server, questions sent without pause from fresh conversations,
a copy of the trained model (another ETag: every worker really loads it) promoted meanwhile. No
training here: the copy stands for the new model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from base.paths import MODEL
from bench.switch_gap import switch_gap
from tests.e2e.test_browser import Stack, browser, proxied_widget, stack, type_question, wait_until  # noqa: F401

pytestmark = pytest.mark.e2e


def test_a_switch_loses_and_refuses_no_question(tmp_path: Path) -> None:
    if not MODEL.is_file():
        pytest.fail(f"{MODEL} missing: run `make train`")
    gap = switch_gap(tmp_path, senders=3, before=3, after=3)
    print("\n" + "\n".join(gap.details + gap.lines()))
    assert (gap.lost, gap.refused, gap.errors, gap.answered_twice) == (0, 0, 0, 0)
    assert gap.sent > 50
    # every worker reported the new model, one after the other (the model server's order)
    assert gap.details[-1] == "switched to switch-gap"
    assert any("loading" in line and "old" in line for line in gap.details)
    # some worker always answered: no stretch without any answer as long as one load (~2-3 s)
    assert gap.longest_without_answer < 1.5


def test_the_widget_resends_a_question_once_after_the_line_came_back_and_shows_its_answer_once(
    stack: Stack,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    """The server away for a moment (the line cut while the answer was on its way): the widget sends
    the question again by itself once it is back; the first answer, arriving late on the new line
    (the conversation's room), is not shown a second time."""
    context, page, proxy = proxied_widget(browser, stack.url)
    proxy.hold = True
    type_question(page, "Wie viele kommunale Jobcenter gibt es?")
    wait_until(page, lambda: any("104" in frame for _, frame in proxy.held))  # answered, not yet delivered
    late = [frame for _, frame in proxy.held]
    proxy.held, proxy.hold = [], False
    proxy.cut()
    page.locator(".jcw-status.jcw-error").wait_for(timeout=15_000)
    proxy.offline = False  # back: the widget reconnects, the same conversation
    page.locator(".jcw-bot", has_text="104").wait_for(timeout=30_000)
    assert proxy.sent("Wie viele kommunale Jobcenter gibt es?") == 2  # resent once, by itself
    new_line = proxy.lines[-1][0]
    for frame in late:  # the first answer arrives after all
        new_line.send(frame)
    page.wait_for_timeout(1000)
    assert page.locator(".jcw-bot", has_text="104").count() == 1
    assert page.locator(".jcw-retry").is_hidden()
    context.close()
