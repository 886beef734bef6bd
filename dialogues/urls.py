"""Pages of the dialogues app: sessions, import batches and the upload page."""

from django.urls import path

from dialogues import views, views_flags

app_name = "dialogues"

urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("<int:session_id>/", views.session_detail, name="session_detail"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/bucket/", views.import_from_bucket, name="import_from_bucket"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:batch_id>/summary/", views.batch_summary, name="batch_summary"),
    path("batches/<int:batch_id>/errors.csv", views.batch_errors, name="batch_errors"),
    # Screening flags: a lead clears a flag, or reopens one cleared by mistake.
    path("flags/<int:flag_id>/clear/", views_flags.flag_clear_view, name="flag_clear"),
    path("flags/<int:flag_id>/reopen/", views_flags.flag_reopen_view, name="flag_reopen"),
]
