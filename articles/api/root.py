"""The partner API, version 1: `api`, mounted at /api/v1/ (articles/urls.py). Each
resource is a ninja Router in a module of its own; adding one is one line in ROUTERS.

Read-only and public by the site's rule (ArticleQuerySet.published(), nothing else):
docs/api.md is the partner's guide. The OpenAPI 3.1 document is /api/v1/openapi.json and
the docs page /api/v1/docs (Swagger UI served from our own static files, as the CSP needs).
"""

from __future__ import annotations

from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from . import articles, authors, changes, errors, http, lookup, topics
from .auth import KeyAuth

# (prefix, router): the resources, in the order the docs list them.
ROUTERS = [
    ("/topics", topics.router),
    ("/articles", articles.router),
    ("/authors", authors.router),
    ("/lookup", lookup.router),
    ("/changes", changes.router),
]


class HubAPI(NinjaAPI):
    """NinjaAPI whose successful answers get the API's HTTP headers (http.finish())."""

    def create_response(self, request: HttpRequest, data, *, status=None, temporal_response=None):
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        return http.finish(request, response)

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        # ninja documents each operation's success only; the problems are declared here.
        return errors.document_problems(
            super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        )

    def _get_urls(self):
        # ninja answers a method an address does not take with a plain-text 405: make it a
        # problem too, keeping its Allow header.
        patterns = super()._get_urls()
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _problem_for_405(pattern.callback)
        return patterns


def _problem_for_405(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code != 405:
            return response
        problem = errors.problem_response(
            405, "Method not allowed", "The API is read-only: use GET."
        )
        problem["Allow"] = response.get("Allow", "GET")
        return problem

    return wrapper


api = HubAPI(
    title="Health Hub content API",
    version="1",
    urls_namespace="api-v1",
    description=(
        "Medically reviewed health information for partners to republish: topics, "
        "articles, authors, a medical-code lookup and a feed of what changed (withdrawals "
        "and corrections are also pushed to partners' webhooks). Read-only. See "
        "docs/api.md and docs/webhooks.md."
    ),
    auth=KeyAuth(),
    # validatorUrl: Swagger UI would otherwise send the schema to an outside validator.
    docs=Swagger(settings={"validatorUrl": None, "defaultModelsExpandDepth": 0}),
)
errors.install(api)
for prefix, router in ROUTERS:
    api.add_router(prefix, router)


def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    return errors.unknown_address(request, rest)
