"""hub.ratelimit.concurrency_limited: one person holds at most `limit` workers of a kind.

Run with real threads against the configured cache (local memory here, one process), and
against the real Redis when it is up, as production shares it between processes.
"""

import threading
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache, caches
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from hub.ratelimit import concurrency_limited, running_slot
from tests.factories import EditorFactory
from tests.services import redis_up

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _request(user):
    request = RequestFactory().get("/admin/articles/article/1/preview/", REMOTE_ADDR="203.0.113.9")
    request.user = user
    return request


def _blocking_view(started: threading.Semaphore, release: threading.Event):
    @concurrency_limited("preview", limit=2, timeout_seconds=30)
    def view(request):
        started.release()
        release.wait(timeout=10)
        return HttpResponse("rendered")

    return view


def _run_while_two_are_running(user, other):
    started, release = threading.Semaphore(0), threading.Event()
    view = _blocking_view(started, release)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(view(_request(user)).status_code))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for _ in threads:
        assert started.acquire(timeout=10)
    try:
        third = view(_request(user))
        someone_else = None if other is None else _blocking_view_once(other)
    finally:
        release.set()
        for thread in threads:
            thread.join(timeout=10)
    after = view(_request(user))
    return results, third, someone_else, after


def _blocking_view_once(user):
    @concurrency_limited("preview", limit=2, timeout_seconds=30)
    def view(request):
        return HttpResponse("rendered")

    return view(_request(user)).status_code


def test_third_concurrent_preview_is_refused_with_429_when_two_are_running():
    editor, colleague = EditorFactory(), EditorFactory()

    running, third, colleagues, after = _run_while_two_are_running(editor, colleague)

    assert running == [200, 200]
    assert third.status_code == 429
    assert third["Retry-After"] == "5"
    assert "already have this page loading" in third.render().content.decode()
    assert colleagues == 200  # another person's previews are not counted
    assert after.status_code == 200  # the slots were given back


@pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_slots_are_shared_through_redis_when_workers_are_processes_apart():
    redis = {
        "default": {
            "BACKEND": "hub.cache_backends.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/12",
        }
    }
    editor = EditorFactory()
    with override_settings(CACHES=redis):
        caches["default"].clear()
        try:
            running, third, _, after = _run_while_two_are_running(editor, None)
        finally:
            caches["default"].clear()

    assert (running, third.status_code, after.status_code) == ([200, 200], 429, 200)


def test_preview_is_refused_while_the_slots_are_held():
    editor = EditorFactory()
    view = concurrency_limited("preview", limit=1)(lambda request: HttpResponse("rendered"))

    with running_slot("preview", f"user:{editor.pk}", limit=1, timeout_seconds=30) as held:
        assert held
        assert view(_request(editor)).status_code == 429
    assert view(_request(editor)).status_code == 200


def test_slot_is_free_again_when_a_worker_died_holding_it():
    editor = EditorFactory()
    view = concurrency_limited("preview", limit=1, timeout_seconds=1)(
        lambda request: HttpResponse("rendered")
    )
    # A worker killed mid-render never reaches its `finally`: its slot is just left.
    dead = running_slot("preview", f"user:{editor.pk}", limit=1, timeout_seconds=1)
    assert dead.__enter__()
    assert view(_request(editor)).status_code == 429

    time.sleep(1.2)

    assert view(_request(editor)).status_code == 200


def test_slot_is_given_back_when_the_view_raises():
    editor = EditorFactory()

    @concurrency_limited("preview", limit=1)
    def failing(request):
        raise ValueError("render failed")

    with pytest.raises(ValueError):
        failing(_request(editor))

    with running_slot("preview", f"user:{editor.pk}", limit=1, timeout_seconds=30) as held:
        assert held


def test_anonymous_requests_are_counted_by_address():
    view = concurrency_limited("search", limit=1)(lambda request: HttpResponse("ok"))

    with running_slot("search", "203.0.113.9", limit=1, timeout_seconds=30):
        assert view(_request(AnonymousUser())).status_code == 429
