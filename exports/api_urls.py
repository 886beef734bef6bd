"""API routes of the exports app (added by the issue that builds it)."""

urlpatterns: list = []
