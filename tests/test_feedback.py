"""What the server takes of a "Hilfreich?" rating (runtime/feedback.py): a response name and a yes/no."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.feedback import Feedback, parse


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"answer": "utter_faq/what_is_municipal", "helpful": True}, Feedback("utter_faq/what_is_municipal", True)),
        ({"answer": "utter_lookup_municipal", "helpful": False}, Feedback("utter_lookup_municipal", False)),
        ({"answer": "utter_faq/x", "helpful": True, "text": "Meine Mail ist a@b.de"}, Feedback("utter_faq/x", True)),
        ({"answer": "utter_faq/x", "helpful": "yes"}, None),
        ({"answer": "utter_faq/x", "helpful": 1}, None),
        ({"answer": "utter_faq/x"}, None),
        ({"answer": "faq/x", "helpful": True}, None),
        ({"answer": "utter_faq/<script>", "helpful": True}, None),
        ({"answer": "utter_faq/x/y", "helpful": True}, None),
        ({"answer": "utter_faq/" + "x" * 61, "helpful": True}, None),
        ({"answer": "utter_faq/x\n", "helpful": True}, None),
        ({"answer": ["utter_faq/x"], "helpful": True}, None),
        (None, None),
        ("utter_faq/x", None),
        ([], None),
    ],
)
def test_a_rating_is_a_response_name_and_a_yes_or_no(payload: Any, expected: Feedback | None) -> None:
    assert parse(payload) == expected
