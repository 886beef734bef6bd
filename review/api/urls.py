"""API routes of the review app: reviewers' work and leads' project status (work.py), the queue's
triage settings (triage.py), agreement and judges (agreement.py)."""

from django.urls import URLPattern, URLResolver, path

from review.api import agreement as apis_agreement
from review.api import triage as apis_triage
from review.api import work as apis

item = "projects/<slug:slug>/review/items/<int:item_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("projects/<slug:slug>/review/next/", apis.ReviewNextApi.as_view(), name="api_review_next"),
    path(
        "projects/<slug:slug>/review/status/",
        apis.ReviewStatusApi.as_view(),
        name="api_review_status",
    ),
    path(
        "projects/<slug:slug>/review/queue/",
        apis_triage.TriageSettingsApi.as_view(),
        name="api_review_queue",
    ),
    path(item, apis.ReviewItemApi.as_view(), name="api_review_item"),
    path(f"{item}draft/", apis.ReviewDraftApi.as_view(), name="api_review_draft"),
    path(f"{item}submit/", apis.ReviewSubmitApi.as_view(), name="api_review_submit"),
    path(f"{item}skip/", apis.ReviewSkipApi.as_view(), name="api_review_skip"),
    path(f"{item}reviews/", apis.ReviewItemReviewsApi.as_view(), name="api_review_item_reviews"),
    path(
        "projects/<slug:slug>/agreement/",
        apis_agreement.AgreementApi.as_view(),
        name="api_agreement",
    ),
    path(
        "projects/<slug:slug>/agreement/recompute/",
        apis_agreement.AgreementRecomputeApi.as_view(),
        name="api_agreement_recompute",
    ),
    path(
        "projects/<slug:slug>/judges/",
        apis_agreement.JudgeListApi.as_view(),
        name="api_judges",
    ),
    path(
        "projects/<slug:slug>/judges/<int:judge_id>/runs/",
        apis_agreement.JudgeRunStartApi.as_view(),
        name="api_judge_run_start",
    ),
    path(
        "projects/<slug:slug>/judges/<int:judge_id>/prompt-history/",
        apis_agreement.JudgePromptHistoryApi.as_view(),
        name="api_judge_prompt_history",
    ),
    path(
        "projects/<slug:slug>/judge-runs/<int:run_id>/",
        apis_agreement.JudgeRunApi.as_view(),
        name="api_judge_run",
    ),
    path(
        "projects/<slug:slug>/judge-runs/<int:run_id>/signals/",
        apis_agreement.JudgeRunSignalsApi.as_view(),
        name="api_judge_run_signals",
    ),
]
