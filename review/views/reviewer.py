"""Views of the review app: the reviewer part."""
