"""Pages of the rubrics app (added by the issue that builds it)."""

app_name = "rubrics"

urlpatterns: list = []
