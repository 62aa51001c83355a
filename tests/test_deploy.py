"""Production settings pass Django's deployment checklist, and fail loudly when unsafe."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.test import override_settings

from articles.checks import memory_warnings, redis_memory_bounded
from tests.services import redis_up

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, **env):
    # Only what production would have: not DEBUG, not the browser tests' async override;
    # not a developer's REDIS_URL either, whose Redis has no production memory settings
    # (the memory check has tests of its own below).
    unset = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL"}
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment.update(env)
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_prints_no_warning_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="health.example.org",
        SITE_URL="https://health.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("site_url", ["", "http://health.example.org", "https://"])
def test_check_deploy_fails_without_an_https_site_url(site_url):
    result = _manage(
        "check",
        "--deploy",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="health.example.org",
        SITE_URL=site_url,
    )
    assert result.returncode != 0
    assert "articles.E004" in result.stderr + result.stdout


def test_app_refuses_to_start_without_secret_key_when_debug_is_off():
    result = _manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


# --- Redis's memory limit (articles/checks.py; docs/operations.md, Redis memory) -------------


def test_redis_without_a_limit_nor_eviction_gets_both_warnings():
    warnings = memory_warnings(0, "noeviction")
    assert [w.id for w in warnings] == ["articles.W002", "articles.W003"]


@pytest.mark.parametrize("policy", ["volatile-lru", "allkeys-lru", "allkeys-lfu"])
def test_redis_with_a_limit_and_lru_eviction_passes(policy):
    assert memory_warnings(256 * 2**20, policy) == []


@pytest.mark.parametrize("policy", ["volatile-ttl", "allkeys-random"])
def test_redis_evicting_at_random_or_by_ttl_is_warned_of(policy):
    assert [w.id for w in memory_warnings(256 * 2**20, policy)] == ["articles.W003"]


def test_memory_check_warns_and_does_not_fail_when_redis_does_not_answer():
    unreachable = {
        "BACKEND": "hub.cache_backends.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/13",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    with override_settings(CACHES={"default": unreachable}):
        assert [w.id for w in redis_memory_bounded()] == ["articles.W001"]


def test_memory_check_says_nothing_when_the_cache_is_not_redis():
    assert redis_memory_bounded() == []  # the tests' local-memory cache


@pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_memory_check_reads_the_limit_redis_has():
    location = "redis://127.0.0.1:6379/13"
    with redis.Redis.from_url(location) as server:
        info = server.info("memory")
    with override_settings(
        CACHES={"default": {"BACKEND": "hub.cache_backends.RedisCache", "LOCATION": location}}
    ):
        found = redis_memory_bounded()
    expected = memory_warnings(info["maxmemory"], info["maxmemory_policy"])
    assert [w.msg for w in found] == [w.msg for w in expected]
