"""Pages of the review app: the lead part (included by review/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from review.views import lead

P = "<slug:slug>/lead/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("new/", lead.project_create, name="project_create"),
    path(P, lead.project_overview, name="lead_project"),
    path(f"{P}settings/", lead.project_settings, name="lead_settings"),
    path(f"{P}members/", lead.project_members_view, name="lead_members"),
    path(
        f"{P}members/<int:user_id>/remove/",
        lead.project_member_remove,
        name="lead_member_remove",
    ),
    path(f"{P}items/", lead.item_list, name="lead_items"),
    path(f"{P}items/add/", lead.item_add, name="lead_item_add"),
    path(f"{P}items/<int:item_id>/", lead.item_detail, name="lead_item"),
    path(f"{P}items/<int:item_id>/audit/", lead.item_audit, name="lead_item_audit"),
    path(f"{P}items/<int:item_id>/gold/", lead.item_gold, name="lead_item_gold"),
    path(f"{P}items/<int:item_id>/decide/", lead.item_decide, name="lead_item_decide"),
    path(f"{P}adjudication/", lead.adjudication_queue, name="lead_adjudication"),
    path(f"{P}adjudication/<int:item_id>/", lead.adjudicate, name="lead_adjudicate"),
    path(f"{P}approval/", lead.approval, name="lead_approval"),
    path(f"{P}calibration/", lead.calibration, name="lead_calibration"),
    path(
        f"{P}calibration/<int:user_id>/",
        lead.calibration_decide,
        name="lead_calibration_decide",
    ),
    path(f"{P}reviewers/<int:user_id>/", lead.reviewer_detail, name="lead_reviewer"),
]
