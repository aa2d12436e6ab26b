"""Rasa's action server (`rasa run actions --actions actions`): one action, actions/reply.py.

The knowledge files are read here, when the action server starts, so that a bad file stops it at
once instead of failing the first citizen's question.
"""

import knowledge

knowledge.load()
