"""The knowledge every action answers from, loaded once when the action server starts."""

from __future__ import annotations

from actions.answers import load_knowledge

KNOWLEDGE = load_knowledge()
PLACEHOLDERS = KNOWLEDGE.facts.placeholders()
DIRECTORY = KNOWLEDGE.directory
