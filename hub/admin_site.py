"""The admin site, with labels that fit the person: clinicians see "My articles"."""

from django.contrib import admin
from django.utils.decorators import method_decorator

from .ratelimit import rate_limited


class HubAdminSite(admin.AdminSite):
    site_header = "Health Hub editorial"
    site_title = "Health Hub editorial"
    index_title = "Editorial work"

    # Per client address; django-axes also locks out a username from one address after
    # repeated failures.
    @method_decorator(rate_limited("login", limit=30, window_seconds=600))
    def login(self, request, extra_context=None):
        return super().login(request, extra_context)

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if not getattr(request.user, "is_editor", False):
            for app in apps:
                for model in app["models"]:
                    if model["object_name"] == "Article":
                        model["name"] = "My articles"
        return apps
