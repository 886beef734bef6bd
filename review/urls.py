"""Pages of the review app (added by the issue that builds it)."""

app_name = "review"

urlpatterns: list = []
