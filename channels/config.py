"""Write the credentials Rasa starts with: credentials.yml minus every channel whose environment
variables are not all set (and minus optional keys whose variable is unset).

Values stay ``${VAR}`` placeholders: Rasa reads them from the environment at start, so no
secret lands on disk. Prints which messenger channels are on, never their values.

    python -m channels.config --out build/credentials.yml
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from base.paths import BUILD, ROOT

VAR = re.compile(r"^\$\{(\w+)\}$")
# Keys a channel works without (the platform's public API address is the default).
OPTIONAL_KEYS = {"api_url", "graph_url"}


def effective(text: str, env: Mapping[str, str]) -> tuple[str, list[str]]:
    """The credentials to start with, and the names of the channels configured from ``env``."""
    out, enabled, _ = configured(text, env)
    return out, enabled


def configured(text: str, env: Mapping[str, str]) -> tuple[str, list[str], dict[str, list[str]]]:
    """``effective``, and for each messenger channel left off the variables it lacks."""
    channels: dict[str, Any] = yaml.safe_load(text) or {}
    out: dict[str, Any] = {}
    enabled: list[str] = []
    off: dict[str, list[str]] = {}
    for name, settings in channels.items():
        kept: dict[str, Any] = {}
        missing: list[str] = []
        for key, value in (settings or {}).items():
            match = VAR.match(str(value))
            if match and not env.get(match.group(1)):
                if key in OPTIONAL_KEYS:
                    continue
                missing.append(match.group(1))
            kept[key] = value
        if missing:
            off[short_name(name)] = missing
            continue
        out[name] = kept or None
        if any(VAR.match(str(v)) for v in kept.values()):
            enabled.append(short_name(name))
    return yaml.safe_dump(out, sort_keys=False, allow_unicode=True), enabled, off


def short_name(path: str) -> str:
    """``channels.telegram.SecureTelegramInput`` -> ``telegram``."""
    return path.rsplit(".", 1)[-1].removeprefix("Secure").removesuffix("Input").lower()


def summary(enabled: list[str], off: dict[str, list[str]]) -> str:
    """One line for the start: which channels are on, and for each one off, why (variable names,
    never values)."""
    line = "channels on: " + ", ".join(["rest", "socketio", *enabled])
    reasons = [f"{name} (not set: {', '.join(missing)})" for name, missing in off.items()]
    return line + ("; off: " + "; ".join(reasons) if reasons else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--template", type=Path, default=ROOT / "credentials.yml")
    parser.add_argument("--out", type=Path, default=BUILD / "credentials.yml")
    args = parser.parse_args()
    text, enabled, off = configured(args.template.read_text(encoding="utf-8"), os.environ)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"{summary(enabled, off)} -> {args.out}", flush=True)


if __name__ == "__main__":
    main()
