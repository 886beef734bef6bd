"""A URLconf that breaks the rules tests/core/test_access.py enforces, to show it notices."""

from django.http import HttpResponse
from django.urls import include, path, re_path


def view(request, **kwargs):  # type: ignore[no-untyped-def]
    return HttpResponse()


urlpatterns = [
    path("", view, name="home"),
    path("things/<int:pk>/", view),
    path(
        "projects/<slug:slug>/",
        include(
            [
                path("", view, name="thing_detail"),
                re_path(r"^(?P<name>.+)$", view, name="thing_file"),
            ]
        ),
    ),
]
