"""The deprecation warnings that the libraries pinned with Rasa 3.6 print at every start (38 of a
start's 115 lines, nothing an operator can act on), ignored by the module that raises them; every
other warning still shows.

Installed by ``python -m engine`` (Rasa) and ``python -m ops.logs`` (the action server).

Sanic turns every DeprecationWarning on ("once") when it is imported, and Rasa every UserWarning
(which pyparsing's deprecation warnings also are), so this is not a filter (those would be put
behind theirs) but the function that shows a warning.
"""

from __future__ import annotations

import warnings
from typing import Any

KNOWN_SOURCES = (
    "pkg_resources", "rasa.shared.utils.validation", "rasa.core.tracker_store", "sanic_cors.extension",
    "apscheduler", "matplotlib.fontconfig_pattern", "packaging.markers", "packaging.requirements",
    "typer", "typer.completion", "spacy.cli._util",
)  # fmt: skip


def known(category: type[Warning], filename: str) -> bool:
    """A deprecation warning raised in one of ``KNOWN_SOURCES`` (a module or a package)."""
    if not issubclass(category, DeprecationWarning):
        return False
    path = filename.replace("\\", "/")
    for module in KNOWN_SOURCES:
        stem = "/" + module.replace(".", "/")
        if path.endswith((stem + ".py", stem + "/__init__.py")):
            return True
    return False


def ignore_known_warnings() -> None:
    """Known warnings are not shown, whatever filters Sanic and Rasa put in front later (Sanic
    shows every DeprecationWarning "once", Rasa every UserWarning "once")."""
    show = warnings.showwarning
    if getattr(show, "quiet", False):
        return

    def show_unknown(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                     file: Any = None, line: str | None = None) -> None:  # fmt: skip
        if not known(category, filename):
            show(message, category, filename, lineno, file, line)

    show_unknown.quiet = True  # type: ignore[attr-defined]
    warnings.showwarning = show_unknown
