"""`rasa data validate`, failing on every warning but two that Rasa 3.6 raises by design.

1. "duplicated intents ... faq, out_of_scope": Rasa's ResponsesSyncImporter merges each retrieval
   intent into the domain a second time; every bot with a retrieval intent shows it.
2. "The utterance 'X' is not used in any story or rule": allowed only when the routing
   (knowledge/routing.py, sent by action_reply) or the pipeline (pipeline/) sends X; every reply goes through
   action_reply.

Run: python -m tests.validate_data
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from base.paths import DOMAIN, ROOT

WARNING = re.compile(r"UserWarning: (.*)")
UNUSED = re.compile(r"The utterance '([a-z_]+)' is not used in any story or rule\.")
DUPLICATE_RETRIEVAL = "The following duplicated intents have been found across multiple domain files: faq, out_of_scope"


def responses_sent_by_actions() -> set[str]:
    names: set[str] = set()
    for path in [p for d in ("base", "knowledge", "pipeline") for p in (ROOT / d).glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        names.update(re.findall(r'"(utter_[a-z_]+)"', text))  # also the pipeline's notices (pipeline/steps.py)
        if 'f"utter_faq/' in text:
            names.add("utter_faq")
        if 'f"utter_{OUT_OF_SCOPE}/' in text:  # the signposting answers of the routing
            names.add("utter_out_of_scope")
    return names


def unexpected_warnings(output: str, allowed_responses: set[str]) -> list[str]:
    problems = []
    lines = output.splitlines()
    for i, line in enumerate(lines):
        match = WARNING.search(line)
        if not match:
            continue
        message = match.group(1).strip()
        if not message and i + 1 < len(lines):  # "Issue found in 'x':" puts details on the next line
            message = lines[i + 1].strip()
        unused = UNUSED.fullmatch(message)
        if message == DUPLICATE_RETRIEVAL or (unused and unused.group(1) in allowed_responses):
            continue
        problems.append(message)
    return problems


def main() -> int:
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "rasa"), "data", "validate", "--domain", str(DOMAIN), "--fail-on-warnings"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    output = proc.stdout + proc.stderr
    problems = unexpected_warnings(output, responses_sent_by_actions())
    for problem in problems:
        print(f"validate: {problem}", file=sys.stderr)
    if proc.returncode != 0 or problems:
        print(output[-3000:], file=sys.stderr)
        return 1
    print("rasa data validate: no warnings (besides the two documented in tests/validate_data.py)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
