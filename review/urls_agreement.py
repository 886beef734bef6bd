"""Pages of the review app: the agreement part (included by review/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from review.views import agreement as views
from review.views import judge_signals

base = "<slug:slug>/agreement/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("agreement/", views.agreement_home, name="agreement_home"),
    path(base, views.agreement_project, name="agreement_project"),
    path(f"{base}recompute/", views.agreement_recompute, name="agreement_recompute"),
    path(f"{base}agreement.csv", views.agreement_download, name="agreement_download"),
    path(
        f"{base}items/<int:item_id>/send-back/",
        views.agreement_send_back,
        name="agreement_send_back",
    ),
    path(f"{base}judges/new/", views.judge_create, name="judge_create"),
    path(f"{base}judges/<int:judge_id>/", views.judge_detail, name="judge_detail"),
    path(f"{base}judges/<int:judge_id>/run/", views.judge_run, name="judge_run"),
    path(
        f"{base}runs/<int:run_id>/signals/",
        judge_signals.judge_run_signals_page,
        name="judge_run_signals",
    ),
    path(f"{base}runs/<int:run_id>/cancel/", views.judge_run_cancel, name="judge_run_cancel"),
]
