"""Plain answers before any view runs: 400 for control characters in the address, 503 with a
plain page (not a stack trace or a hung worker) while the database is down."""

import json
import logging
import re

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template import loader

log = logging.getLogger(__name__)

# C0 controls and DEL. NUL reached PostgreSQL from views and the admin autocomplete, which
# refuses it with an error (a 500); no address of ours has a control character in it.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A tab pasted into the search box with its words is harmless: values may keep it.
_CONTROL_IN_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def has_control_characters(request: HttpRequest) -> bool:
    """True when the decoded path, a query parameter's name or its value has a control
    character (tab allowed in values)."""
    if _CONTROL.search(request.path_info):
        return True
    return any(
        _CONTROL.search(name) or any(_CONTROL_IN_VALUE.search(value) for value in values)
        for name, values in request.GET.lists()
    )


class ControlCharacterMiddleware:
    """One gate for every view: a control character in the address is a 400, never a 500.

    Form fields posted in bodies are left to the forms: Django's CharField refuses NUL with
    a form error.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_control_characters(request):
            if request.path_info.startswith("/api/"):
                # The API's errors are all problem details (articles/api/errors.py).
                return HttpResponseBadRequest(
                    json.dumps(
                        {
                            "type": "about:blank",
                            "title": "Bad request",
                            "status": 400,
                            "detail": "The address contains control characters.",
                        }
                    ),
                    content_type="application/problem+json",
                )
            return HttpResponseBadRequest(
                "Bad request: the address contains control characters.\n",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        if "locked" in str(exception).lower():
            # SQLite reports a busy database this way: a real error to see, not an outage.
            return None
        log.error("database unavailable: %s", exception, extra={"path": request.path})
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = "5"
        return response
