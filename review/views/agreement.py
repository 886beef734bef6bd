"""Views of the review app: the agreement part."""
