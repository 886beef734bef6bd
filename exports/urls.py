"""Pages of the exports app."""

from django.urls import path

from exports import views

app_name = "exports"

urlpatterns = [
    path("", views.export_list, name="export_list"),
    path("new/", views.specification_create, name="specification_create"),
    path("specs/<int:specification_id>/", views.specification_detail, name="specification_detail"),
    path("specs/<int:specification_id>/build/", views.version_build, name="version_build"),
    path("versions/<int:version_id>/", views.version_detail, name="version_detail"),
    path("versions/<int:version_id>/progress/", views.version_progress, name="version_progress"),
    path("versions/<int:version_id>/approve/", views.version_approve, name="version_approve"),
    path("versions/<int:version_id>/to-bucket/", views.version_to_bucket, name="version_to_bucket"),
    path("versions/<int:version_id>/compare/", views.version_compare, name="version_compare"),
    path("versions/<int:version_id>/download/", views.version_archive, name="version_archive"),
    path("versions/<int:version_id>/files/<path:name>", views.version_file, name="version_file"),
]
