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

ROOT = Path(__file__).resolve().parent.parent
VAR = re.compile(r"^\$\{(\w+)\}$")


def parse_sections(text: str) -> dict[str, list[str]]:
    """Top-level sections of the credentials file, each with its lines (comments dropped)."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            current = line.split(":", 1)[0].strip()
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    return sections


def effective(text: str, env: Mapping[str, str]) -> tuple[str, list[str]]:
    out: list[str] = []
    enabled: list[str] = []
    for name, lines in parse_sections(text).items():
        kept: list[str] = []
        complete = True
        for line in lines:
            optional = line.rstrip().endswith("# optional")
            value = line.split("#", 1)[0].split(":", 1)[1].strip() if ":" in line else ""
            match = VAR.match(value)
            if match and not env.get(match.group(1)):
                if optional:
                    continue
                complete = False
            kept.append(line.split("  #", 1)[0].rstrip())
        if complete:
            out.append(f"{name}:")
            out.extend(kept)
            if kept and any(VAR.search(line.split(":", 1)[1].strip()) for line in kept):
                enabled.append(name.rsplit(".", 1)[-1])
    return "\n".join(out) + "\n", enabled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--template", type=Path, default=ROOT / "credentials.yml")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "credentials.yml")
    args = parser.parse_args()
    text, enabled = effective(args.template.read_text(encoding="utf-8"), os.environ)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"channels: rest, socketio{''.join(', ' + e for e in enabled)} -> {args.out}")


if __name__ == "__main__":
    main()
