"""Views of the review app: the lead part."""
