"""Correction push: each change a partner subscribed to is POSTed to their webhook.

The changes log (articles/changelog.py) calls `enqueue()` after its transaction commits;
each delivery is then a task on the worker (`manage.py db_worker`), so publishing never
waits for a partner's server. A delivery is one signed POST with a short timeout; every
attempt is a WebhookDelivery row (the admin lists them). A failed attempt is tried again
after each of WEBHOOK_RETRY_DELAYS in turn, then given up.

Signature (docs/api.md, "Webhooks"): `X-Hub-Signature: sha256=<hex>`, the HMAC-SHA256
with the webhook's secret of `<X-Hub-Timestamp> + "." + <body>`.
"""

import datetime
import functools
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from .models import ContentChange, Webhook, WebhookDelivery

log = logging.getLogger(__name__)

USER_AGENT = "HealthHub-Webhooks/1"
EXCERPT_CHARS = 500


class BadWebhookURL(ValueError):
    """The address cannot be a webhook's; the message says why."""


def check_url(url: str) -> list[str]:
    """Raise BadWebhookURL unless `url` may receive webhooks: HTTPS (HTTP only when
    DEBUG), and, unless WEBHOOK_ALLOW_PRIVATE, a host that resolves only to public
    addresses, so that a webhook cannot make the hub post into its own network (SSRF).

    Returns the addresses checked ([] when private ones are allowed): a delivery connects
    to one of them, never to what the name resolves to a moment later (DNS rebinding)."""
    parts = urlsplit(url)
    local_allowed = settings.DEBUG or settings.WEBHOOK_ALLOW_PRIVATE
    schemes = {"https", "http"} if local_allowed else {"https"}
    if parts.scheme not in schemes:
        raise BadWebhookURL("Enter an https:// address: webhooks are sent only over HTTPS.")
    if not parts.hostname:
        raise BadWebhookURL("Enter a full address, with the partner's host name.")
    if parts.username or parts.password:
        raise BadWebhookURL("Leave the user name and password out of the address.")
    if local_allowed:
        return []
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError):
        raise BadWebhookURL(f"The host “{parts.hostname}” cannot be found.") from None
    checked = []
    for *_, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise BadWebhookURL(
                f"“{parts.hostname}” points at a private or local address ({address}): "
                "webhooks go only to addresses on the public internet."
            )
        checked.append(str(address))
    return list(dict.fromkeys(checked))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Hub-Signature header's value for `body` sent at `timestamp`."""
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def enqueue(change: ContentChange) -> None:
    """Queue one delivery of `change` to each active webhook subscribed to its kind. Called
    once the change is committed: the worker then finds the change it is given."""
    for webhook in Webhook.objects.filter(active=True).only("pk", "kinds"):
        if change.kind in webhook.kinds:
            deliver.enqueue(webhook_id=webhook.pk, change_id=change.pk, attempt=1)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could lead anywhere, the hub's own network included: it counts as a failure.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to the host named in the address, made to addresses already
    checked: TLS still verifies the certificate against the host's name."""

    def __init__(self, *args, addresses: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self._addresses = addresses
        self._create_connection = self._connect_to_checked

    def _connect_to_checked(self, target, *args, **kwargs):
        error = OSError(f"no checked address for {target[0]}")
        for address in self._addresses:
            try:
                return socket.create_connection((address, target[1]), *args, **kwargs)
            except OSError as exc:
                error = exc
        raise error


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, addresses: list[str]):
        super().__init__()
        self.addresses = addresses

    def https_open(self, req):
        connection = functools.partial(_PinnedHTTPSConnection, addresses=self.addresses)
        return self.do_open(connection, req, context=self._context)


def _opener_for(addresses: list[str]) -> urllib.request.OpenerDirector:
    """Straight to the checked addresses; through no proxy, which would resolve the name
    again itself. With none checked (private addresses allowed), the usual opener."""
    if not addresses:
        return _opener
    return urllib.request.build_opener(
        _NoRedirects, urllib.request.ProxyHandler({}), _PinnedHTTPSHandler(addresses)
    )


def _post(webhook: Webhook, body: bytes, addresses: list[str]) -> tuple[int | None, str, str]:
    """POST `body`, signed, to one of `addresses` (check_url()): (status code, response
    excerpt, error)."""
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked: https or http
        webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Hub-Timestamp": timestamp,
            "X-Hub-Signature": sign(webhook.secret, timestamp, body),
        },
    )
    try:
        opener = _opener_for(addresses)
        with opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            excerpt = response.read(EXCERPT_CHARS).decode("utf-8", "replace")
            return response.status, excerpt, ""
    except urllib.error.HTTPError as exc:
        excerpt = exc.read(EXCERPT_CHARS).decode("utf-8", "replace") if exc.fp else ""
        return exc.code, excerpt, f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:  # refused, timed out, TLS, a bad address
        reason = getattr(exc, "reason", exc)
        return None, "", f"{type(exc).__name__}: {reason}"[:EXCERPT_CHARS]


@task()
def deliver(*, webhook_id: int, change_id: int, attempt: int) -> bool:
    """POST the change to the webhook once, record the attempt, and queue the next one if
    it failed and retries are left. Returns whether the partner took it (2xx)."""
    webhook = Webhook.objects.filter(pk=webhook_id, active=True).first()
    change = ContentChange.objects.filter(pk=change_id).first()
    if webhook is None or change is None:
        return False  # switched off or deleted since: nothing to send
    started = time.monotonic()
    try:
        addresses = check_url(webhook.url)  # again: the host may resolve elsewhere by now
    except BadWebhookURL as exc:
        status, excerpt, error = None, "", str(exc)
    else:
        body = json.dumps(change.as_item(), ensure_ascii=False).encode()
        status, excerpt, error = _post(webhook, body, addresses)
    delivered = status is not None and 200 <= status < 300
    delays = settings.WEBHOOK_RETRY_DELAYS
    retry_at = None
    if not delivered and attempt <= len(delays):
        retry_at = timezone.now() + datetime.timedelta(seconds=delays[attempt - 1])
    WebhookDelivery.objects.create(
        webhook=webhook,
        change=change,
        attempt=attempt,
        status_code=status,
        response_excerpt=excerpt,
        error=error,
        duration_ms=int((time.monotonic() - started) * 1000),
        delivered=delivered,
        next_retry_at=retry_at,
    )
    if retry_at is not None:
        deliver.using(run_after=retry_at).enqueue(
            webhook_id=webhook_id, change_id=change_id, attempt=attempt + 1
        )
    elif not delivered:
        log.warning(
            "webhook gave up",
            extra={"webhook": webhook_id, "change": change_id, "attempts": attempt},
        )
    return delivered
