from django.urls import path

from rubrics import views

app_name = "rubrics"

_version = "<slug:slug>/v<int:version>/"

urlpatterns = [
    path("", views.rubric_list_view, name="rubric_list"),
    path("new/", views.rubric_create, name="rubric_create"),
    path("import/", views.rubric_import, name="rubric_import"),
    path("<slug:slug>/", views.rubric_detail, name="rubric_detail"),
    path(_version, views.rubric_version, name="rubric_version"),
    path(f"{_version}export/", views.rubric_export, name="rubric_export"),
    path(f"{_version}edit/", views.rubric_edit, name="rubric_edit"),
    path(f"{_version}new-version/", views.rubric_new_version, name="rubric_new_version"),
    path(f"{_version}derive/", views.rubric_derive, name="rubric_derive"),
    path(f"{_version}publish/", views.rubric_publish, name="rubric_publish"),
    path(f"{_version}delete/", views.rubric_delete, name="rubric_delete"),
    path(f"{_version}groups/new/", views.group_edit, name="group_add"),
    path(f"{_version}groups/<int:group_id>/", views.group_edit, name="group_edit"),
    path(f"{_version}groups/<int:group_id>/delete/", views.group_delete, name="group_delete"),
    path(f"{_version}criteria/new/", views.criterion_edit, name="criterion_add"),
    path(f"{_version}criteria/<int:criterion_id>/", views.criterion_edit, name="criterion_edit"),
    path(
        f"{_version}criteria/<int:criterion_id>/delete/",
        views.criterion_delete,
        name="criterion_delete",
    ),
]
