"""Pages of the exports app (added by the issue that builds it)."""

app_name = "exports"

urlpatterns: list = []
