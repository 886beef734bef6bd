"""Writes of the dialogues app: imports (imports.py) and screening flags (flags.py)."""
