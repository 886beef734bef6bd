"""Reads of the review app; access.py is the only way a view reaches review data."""
