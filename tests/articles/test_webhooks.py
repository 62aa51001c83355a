"""Issue 22: correction push. A withdrawal or a major revision is POSTed, signed, to each
partner's webhook by the task worker after the publish commits; failures are retried with
backoff and then given up; every attempt is recorded. Deliveries run for real against a
local HTTP server: nothing about the database or the POST is mocked."""

import datetime
import hashlib
import hmac
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles import webhooks, workflow
from articles.models import ChangeKind, ContentChange, Status, Webhook, WebhookDelivery
from tests.articles.desk_helpers import press
from tests.articles.test_changes_log import new_version, run_worker
from tests.articles.workflow_helpers import article_in_state
from tests.html import parse
from tests.webhook_receiver import start_receiver

# Deliveries are queued when the publish commits, and the worker commits its own work:
# real transactions (serialized rollback, as the project's other transactional tests).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SECRET = "partner-secret"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on 127.0.0.1
    receiver, server = start_receiver()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def hook(receiver):
    return Webhook.objects.create(partner="Clinic portal", url=receiver.url, secret=SECRET)


def verified(received) -> dict:
    """The body, after checking the signature as docs/api.md tells partners to."""
    timestamp = received.headers["X-Hub-Timestamp"]
    expected = hmac.new(
        SECRET.encode(), timestamp.encode() + b"." + received.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(received.headers["X-Hub-Signature"], f"sha256={expected}")
    assert abs(time.time() - int(timestamp)) < 60
    return json.loads(received.body)


def attempts():
    return list(
        WebhookDelivery.objects.order_by("pk").values_list("attempt", "status_code", "delivered")
    )


@pytest.fixture
def live_article(clinician, editor):
    return article_in_state(Status.PUBLISHED, author=clinician, approver=editor)


def test_a_withdrawal_reaches_the_partner_signed(receiver, hook, live_article, editor):
    workflow.archive(article=live_article, by=editor, comment="Evidence retracted.")
    assert receiver.received == []  # nothing is sent until the worker runs
    run_worker()
    [received] = receiver.received
    body = verified(received)
    change = ContentChange.objects.get(kind=ChangeKind.WITHDRAWN)
    assert body["id"] == change.pk
    assert (body["kind"], body["reason"], body["slug"]) == (
        "withdrawn",
        "Evidence retracted.",
        live_article.slug,
    )
    assert body["url"].endswith(live_article.get_absolute_url())
    assert body["api_url"].endswith(f"/api/v1/articles/{live_article.slug}")
    assert received.headers["Content-Type"] == "application/json"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempt, delivery.status_code, delivery.delivered) == (1, 200, True)
    assert delivery.response_excerpt == "thanks"


def test_only_the_kinds_subscribed_are_sent(receiver, hook, live_article, clinician, editor):
    new_version(live_article, by=clinician, title="Typo fixed")
    workflow.publish(article=live_article, by=editor, checklist=list(workflow.CHECKLIST))
    workflow.reconfirm_review(article=live_article, by=editor)
    assert DBTaskResult.objects.count() == 0  # minor, review confirmed: not subscribed
    new_version(live_article, by=clinician, title="Dose halved")
    workflow.publish(
        article=live_article, by=editor, checklist=list(workflow.CHECKLIST), significant=True
    )
    run_worker()
    assert [verified(r)["kind"] for r in receiver.received] == ["revised_major"]


def test_an_inactive_webhook_gets_nothing(receiver, hook, live_article, editor):
    Webhook.objects.filter(pk=hook.pk).update(active=False)
    workflow.archive(article=live_article, by=editor)
    run_worker()
    assert receiver.received == [] and attempts() == []


def test_a_500_is_retried_then_delivered(settings, receiver, hook, live_article, editor):
    settings.WEBHOOK_RETRY_DELAYS = [0, 0, 0]
    receiver.statuses = [500]
    workflow.archive(article=live_article, by=editor)
    run_worker()  # the first attempt, then its retry, which is due at once
    assert attempts() == [(1, 500, False), (2, 200, True)]
    first = WebhookDelivery.objects.get(attempt=1)
    assert first.next_retry_at is not None and first.response_excerpt == "we are down"
    assert len({verified(r)["id"] for r in receiver.received}) == 1  # the same change twice


def test_it_gives_up_after_the_last_retry(settings, receiver, hook, live_article, editor):
    settings.WEBHOOK_RETRY_DELAYS = [0, 0]
    receiver.statuses = [500] * 10
    workflow.archive(article=live_article, by=editor)
    run_worker()
    assert attempts() == [(1, 500, False), (2, 500, False), (3, 500, False)]
    assert WebhookDelivery.objects.get(attempt=3).next_retry_at is None
    assert len(receiver.received) == 3


def test_a_dead_partner_is_retried_with_backoff(settings, clinician, editor):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    with socket.socket() as spare:  # a port nobody listens on
        spare.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{spare.getsockname()[1]}/hook"
    Webhook.objects.create(partner="Gone", url=dead, secret=SECRET)
    article = article_in_state(Status.PUBLISHED, author=clinician, approver=editor)
    workflow.archive(article=article, by=editor)
    before = timezone.now()
    run_worker()
    [failed] = WebhookDelivery.objects.all()
    assert (failed.status_code, failed.delivered) == (None, False)
    assert "refused" in failed.error.lower() or "error" in failed.error.lower()
    # The next attempt waits for the first delay (1 minute), so the batch stopped.
    retry = DBTaskResult.objects.get(status="READY")
    wait = retry.run_after - before
    assert datetime.timedelta(seconds=55) < wait < datetime.timedelta(seconds=65)
    assert abs(failed.next_retry_at - retry.run_after) < datetime.timedelta(seconds=1)
    assert retry.args_kwargs["kwargs"]["attempt"] == 2


def test_a_partner_that_hangs_times_out(settings, receiver, hook, live_article, editor):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    settings.WEBHOOK_RETRY_DELAYS = []
    receiver.delay = 2
    workflow.archive(article=live_article, by=editor)
    started = time.monotonic()
    run_worker()
    assert time.monotonic() - started < 2
    [attempt] = WebhookDelivery.objects.all()
    assert not attempt.delivered and "timed out" in attempt.error


def test_publishing_never_waits_for_a_partner(client, receiver, live_article, clinician, editor):
    """The desk's approval makes no HTTP call: the slow partner is posted to by the worker."""
    Webhook.objects.create(
        partner="Slow", url=receiver.url, secret=SECRET, kinds=[k.value for k in ChangeKind]
    )
    receiver.delay = 5
    new_version(live_article, by=clinician, title="Dose halved")
    client.force_login(editor)
    inputs = {"checklist": list(workflow.CHECKLIST), "significant": "on", "comment": "Dose."}
    started = time.monotonic()
    response = press(client, live_article, "publish", inputs)
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert elapsed < 2, elapsed
    assert receiver.received == []
    assert DBTaskResult.objects.filter(task_path="articles.webhooks.deliver").count() == 1


# --- registration: no webhooks into the hub's own network ------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://partner.example.org/hook",  # not HTTPS
        "ftp://partner.example.org/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.0.0.5/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data",  # a cloud's metadata service
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://0.0.0.0/hook",
        "https://user:pass@93.184.215.14/hook",
        "https:///hook",
    ],
)
def test_private_or_plain_http_addresses_are_refused(settings, url):
    settings.DEBUG = False
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(webhooks.BadWebhookURL):
        webhooks.check_url(url)


def test_a_public_https_address_is_accepted(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    webhooks.check_url("https://93.184.215.14/hooks/health-hub")


def test_local_addresses_are_allowed_when_the_setting_says_so(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    webhooks.check_url("http://127.0.0.1:9000/hook")


def test_a_webhook_registered_privately_later_is_not_posted(
    settings, receiver, hook, live_article, editor
):
    """The address is checked again at each delivery: a host may come to point inside."""
    workflow.archive(article=live_article, by=editor)
    settings.WEBHOOK_ALLOW_PRIVATE = False
    settings.WEBHOOK_RETRY_DELAYS = []
    run_worker()
    assert receiver.received == []
    [attempt] = WebhookDelivery.objects.all()
    assert not attempt.delivered and "HTTPS" in attempt.error


def test_a_delivery_connects_to_the_address_checked_not_one_the_name_resolves_to_later(
    settings, monkeypatch, live_article, editor
):
    """DNS rebinding: a partner's name passes the check as a public address, then resolves
    to the hub's own network when the POST connects. The POST goes to the checked address
    (no route from here, so it fails), never to the service listening inside."""
    settings.DEBUG = False
    settings.WEBHOOK_ALLOW_PRIVATE = False
    settings.WEBHOOK_RETRY_DELAYS = []
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    inside = socket.create_server(("127.0.0.1", 0))  # a service on the hub's own network
    inside.settimeout(0.5)
    port = inside.getsockname()[1]
    real_getaddrinfo = socket.getaddrinfo
    lookups = []

    def rebinding(host, *args, **kwargs):
        if host != "partner.example.org":
            return real_getaddrinfo(host, *args, **kwargs)
        lookups.append(host)
        address = "93.184.215.14" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    Webhook.objects.create(
        partner="Clinic", url=f"https://partner.example.org:{port}/hook", secret=SECRET
    )
    workflow.archive(article=live_article, by=editor)
    run_worker()

    with pytest.raises(TimeoutError):
        inside.accept()  # nothing came in
    inside.close()
    assert lookups == ["partner.example.org"]  # resolved once, for the check
    [attempt] = WebhookDelivery.objects.all()
    assert not attempt.delivered and attempt.error


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_a_pinned_connection_still_checks_the_partners_certificate_by_name(tmp_path):
    """Connecting to a checked address must not cost TLS its check of the host's name."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(  # noqa: S603 - fixed arguments
        [shutil.which("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=partner.example.org", "-addext", "subjectAltName=DNS:partner.example.org",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def answer_twice():
        for _ in range(2):
            conn, _ = listener.accept()
            try:
                with server_side.wrap_socket(conn, server_side=True) as tls:
                    request = b""
                    while not request.endswith(b"{}"):  # the whole request, body too
                        request += tls.recv(4096)
                    tls.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
            except ssl.SSLError:
                pass  # the client refused the certificate

    thread = threading.Thread(target=answer_twice, daemon=True)
    thread.start()
    trusting = ssl.create_default_context(cafile=str(cert))

    def post(host: str) -> int:
        pinned = webhooks._PinnedHTTPSConnection(
            host, port, addresses=["127.0.0.1"], context=trusting, timeout=5
        )
        pinned.request("POST", "/hook", body=b"{}")
        return pinned.getresponse().status

    assert post("partner.example.org") == 204
    with pytest.raises(ssl.SSLCertVerificationError):
        post("other.example.org")  # the same address, but not the name on the certificate
    thread.join(5)
    listener.close()


def test_the_admin_refuses_a_private_address_and_shows_the_secret_once(client, superuser, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    client.force_login(superuser)
    add = reverse("admin:articles_webhook_add")
    data = {"partner": "Clinic", "kinds": ["withdrawn"], "active": "on"}
    refused = client.post(add, {**data, "url": "https://10.1.2.3/hook"})
    assert refused.status_code == 200
    assert "private or local address" in refused.content.decode()
    assert not Webhook.objects.exists()
    added = client.post(add, {**data, "url": "https://93.184.215.14/hook"}, follow=True)
    hook = Webhook.objects.get()
    assert len(hook.secret) >= 40
    assert hook.secret in added.content.decode()
    change = client.get(reverse("admin:articles_webhook_change", args=[hook.pk]))
    assert hook.secret not in change.content.decode()


def test_a_new_webhook_offers_withdrawals_and_significant_revisions_ticked(client, superuser):
    client.force_login(superuser)

    page = parse(client.get(reverse("admin:articles_webhook_add")).content.decode())

    ticked = {box.get("value") for box in page.select("input[name=kinds][checked]")}
    assert ticked == {"withdrawn", "revised_major"}


def test_attempts_are_listed_read_only_in_the_admin(client, superuser):
    client.force_login(superuser)
    assert client.get(reverse("admin:articles_webhookdelivery_changelist")).status_code == 200
    assert client.get(reverse("admin:articles_contentchange_changelist")).status_code == 200
    assert client.get(reverse("admin:articles_webhookdelivery_add")).status_code == 403
    assert client.get(reverse("admin:articles_contentchange_add")).status_code == 403


# --- the worker as production runs it ---------------------------------------------------


@pytest.mark.postgres
def test_the_worker_process_delivers_within_seconds(receiver, hook, live_article, editor):
    """`manage.py db_worker` in its own process: the latency from the archive's commit to
    the partner's POST is what a partner waits (the issue asks for under a minute)."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
        "SECRET_KEY": "x",
        "WEBHOOK_ALLOW_PRIVATE": "1",
    }
    worker = subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
    )
    try:
        time.sleep(2)  # the worker starts
        committed = time.monotonic()
        workflow.archive(article=live_article, by=editor)
        assert receiver.arrived.wait(30), "no delivery within 30 s"
        latency = receiver.received[0].at - committed
        print(f"webhook latency, commit to POST: {latency:.2f} s")
        assert latency < 5
        verified(receiver.received[0])
    finally:
        worker.terminate()
        worker.wait(10)
