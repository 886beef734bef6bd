"""API routes of the dialogues app."""

from django.urls import path

from dialogues import apis

urlpatterns = [
    path("projects/<slug:slug>/imports/", apis.ImportListApi.as_view(), name="api_import_list"),
    path(
        "projects/<slug:slug>/imports/bucket/",
        apis.ImportFromBucketApi.as_view(),
        name="api_import_from_bucket",
    ),
    path("imports/<int:batch_id>/", apis.ImportDetailApi.as_view(), name="api_import_detail"),
    path("projects/<slug:slug>/sessions/", apis.SessionListApi.as_view(), name="api_session_list"),
    path("sessions/<int:session_id>/", apis.SessionDetailApi.as_view(), name="api_session_detail"),
]
