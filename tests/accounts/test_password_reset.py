"""Password reset: the same work for any address, links to SITE_URL, valid three hours."""

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import EditorFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin_password_reset")
LINK = re.compile(r"\S+/reset/\S+/\S+/")


class CountingTokens:
    """Counts the reset tokens made, and makes them as Django does."""

    def __init__(self, monkeypatch):
        self.made = 0
        make_token = PasswordResetTokenGenerator.make_token

        def counted(generator, user):
            self.made += 1
            return make_token(generator, user)

        monkeypatch.setattr(PasswordResetTokenGenerator, "make_token", counted)


def _templates(response):
    return [template.name for template in response.templates]


def test_an_unknown_address_goes_through_the_same_steps_but_gets_no_email(client, monkeypatch):
    EditorFactory(username="known")
    tokens = CountingTokens(monkeypatch)
    known = client.post(URL, {"email": "known@example.org"})
    assert (tokens.made, len(mail.outbox)) == (1, 1)
    unknown = client.post(URL, {"email": "nobody@example.org"})
    assert (tokens.made, len(mail.outbox)) == (2, 1)
    assert "registration/password_reset_email.html" in _templates(known)
    assert _templates(known) == _templates(unknown)
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])


def test_an_inactive_account_is_treated_as_unknown(client, monkeypatch):
    EditorFactory(username="gone", is_active=False)
    tokens = CountingTokens(monkeypatch)
    client.post(URL, {"email": "gone@example.org"})
    assert (tokens.made, len(mail.outbox)) == (1, 0)


@pytest.mark.parametrize(
    "site_url", ["https://health.example.org", "http://127.0.0.1:8000", "https://h.example:8443"]
)
def test_the_link_is_built_from_site_url_whatever_the_host_header(client, settings, site_url):
    settings.ALLOWED_HOSTS = ["*"]  # as behind a proxy that passes any Host header on
    settings.SITE_URL = site_url
    EditorFactory(username="known")
    response = client.post(
        URL, {"email": "known@example.org"}, HTTP_HOST="evil.example:666", secure=False
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    (link,) = LINK.findall(message.body)
    assert link.startswith(site_url + "/reset/")
    assert "evil.example" not in message.body + message.subject


class FrozenTokens(PasswordResetTokenGenerator):
    def __init__(self, now: datetime.datetime):
        super().__init__()
        self.now = now

    def _now(self):
        return self.now


def _link_made(user, ago: datetime.timedelta) -> str:
    token = FrozenTokens(datetime.datetime.now() - ago).make_token(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("password_reset_confirm", args=[uid, token])


def test_reset_links_last_three_hours(settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 3 * 60 * 60


def test_a_reset_link_works_within_the_timeout(client):
    user = EditorFactory(username="known")
    response = client.get(_link_made(user, datetime.timedelta(hours=2, minutes=59)))
    assert response.status_code == 302
    assert response["Location"].endswith("/set-password/")


def test_a_reset_link_has_expired_after_the_timeout(client):
    user = EditorFactory(username="known")
    response = client.get(_link_made(user, datetime.timedelta(hours=3, minutes=1)))
    assert response.status_code == 200
    assert response.context["validlink"] is False


def test_the_benchmark_script_runs(tmp_path):
    # A smoke run (bench/README.md): two tries, on its own in-memory SQLite database.
    env = {**os.environ, "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"}
    script = Path(__file__).resolve().parents[2] / "bench" / "bench_password_reset.py"
    result = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(script), "--tries", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert "the hub's form" in result.stdout and "Django's stock form" in result.stdout
