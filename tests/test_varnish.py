"""Varnish in front of the hub, end to end (deploy/varnish/default.vcl, issue 24).

varnishd runs on loopback (127.0.0.1:6091, its admin on 6092) in front of the test's
live server, which purges it by key after each change (CACHE_PURGE_HOSTS). Skipped when
varnishd is not installed (Debian: varnish, varnish-modules), unless REQUIRE_VARNISH=1
(CI), which makes that a failure.
"""

import http.client
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core.signals import request_started
from django.test.utils import override_settings
from pytest_django.live_server_helper import LiveServer

from articles import workflow
from hub.ratelimit import client_ip
from tests.factories import (
    ClinicianFactory,
    EditorFactory,
    PublishedArticleFactory,
    TopicFactory,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("page_cache_on"),
]

VCL = Path(__file__).resolve().parent.parent / "deploy" / "varnish" / "default.vcl"
PORT = int(os.environ.get("VARNISH_TEST_PORT", "6091"))
ADMIN_PORT = int(os.environ.get("VARNISH_TEST_ADMIN_PORT", "6092"))
VARNISH = f"http://127.0.0.1:{PORT}"
# What run.sh writes into the VCL from CACHE_PURGE_TOKEN, and the hub sends with purges.
TOKEN = "test-purge-token-0123456789"
HUB = {"X-Purge-Token": TOKEN}


def _absent(reason: str):
    if os.environ.get("REQUIRE_VARNISH") == "1":
        pytest.fail(f"{reason} (REQUIRE_VARNISH=1)")
    pytest.skip(f"{reason}; install varnish and varnish-modules, or set REQUIRE_VARNISH=1")


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def hub_server():
    """A live server of the hub, built while HTTPS redirects are off (SecurityMiddleware
    reads the setting once, as tests/browser/conftest.py explains), answering to the Host
    Varnish's health probe sends (the backend's address)."""
    hosts = override_settings(SECURE_SSL_REDIRECT=False, ALLOWED_HOSTS=["127.0.0.1"])
    hosts.enable()
    server = LiveServer("127.0.0.1")
    try:
        yield server
    finally:
        server.stop()
        hosts.disable()


@pytest.fixture(scope="module")
def varnish(hub_server, django_db_blocker):
    """varnishd in front of the live server; yields its work directory (for varnishadm).

    Its health probe asks the live server's /healthz (a query) every second, between
    tests too: database access stays open while it runs, or the probe would find the
    hub down.
    """
    with django_db_blocker.unblock():
        yield from _varnish(hub_server)


def _varnish(hub_server):
    if shutil.which("varnishd") is None:
        _absent("varnishd is not installed")
    if _answers(PORT):
        _absent(f"something already listens on 127.0.0.1:{PORT}")
    backend_port = urlsplit(hub_server.url).port
    # Readable by varnishd's unprivileged worker user when run as root.
    workdir = Path(tempfile.mkdtemp(prefix="hub-varnish-"))
    workdir.chmod(0o755)
    vcl = workdir / "default.vcl"
    vcl.write_text(
        VCL.read_text().replace("BACKEND_PORT", str(backend_port)).replace("PURGE_SECRET", TOKEN)
    )
    vcl.chmod(0o644)
    pid_file = workdir / "varnishd.pid"
    started = subprocess.run(  # noqa: S603
        [
            shutil.which("varnishd"),
            *("-a", f"127.0.0.1:{PORT}", "-T", f"127.0.0.1:{ADMIN_PORT}"),
            *("-n", str(workdir / "n"), "-f", str(vcl), "-s", "malloc,64m"),
            *("-P", str(pid_file)),
        ],
        capture_output=True,
        text=True,
    )
    if started.returncode != 0:
        _absent(f"varnishd did not start: {started.stderr.strip()[-500:]}")
    try:
        deadline = time.monotonic() + 10
        while not _answers(PORT) and time.monotonic() < deadline:
            time.sleep(0.05)
        # Wait for the health probe to find the hub up.
        while time.monotonic() < deadline and not _healthy(workdir):
            time.sleep(0.2)
        yield workdir
    finally:
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), 15)
        shutil.rmtree(workdir, ignore_errors=True)


def _admin(workdir: Path, *command: str) -> str:
    return subprocess.run(  # noqa: S603
        [shutil.which("varnishadm"), "-n", str(workdir / "n"), *command],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _healthy(workdir: Path) -> bool:
    try:
        return "healthy" in _admin(workdir, "backend.list").lower()
    except subprocess.CalledProcessError:
        return False


@pytest.fixture
def hub_purges_varnish(settings, varnish, transactional_db):
    settings.CACHE_PURGE_HOSTS = [VARNISH]
    settings.CACHE_PURGE_TOKEN = TOKEN
    # The probe must have found the hub up (it may have missed while the database was
    # being set up for this test).
    deadline = time.monotonic() + 10
    while not _healthy(varnish) and time.monotonic() < deadline:
        time.sleep(0.2)
    return varnish


def get(path: str, *, source: str | None = None, method: str = "GET", headers=None):
    """One request to Varnish; `source` binds the client's own address (127.0.0.x)."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", PORT, timeout=5, source_address=(source, 0) if source else None
    )
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


@pytest.fixture
def article():
    return PublishedArticleFactory(
        title="Hay fever and sleep", slug="hay-fever-sleep", author=ClinicianFactory()
    )


def test_archived_article_is_gone_from_varnish_within_a_second_of_the_commit(
    hub_purges_varnish, article
):
    url = article.get_absolute_url()
    assert get(url)[0] == 200
    status, headers, text = get(url)
    assert (status, headers["X-Cache"]) == (200, "HIT")
    assert "Hay fever and sleep" in text
    assert "xkey" not in {name.lower() for name in headers}  # the keys stay in Varnish

    editor = EditorFactory()
    # From before the archive starts: an upper bound of the time from its commit.
    started = time.monotonic()
    workflow.archive(article=article, by=editor, comment="Retracted.")  # commits, purges
    status, _, _ = get(url)
    gone_after = time.monotonic() - started

    assert status == 404
    print(f"\narchived article gone from Varnish {gone_after * 1000:.1f} ms after the archive")
    assert gone_after < 1


def test_other_pages_stay_in_varnish_when_an_article_is_archived(hub_purges_varnish, article):
    other = PublishedArticleFactory(title="Elsewhere", slug="elsewhere", topics=[])
    for url in (article.get_absolute_url(), other.get_absolute_url()):
        get(url)

    workflow.archive(article=article, by=EditorFactory(), comment="Retracted.")

    assert get(other.get_absolute_url())[1]["X-Cache"] == "HIT"


def test_purge_from_an_address_outside_the_acl_is_refused(hub_purges_varnish, article):
    url = article.get_absolute_url()
    get(url)

    purge_all = {"xkey-purge": "all", **HUB}
    status, _, _ = get("/", method="PURGE", source="127.0.0.2", headers=purge_all)

    assert status == 403
    assert get(url)[1]["X-Cache"] == "HIT"  # still there
    status, _, text = get("/", method="PURGE", headers=purge_all)  # from the hub
    assert status == 200 and "Purged" in text
    assert get(url)[1]["X-Cache"] == "MISS"


def test_varnish_serves_the_last_good_page_while_the_hub_is_down(
    hub_purges_varnish, article, settings
):
    settings.PAGE_CDN_SECONDS = 1  # stale after a second: only grace can answer
    url = article.get_absolute_url()
    get("/", method="PURGE", headers={"xkey-purge": "all", **HUB})
    assert get(url)[0] == 200
    _admin(hub_purges_varnish, "backend.set_health", "boot.hub", "sick")  # the hub is down
    try:
        time.sleep(2.1)
        status, headers, text = get(url)
    finally:
        _admin(hub_purges_varnish, "backend.set_health", "boot.hub", "auto")

    assert status == 200
    assert "Hay fever and sleep" in text
    assert int(headers["Age"]) >= 2


@pytest.mark.parametrize("token", [None, "", "wrong-token-0123456789", "PURGE_SECRET"])
def test_purge_from_loopback_without_the_shared_secret_is_refused(
    hub_purges_varnish, article, token
):
    # A TLS terminator on this host makes every reader 127.0.0.1: the ACL alone is not enough.
    url = article.get_absolute_url()
    get(url)
    headers = {"xkey-purge": "all"} | ({} if token is None else {"X-Purge-Token": token})

    status, _, _ = get("/", method="PURGE", headers=headers)

    assert status == 403
    assert get(url)[1]["X-Cache"] == "HIT"  # still there


def test_one_object_per_page_whatever_the_query_string(hub_purges_varnish, article):
    url = article.get_absolute_url()
    get("/", method="PURGE", headers={"xkey-purge": "all", **HUB})
    assert get(url)[1]["X-Cache"] == "MISS"

    # Parameters no public page reads are dropped before the lookup: the same object.
    for junk in ("?zz=xxx", "?utm_source=news&zz=1", "?a=1&b=2&c=3"):
        status, headers, text = get(url + junk)
        assert (status, headers["X-Cache"]) == (200, "HIT"), junk
        assert "Hay fever and sleep" in text


def test_a_page_asked_with_an_odd_value_of_its_own_parameter_is_not_kept(hub_purges_varnish):
    topic = TopicFactory(name="Hay fever")
    PublishedArticleFactory(topics=[topic])
    url = f"{topic.get_absolute_url()}?page=01"  # not how the site links it (?page=1)

    assert get(url)[0] == 200
    status, headers, _ = get(url)

    assert (status, headers["X-Cache"]) == (200, "MISS")
    assert "private" in headers["Cache-Control"]


def test_the_hub_sees_the_reader_as_the_address_varnish_appends(hub_purges_varnish, settings):
    settings.TRUSTED_PROXY_COUNT = 1  # Varnish, as run.sh sets it
    seen = []

    def note(environ, **kwargs):
        if environ.get("PATH_INFO") == "/admin/login/":
            seen.append(client_ip(SimpleNamespace(META=environ)))

    request_started.connect(note)
    try:
        # A reader claiming another address: Varnish appends the one it saw.
        status, _, _ = get(
            "/admin/login/", source="127.0.0.2", headers={"X-Forwarded-For": "203.0.113.9"}
        )
    finally:
        request_started.disconnect(note)

    assert status == 200
    assert seen == ["127.0.0.2"]


def test_second_page_of_a_topic_is_kept_once_whatever_else_its_link_carries(
    hub_purges_varnish,
):
    topic = TopicFactory(name="Hay fever")
    PublishedArticleFactory.create_batch(21, topics=[topic])  # two pages of 20
    url = topic.get_absolute_url()

    first = get(f"{url}?utm_source=news&page=2")
    again = get(f"{url}?page=2")

    assert (first[0], first[1]["X-Cache"]) == (200, "MISS")
    assert "s-maxage" in first[1]["Cache-Control"]
    assert (again[0], again[1]["X-Cache"]) == (200, "HIT")
