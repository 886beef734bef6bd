"""API routes of the review app: reviewers' work and leads' project status (apis.py), agreement
and judges (apis_agreement.py)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
