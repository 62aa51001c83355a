from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.forms import PasswordResetForm
from articles.api.root import api
from articles.api.root import unknown as api_unknown

from .ratelimit import rate_limited

# Password resets are rate-limited per client address, like signing in (hub/admin_site.py).
# The form does the same work for unknown addresses and links to SITE_URL (accounts/forms.py).
password_reset = rate_limited("password-reset", limit=5, window_seconds=3600)(
    auth_views.PasswordResetView.as_view(form_class=PasswordResetForm)
)

urlpatterns = [
    # Django's own reset views never say whether an address has an account.
    path("admin/password_reset/", password_reset, name="admin_password_reset"),
    path(
        "admin/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    # The partner API (articles/api/, docs/api.md), in its own URL namespace ("api-v1"),
    # which ninja's docs page reverses; any other /api/ address is a problem+json 404.
    path("api/v1/", api.urls),
    path("api/<path:rest>", api_unknown),
    path("", include("articles.urls")),
]

handler404 = "hub.views.page_not_found"
handler500 = "hub.views.server_error"
