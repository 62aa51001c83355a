"""Locked-down accounts: lockouts, rate limits, password reset, CSP, proxies, audit."""

import json
import logging

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from hub.logging import JsonFormatter
from hub.ratelimit import client_ip
from tests.factories import PASSWORD, EditorFactory
from tests.html import parse

pytestmark = pytest.mark.django_db
LOGIN = reverse("admin:login")


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def _login(client, username, password, ip="203.0.113.5"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_account_is_locked_after_five_failures_from_one_address(client):
    editor = EditorFactory(username="target")
    for _ in range(5):
        _login(client, editor.username, "wrong")
    response = _login(client, editor.username, PASSWORD)
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_does_not_block_the_same_user_from_another_address(client):
    editor = EditorFactory(username="target")
    for _ in range(5):
        _login(client, editor.username, "wrong", ip="203.0.113.5")
    response = _login(client, editor.username, PASSWORD, ip="198.51.100.7")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(editor.pk)


def test_lockout_does_not_block_other_users_behind_the_same_address(client):
    EditorFactory(username="target")
    colleague = EditorFactory(username="colleague")
    for _ in range(5):
        _login(client, "target", "wrong")
    assert _login(client, colleague.username, PASSWORD).status_code == 302


def test_successful_login_resets_the_failure_count(client):
    editor = EditorFactory(username="target")
    for _ in range(4):
        _login(client, editor.username, "wrong")
    assert _login(client, editor.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, editor.username, "wrong")
    assert _login(client, editor.username, PASSWORD).status_code == 302


def test_login_is_rate_limited_per_address_with_429(client):
    for i in range(30):
        _login(client, f"nobody{i}", "wrong")
    response = _login(client, "nobody-else", "wrong")
    assert response.status_code == 429
    assert response["Retry-After"]


class TestPasswordReset:
    URL = reverse("admin_password_reset")

    def test_reset_email_is_sent_to_a_known_address(self, client):
        editor = EditorFactory(username="known")
        response = client.post(self.URL, {"email": editor.email})
        assert response.status_code == 302
        assert len(mail.outbox) == 1 and mail.outbox[0].to == [editor.email]

    def test_unknown_address_gets_the_same_answer_and_no_email(self, client):
        EditorFactory(username="known")
        known = client.post(self.URL, {"email": "known@example.org"})
        unknown = client.post(self.URL, {"email": "nobody@example.org"})
        assert known.status_code == unknown.status_code == 302
        assert known["Location"] == unknown["Location"]
        assert len(mail.outbox) == 1

    def test_reset_requests_are_rate_limited(self, client):
        for _ in range(5):
            client.post(self.URL, {"email": "someone@example.org"})
        assert client.post(self.URL, {"email": "someone@example.org"}).status_code == 429

    def test_admin_login_page_links_to_reset(self, client):
        assert parse(client.get(LOGIN)).select(f'a[href="{self.URL}"]')


class TestContentSecurityPolicy:
    def test_public_pages_forbid_inline_script_objects_and_framing(self, client):
        policy = client.get("/")["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "'unsafe-inline'" not in policy
        assert "object-src 'none'" in policy
        assert "base-uri 'none'" in policy
        assert "frame-ancestors 'none'" in policy

    def test_admin_pages_carry_the_policy_too(self, client, editor):
        client.force_login(editor)
        assert "Content-Security-Policy" in client.get(reverse("admin:index"))

    def test_public_pages_have_no_inline_script_or_style(self, client):
        html = client.get("/").content.decode()
        assert "<style" not in html
        assert " style=" not in html
        assert "<script>" not in html


class TestClientAddress:
    def _request(self, settings, proxies, remote, forwarded=None):
        settings.TRUSTED_PROXY_COUNT = proxies
        meta = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            meta["HTTP_X_FORWARDED_FOR"] = forwarded
        return RequestFactory().get("/", **meta)

    def test_forwarded_header_is_ignored_without_trusted_proxies(self, settings):
        request = self._request(settings, 0, "198.51.100.1", "1.2.3.4")
        assert client_ip(request) == "198.51.100.1"

    def test_forged_entries_left_of_the_trusted_proxy_are_ignored(self, settings):
        request = self._request(settings, 1, "10.0.0.2", "6.6.6.6, 203.0.113.9")
        assert client_ip(request) == "203.0.113.9"

    def test_two_trusted_proxies_take_the_second_entry_from_the_right(self, settings):
        request = self._request(settings, 2, "10.0.0.2", "6.6.6.6, 203.0.113.9, 10.0.0.1")
        assert client_ip(request) == "203.0.113.9"

    def test_garbage_in_the_header_falls_back_to_the_socket_address(self, settings):
        request = self._request(settings, 1, "10.0.0.2", "<script>")
        assert client_ip(request) == "10.0.0.2"


class TestAudit:
    def test_failed_login_is_logged_with_username_and_address(self, client, caplog):
        with caplog.at_level(logging.WARNING, logger="audit"):
            _login(client, "someone", "wrong")
        record = next(r for r in caplog.records if r.getMessage() == "login failed")
        assert record.username == "someone" and record.ip == "203.0.113.5"

    def test_successful_login_is_logged(self, client, caplog):
        editor = EditorFactory(username="target")
        with caplog.at_level(logging.INFO, logger="audit"):
            _login(client, editor.username, PASSWORD)
        assert any(getattr(r, "event", "") == "login" for r in caplog.records)

    def test_role_change_is_logged(self, caplog):
        editor = EditorFactory(username="target")
        with caplog.at_level(logging.WARNING, logger="audit"):
            editor.groups.add(Group.objects.get(name="Clinicians"))
        assert any(getattr(r, "event", "") == "roles_changed" for r in caplog.records)

    def test_json_formatter_writes_one_object_per_line_with_extras(self):
        record = logging.LogRecord("audit", logging.INFO, __file__, 1, "login", (), None)
        record.user, record.ip = 7, "203.0.113.5"
        line = JsonFormatter().format(record)
        assert "\n" not in line
        data = json.loads(line)
        assert data["message"] == "login" and data["user"] == 7 and data["ip"] == "203.0.113.5"
