"""API routes of the exports app."""

from django.urls import path

from exports import apis

urlpatterns = [
    path("exports/", apis.ExportListApi.as_view(), name="api_export_list"),
    path("exports/<int:version_id>/", apis.ExportDetailApi.as_view(), name="api_export_detail"),
    path(
        "exports/<int:version_id>/archive/",
        apis.ExportArchiveApi.as_view(),
        name="api_export_archive",
    ),
    path(
        "exports/<int:version_id>/files/<path:name>",
        apis.ExportFileApi.as_view(),
        name="api_export_file",
    ),
    path(
        "exports/<int:version_id>/approve/",
        apis.ExportApproveApi.as_view(),
        name="api_export_approve",
    ),
    path(
        "exports/<int:version_id>/to-bucket/",
        apis.ExportToBucketApi.as_view(),
        name="api_export_to_bucket",
    ),
    path(
        "export-specifications/",
        apis.ExportSpecificationListApi.as_view(),
        name="api_export_specification_list",
    ),
    path(
        "export-specifications/<int:specification_id>/build/",
        apis.ExportBuildApi.as_view(),
        name="api_export_build",
    ),
]
