"""Helpers for the API's tests: JSON answers, problems, keys."""

import json

from articles.models import ApiKey

API = "/api/v1"


def get(client, path, *, key=None, **headers):
    """GET an API path (relative to /api/v1), with a key as a Bearer token when given."""
    if key is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client.get(f"{API}{path}", **headers)


def body(response):
    return json.loads(response.content)


def assert_problem(response, status):
    """The answer is an RFC 9457 problem with this status; returns its body."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/problem+json"
    problem = body(response)
    assert problem["status"] == status
    assert problem["title"]
    return problem


def issue_key(*, limit=120, partner="Acme Clinics", name="portal"):
    """A new key: (ApiKey, the secret)."""
    key = ApiKey(partner=partner, name=name, rate_limit_per_minute=limit)
    secret = key.issue()
    return key, secret
