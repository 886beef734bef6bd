"""API routes of the review app (added by the issue that builds it)."""

urlpatterns: list = []
