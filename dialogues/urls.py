"""Pages of the dialogues app (added by the issue that builds it)."""

app_name = "dialogues"

urlpatterns: list = []
