"""Partner keys: issued in the admin and shown once, kept hashed, refused when unknown or
revoked, limited per minute (429 with Retry-After); anonymous access limited or off;
usage counted per key per day."""

import datetime
import hashlib
import re

import pytest
from django.test import Client
from django.utils import timezone

from articles.models import ApiKey, ApiKeyUsage
from tests.api.helpers import API, assert_problem, body, get, issue_key

pytestmark = pytest.mark.django_db


def test_a_key_works_as_bearer_or_header(client):
    _key, secret = issue_key()
    assert get(client, "/topics", key=secret).status_code == 200
    assert client.get(f"{API}/topics", HTTP_X_API_KEY=secret).status_code == 200


def test_unknown_key_is_401(client):
    problem = assert_problem(get(client, "/topics", key="hh_not-a-key"), 401)
    assert problem["detail"] == "Unknown API key."
    assert_problem(client.get(f"{API}/topics", HTTP_X_API_KEY="nope"), 401)
    assert_problem(client.get(f"{API}/topics", HTTP_AUTHORIZATION="Basic eDp5"), 401)
    assert_problem(get(client, "/topics", key="x" * 5000), 401)


def test_revoked_key_is_403(client):
    key, secret = issue_key()
    key.revoked_at = timezone.now()
    key.save()
    problem = assert_problem(get(client, "/topics", key=secret), 403)
    assert "revoked" in problem["detail"]


def test_keys_are_hashed_at_rest():
    key, secret = issue_key()
    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.hashed == hashlib.sha256(secret.encode()).hexdigest()
    assert secret[3:11] == stored.prefix
    row = ApiKey.objects.filter(pk=key.pk).values().get()
    assert secret not in {str(value) for value in row.values()}


def test_the_admin_shows_a_new_key_once_and_revokes(admin_client):
    response = admin_client.post(
        "/admin/articles/apikey/add/",
        {"partner": "Acme Clinics", "name": "portal", "rate_limit_per_minute": 60},
        follow=True,
    )
    # The message after saving shows the whole key, once.
    secret = re.search(r"<code>(hh_[A-Za-z0-9]{40})</code>", response.content.decode()).group(1)
    key = ApiKey.objects.get()
    assert key.hashed == hashlib.sha256(secret.encode()).hexdigest()
    change = admin_client.get(f"/admin/articles/apikey/{key.pk}/change/").content.decode()
    assert secret not in change
    assert f"hh_{key.prefix}" in change
    assert get(Client(), "/topics", key=secret).status_code == 200

    admin_client.post("/admin/articles/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    assert_problem(get(Client(), "/topics", key=secret), 403)


def test_per_key_limit_is_429_with_retry_after(client):
    _key, secret = issue_key(limit=3)
    for _ in range(3):
        assert get(client, "/topics", key=secret).status_code == 200
    problem = assert_problem(response := get(client, "/topics", key=secret), 429)
    assert response["Retry-After"] == "60"
    assert "Rate limit" in problem["detail"]
    other_key, other = issue_key(limit=3, name="other")
    assert get(client, "/topics", key=other).status_code == 200  # each key its own limit


def test_anonymous_is_limited_more_tightly(client, settings):
    settings.API_ANONYMOUS_PER_MINUTE = 2
    assert get(client, "/topics").status_code == 200
    assert get(client, "/topics").status_code == 200
    response = get(client, "/topics")
    assert_problem(response, 429)
    assert response["Retry-After"] == "60"
    _key, secret = issue_key()
    assert get(client, "/topics", key=secret).status_code == 200


def test_anonymous_can_be_turned_off(client, settings):
    settings.API_ANONYMOUS = "off"
    response = get(client, "/topics")
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    _key, secret = issue_key()
    assert get(client, "/topics", key=secret).status_code == 200
    # The schema and docs stay readable, so a partner can learn how to ask.
    assert client.get(f"{API}/openapi.json").status_code == 200


def test_usage_is_counted_per_key_per_day(client, settings):
    settings.API_USAGE_FLUSH_EVERY = 2
    key, secret = issue_key()
    other, other_secret = issue_key(name="other")
    for _ in range(5):
        get(client, "/topics", key=secret)
    get(client, "/topics", key=other_secret)
    get(client, "/topics")
    usage = {(u.key_id, u.day): u.requests for u in ApiKeyUsage.objects.all()}
    today = datetime.datetime.now(tz=datetime.UTC).date()
    assert usage == {(key.pk, today): 4}  # two batches of two; the fifth waits in the cache
    assert body(get(client, "/topics", key=secret))["count"] == 0
    assert ApiKeyUsage.objects.get(key=key).requests == 6
