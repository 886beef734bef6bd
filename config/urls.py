from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver, include, path
from django.views.i18n import JavaScriptCatalog, set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import views as core_views
from core.forms import ThrottledAdminAuthenticationForm

# Password reset pages must open for a signed-out user: that is who forgets a password.
public = login_not_required

# The admin's own sign-in page is as exposed as ours: it counts failures with the same throttle.
admin.site.login_form = ThrottledAdminAuthenticationForm

account_patterns: list[URLPattern | URLResolver] = [
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", core_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        public(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        public(auth_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        public(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
]

api_patterns: list[URLPattern | URLResolver] = [
    path("", include("core.api_urls")),
    path("", include("rubrics.api_urls")),
    path("", include("dialogues.api_urls")),
    path("", include("review.api.urls")),
    path("", include("exports.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api_schema", template_name="api/swagger_ui.html"
        ),
        name="api_docs",
    ),
]

urlpatterns = [
    path("", include("core.urls")),
    path("rubrics/", include("rubrics.urls")),
    path("sessions/", include("dialogues.urls")),
    path("review/", include("review.urls")),
    path("exports/", include("exports.urls")),
    path("accounts/", include(account_patterns)),
    path("i18n/setlang/", public(set_language), name="set_language"),
    # The translations the page scripts use (locale/*/djangojs.po); the same for everyone.
    path("i18n/js/", public(JavaScriptCatalog.as_view()), name="javascript_catalog"),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
]

handler404 = "core.views.not_found"
