"""Every error the API gives is RFC 9457 problem details (`application/problem+json`):
{"type", "title", "status", "detail", ...}. Exceptions raised anywhere in an endpoint or
the key check become one here; the catch-all view answers unknown /api/ addresses.
"""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

PROBLEM_TYPE = "application/problem+json"
# Longest piece of a parameter's name echoed back in a 400 (never its value).
_MAX_ECHO = 60


class Problem(Exception):
    """Raise to answer with a problem; `extra` members are added to the body."""

    def __init__(self, status: int, title: str, detail: str = "", *, headers=None, **extra):
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail
        self.headers = headers or {}
        self.extra = extra


def problem_response(
    status: int, title: str, detail: str = "", *, headers=None, **extra
) -> HttpResponse:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    # An error is never kept by a shared cache: the next request may well succeed.
    response["Cache-Control"] = "no-store"
    return response


# The problem body, for the OpenAPI document; members beyond these (errors, a tombstone's
# slug/withdrawn_at/...) are allowed.
PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
}
# Answers any operation may give (docs/api.md): code -> what it means.
_EVERY_OPERATION = {
    "304": "Not modified: the copy the client names (If-None-Match) is current.",
    "400": "A malformed parameter (the problem names it and why), or an address with "
    "control characters.",
    "401": "Unknown key, no key where the site wants one, or an Authorization not Bearer.",
    "403": "Revoked key.",
    "429": "Over the key's (or the anonymous) limit this minute; see Retry-After.",
}


def document_problems(schema: dict) -> dict:
    """Declare in an OpenAPI document the problems its operations answer besides success:
    the ones every operation may give, and 404 where a path or page number can name
    nothing. Returns the document."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    content = {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            places = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
            answers = dict(_EVERY_OPERATION)
            if any(where == "path" for where, _ in places) or ("query", "page") in places:
                answers["404"] = "Nothing published at this address, or a page past the end."
            responses = operation.setdefault("responses", {})
            for code, description in answers.items():
                response = {"description": description}
                if code != "304":
                    response["content"] = content
                responses.setdefault(code, response)
    return schema


def gone(slug: str, withdrawal: dict | None = None) -> Problem:
    """The tombstone of an article taken off the site: 410, its address and, when the
    changes log has it, when and why it was withdrawn and where readers are sent."""
    withdrawal = withdrawal or {}
    at = withdrawal.get("at")
    return Problem(
        410,
        "Gone",
        "This article has been withdrawn and is no longer published.",
        slug=slug,
        withdrawn=True,
        withdrawn_at=at.isoformat() if at else None,
        reason=withdrawal.get("reason", ""),
        sent_to=withdrawal.get("sent_to") or None,
    )


def _where(loc) -> str:
    parts = [str(part)[:_MAX_ECHO] for part in loc if part not in ("query", "path", "header")]
    return ".".join(parts) or "request"


def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # Names the parameter and the rule it broke; the value is not echoed (it may be huge).
    errors = [
        {"parameter": _where(e.get("loc", ())), "reason": e.get("msg", "")} for e in exc.errors
    ]
    detail = "; ".join(f"{e['parameter']}: {e['reason']}" for e in errors)
    return problem_response(400, "Bad request", detail, errors=errors)


def _problem(request: HttpRequest, exc: Problem) -> HttpResponse:
    return problem_response(exc.status, exc.title, exc.detail, headers=exc.headers, **exc.extra)


def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(404, "Not found", str(exc) or "Nothing is published at this address.")


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        return problem_response(401, "Unauthorized", "Send a valid API key.")
    return problem_response(exc.status_code, str(exc.message) or "Error")


def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return problem_response(429, "Too many requests", headers={"Retry-After": "60"})


def install(api: NinjaAPI) -> None:
    """Make every error of `api` a problem."""
    api.add_exception_handler(Problem, _problem)
    api.add_exception_handler(ValidationError, _validation)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(Throttled, _throttled)
    api.add_exception_handler(HttpError, _http_error)


def unknown_address(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any /api/ address no endpoint answers."""
    return problem_response(404, "Not found", "The API has no such address: see /api/v1/docs.")
