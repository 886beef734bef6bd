from django.urls import path

from core import apis

urlpatterns = [
    path("auth/token/", apis.TokenObtainApi.as_view(), name="api_token_obtain"),
    path("me/", apis.MeApi.as_view(), name="api_me"),
    path("projects/", apis.ProjectListApi.as_view(), name="api_project_list"),
    path("projects/<slug:slug>/", apis.ProjectDetailApi.as_view(), name="api_project_detail"),
    path("jobs/", apis.JobListApi.as_view(), name="api_job_list"),
    path("jobs/<int:job_id>/", apis.JobDetailApi.as_view(), name="api_job_detail"),
    path("jobs/<int:job_id>/retry/", apis.JobRetryApi.as_view(), name="api_job_retry"),
    path("jobs/<int:job_id>/cancel/", apis.JobCancelApi.as_view(), name="api_job_cancel"),
]
