"""Rate limits when the shared cache is down: readers are served, the outage is logged."""

import logging

import pytest
from django.core.cache import caches
from django.test import override_settings

from tests.factories import EditorFactory

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: every cache call fails as it does while Redis restarts.
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "hub.cache_backends.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@pytest.fixture
def redis_down():
    with override_settings(CACHES=UNREACHABLE_REDIS, PAGE_CACHE=False):
        yield
        caches["default"].close()


def test_search_is_answered_when_the_rate_limit_cannot_count(client, redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="hub.ratelimit"):
        response = client.get("/search/", {"q": "ketamine"})

    assert response.status_code == 200
    assert "rate limit search not counted" in caplog.text


def test_live_preview_renders_when_the_running_slots_cannot_be_held(client, redis_down, caplog):

    editor = EditorFactory()
    client.force_login(editor)
    with caplog.at_level(logging.WARNING, logger="hub.ratelimit"):
        response = client.post(
            "/admin/articles/article/live-preview/",
            {"title": "A title", "summary": "A summary", "body": "Some **text**."},
        )

    assert response.status_code == 200
    assert "<strong>text</strong>" in response.content.decode()
    assert "not held, the cache is unavailable" in caplog.text
