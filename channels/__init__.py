"""Rasa input channels for the messengers, configured from the environment (see channels/config.py)."""
