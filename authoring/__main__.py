"""python -m authoring add-faq | add-language | check (see authoring/__init__.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from authoring.check import check, report
from authoring.faq import add_faq
from authoring.language import add_language
from base.paths import ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m authoring", description=__doc__)
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository (default: this one)")
    commands = parser.add_subparsers(dest="command", required=True)
    faq = commands.add_parser("add-faq", help="scaffold an answer key faq/<key> in every place it must exist")
    faq.add_argument("topic", help="the topic: domain/faq_<topic>.yml")
    faq.add_argument("key", help="the answer key, ASCII snake_case")
    faq.add_argument("question", help="the German question of its button")
    language = commands.add_parser("add-language", help="scaffold a language in every data place")
    language.add_argument("code", help='the language code, e.g. "fr"')
    language.add_argument("name", help='its own name, e.g. "Français"')
    language.add_argument("locale", help='its Babel locale, e.g. "fr_FR"')
    commands.add_parser("check", help="list what an answer key or a language still lacks")
    args = parser.parse_args(argv)
    try:
        if args.command == "add-faq":
            print(add_faq(args.topic, args.key, args.question, args.root))
        elif args.command == "add-language":
            print(add_language(args.code, args.name, args.locale, args.root))
        else:
            missing = check(args.root)
            print(report(missing))
            return 1 if missing else 0
    except ValueError as error:
        print(f"{args.command}: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
