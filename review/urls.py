"""Pages of the review app in three lists: reviewers' work, leads' management, agreement and judges.

The API's routes are in review/api/urls.py.
"""

from django.urls import URLPattern, URLResolver, path

from review.views import agreement, judge_signals, lead, lead_team, reviewer

app_name = "review"

item = "<slug:slug>/items/<int:item_id>/"

reviewer_urls: list[URLPattern | URLResolver] = [
    path("", reviewer.home, name="home"),
    path("<slug:slug>/next/", reviewer.item_next, name="item_next"),
    path("<slug:slug>/mine/", reviewer.my_work, name="my_work"),
    path(item, reviewer.item_page, name="item"),
    path(f"{item}draft/", reviewer.item_draft, name="item_draft"),
    path(f"{item}submit/", reviewer.item_submit, name="item_submit"),
    path(f"{item}edit/", reviewer.item_edit, name="item_edit"),
    path(f"{item}skip/", reviewer.item_skip, name="item_skip"),
    path(f"{item}rewrite/", reviewer.item_rewrite, name="item_rewrite"),
    path(f"{item}finish/", reviewer.item_finish, name="item_finish"),
]

P = "<slug:slug>/lead/"

lead_urls: list[URLPattern | URLResolver] = [
    path("new/", lead.project_create, name="project_create"),
    path(P, lead.project_overview, name="lead_project"),
    path(f"{P}settings/", lead.project_settings, name="lead_settings"),
    path(f"{P}members/", lead_team.project_members_view, name="lead_members"),
    path(
        f"{P}members/<int:user_id>/remove/",
        lead_team.project_member_remove,
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
    path(f"{P}calibration/", lead_team.calibration, name="lead_calibration"),
    path(
        f"{P}calibration/<int:user_id>/",
        lead_team.calibration_decide,
        name="lead_calibration_decide",
    ),
    path(f"{P}reviewers/<int:user_id>/", lead_team.reviewer_detail, name="lead_reviewer"),
]

base = "<slug:slug>/agreement/"

agreement_urls: list[URLPattern | URLResolver] = [
    path("agreement/", agreement.agreement_home, name="agreement_home"),
    path(base, agreement.agreement_project, name="agreement_project"),
    path(f"{base}recompute/", agreement.agreement_recompute, name="agreement_recompute"),
    path(f"{base}agreement.csv", agreement.agreement_download, name="agreement_download"),
    path(
        f"{base}items/<int:item_id>/send-back/",
        agreement.agreement_send_back,
        name="agreement_send_back",
    ),
    path(f"{base}judges/new/", agreement.judge_create, name="judge_create"),
    path(f"{base}judges/<int:judge_id>/", agreement.judge_detail, name="judge_detail"),
    path(f"{base}judges/<int:judge_id>/run/", agreement.judge_run, name="judge_run"),
    path(
        f"{base}runs/<int:run_id>/signals/",
        judge_signals.judge_run_signals_page,
        name="judge_run_signals",
    ),
    path(f"{base}runs/<int:run_id>/cancel/", agreement.judge_run_cancel, name="judge_run_cancel"),
]

urlpatterns: list[URLPattern | URLResolver] = [*reviewer_urls, *lead_urls, *agreement_urls]
