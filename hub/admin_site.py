"""The admin site, with labels that fit the person: clinicians see "My articles"; its home
is a dashboard of what the person has to do next."""

from collections.abc import Callable

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.urls import path
from django.utils.decorators import method_decorator

from .ratelimit import rate_limited


class HubAdminSite(admin.AdminSite):
    site_header = "Health Hub editorial"
    site_title = "Health Hub editorial"
    index_title = "Editorial work"
    index_template = "admin/dashboard.html"

    # hub imports no app: the apps plug in the home page's panels (a context for
    # admin/dashboard.html) and the counts shown beside navigation entries ({object_name:
    # count}); articles/admin.py registers both.
    dashboard: Callable[[HttpRequest], dict] | None = None
    nav_counts: Callable[[HttpRequest], dict[str, int]] | None = None

    def register_dashboard(
        self,
        dashboard: Callable[[HttpRequest], dict],
        nav_counts: Callable[[HttpRequest], dict[str, int]],
    ) -> None:
        self.dashboard, self.nav_counts = dashboard, nav_counts

    def index(self, request, extra_context=None):
        panels = self.dashboard(request) if self.dashboard else {}
        return super().index(request, {**panels, **(extra_context or {})})

    def _counts(self, request) -> dict[str, int]:
        # Once per request: the navigation and the home page's app list both ask.
        if not hasattr(request, "_nav_counts"):
            request._nav_counts = self.nav_counts(request) if self.nav_counts else {}
        return request._nav_counts

    # Per client address; django-axes also locks out a username from one address after
    # repeated failures.
    @method_decorator(rate_limited("login", limit=30, window_seconds=600))
    def login(self, request, extra_context=None):
        return super().login(request, extra_context)

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        counts = self._counts(request)
        editor = getattr(request.user, "is_editor", False)
        for app in apps:
            for model in app["models"]:
                if model["object_name"] == "Article" and not editor:
                    model["name"] = "My articles"
                if counts.get(model["object_name"]):
                    model["name"] = f"{model['name']} ({counts[model['object_name']]})"
        return apps

    def get_urls(self):
        # Django's "view on site" shortcut redirects to any object of any model by id,
        # unchecked: its Location told any clinician the slugs of others' drafts and every
        # username. Ours answers only what the object's own change page would show.
        checked = path(
            "r/<int:content_type_id>/<path:object_id>/",
            self.admin_view(self.view_on_site),
            name="view_on_site",
        )
        return [
            checked if getattr(pattern, "name", None) == "view_on_site" else pattern
            for pattern in super().get_urls()
        ]

    def view_on_site(
        self, request: HttpRequest, content_type_id: int, object_id: str
    ) -> HttpResponseRedirect:
        # Registered models only, matched through the content types already cached, so
        # an id of any size or a model the admin does not show is a plain 404.
        model_admin = next(
            (
                model_admin
                for model, model_admin in self._registry.items()
                if ContentType.objects.get_for_model(model, for_concrete_model=False).pk
                == content_type_id
            ),
            None,
        )
        if model_admin is None:
            raise Http404("No such page.")
        obj = model_admin.get_object(request, unquote(object_id))
        if (
            obj is None
            or not model_admin.has_view_or_change_permission(request, obj)
            or not model_admin.get_view_on_site_url(obj)
        ):
            raise Http404("No such page.")
        return HttpResponseRedirect(obj.get_absolute_url())
