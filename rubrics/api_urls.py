from django.urls import path

from rubrics import apis

urlpatterns = [
    path("rubrics/", apis.RubricListApi.as_view(), name="api_rubric_list"),
    path(
        "rubrics/<slug:slug>/versions/",
        apis.RubricVersionListApi.as_view(),
        name="api_rubric_versions",
    ),
    path(
        "rubrics/<slug:slug>/versions/<int:version>/",
        apis.RubricVersionApi.as_view(),
        name="api_rubric_version",
    ),
]
