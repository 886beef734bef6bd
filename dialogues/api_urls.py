"""API routes of the dialogues app (added by the issue that builds it)."""

urlpatterns: list = []
