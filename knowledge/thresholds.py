"""Every threshold that decides a reply, in one place, each with its reason and where it is measured.

A wrong answer is worse than "Meinten Sie ...?": below these values the citizen gets suggested
questions (or a question back) instead of a guess. Change a value only with the held-out
evaluation (`tests/test_nlu_holdout.py`, which runs every held-out question through the routing)
and `make bench` (right / fallback per set) before and after.
"""

from __future__ import annotations

# The NLU's best intent must reach this probability (nlp/classifier.py, a logistic regression over
# all intents and answer keys; the probabilities of faq/* are summed up as "faq"). Set to 0.5 with
# the first classifier (DIET) and kept for the logistic regression: held-out 99.4 % right with it.
INTENT_THRESHOLD = 0.5

# ... and be at least this far ahead of the second intent, else the message is ambiguous (Rasa's
# FallbackClassifier default, which this replaces; same held-out figure as above).
AMBIGUITY_THRESHOLD = 0.1

# The chosen FAQ answer key must reach this probability *given* the intent "faq". Rasa applies no
# threshold of its own to it (RasaHQ/rasa#9751): "faq" can be 0.99 while the answer key is 0.1.
# Chosen from the spread of the held-out answer-key confidences (right answers: almost all above
# 0.6; wrong ones below 0.4).
ANSWER_THRESHOLD = 0.4

# Jobcenter names with a typo (rapidfuzz ratio, 0-100, knowledge/directory.py): 85 lets one typo
# through in a name of seven letters or more. Measured by `make bench` ("Jobcenter name search":
# the 404 names with one letter dropped; no wrong Jobcenter among the hits) and tests/test_lookup.py
# (names that must not be guessed, such as "Aue" or "Musterhausen").
FUZZY_CUTOFF = 85
# Shorter words are never matched fuzzily: too many common words are one letter from a short name.
FUZZY_MIN_LENGTH = 5

# Out of scope: the signposting answer of a theme (domain/signposting.yml) needs at least this
# probability of the theme given out_of_scope; below it the general "cannot answer" is sent. A
# wrong theme is no wrong fact (every signposting answer only names where to go), so the bar is
# lower than ANSWER_THRESHOLD.
THEME_THRESHOLD = 0.3
