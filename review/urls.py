"""Pages of the review app: reviewers' work, leads' management, agreement and judges."""

from django.urls import URLPattern, URLResolver

from review import urls_agreement, urls_lead, urls_reviewer

app_name = "review"

urlpatterns: list[URLPattern | URLResolver] = [
    *urls_reviewer.urlpatterns,
    *urls_lead.urlpatterns,
    *urls_agreement.urlpatterns,
]
