import os
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from articles import cache as page_cache
from hub import cache_purge
from tests.factories import (
    ClinicianFactory,
    DepressionFactory,
    EditorFactory,
    EsketamineFactory,
    MedicalEditorFactory,
    PsychiatristFactory,
    TreatmentResistantDepressionFactory,
    UserFactory,
)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite, a test database in a file rather than in memory.

    An in-memory database is one connection, which Django hands to every thread of the
    live server. Two requests at once (a browser's autosave beside a page load, Varnish's
    health probe beside a test's own queries) then drive one connection's transaction
    state from two threads, and a run could leave it half in a transaction: every later
    test that commits failed at its setup. In a file, each thread has its own connection
    and SQLite's locks keep them apart, as in the demo with its worker. Kept in memory
    (tmpfs) where there is one, so it costs no disk writes.
    """
    database = settings.DATABASES["default"]
    test = database.setdefault("TEST", {})
    if database["ENGINE"] != "django.db.backends.sqlite3" or test.get("NAME"):
        yield
        return
    tmpfs = Path("/dev/shm")  # noqa: S108 - a private folder in it, made by mkdtemp
    shm = tmpfs if os.access(tmpfs, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="hub-tests-", dir=shm) as folder:
        test["NAME"] = str(Path(folder) / "test.sqlite3")
        yield


def pytest_collection_modifyitems(config, items):
    postgres_only = pytest.mark.skip(reason="needs PostgreSQL; set DATABASE_URL to run it")
    for item in items:
        if "postgres" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(postgres_only)


@pytest.fixture
def clinician(db):
    return ClinicianFactory(username="clinician")


@pytest.fixture
def other_clinician(db):
    return ClinicianFactory(username="other-clinician")


@pytest.fixture
def editor(db):
    return EditorFactory(username="editor")


@pytest.fixture
def second_editor(db):
    return EditorFactory(username="second-editor")


@pytest.fixture
def superuser(db):
    return UserFactory(username="admin", is_superuser=True)


# --- the named people and topics many tests share (tests/factories.py) ------------------------


@pytest.fixture
def psychiatrist(db):
    """Amara Okafor, MD, MRCPsych (username "aokafor")."""
    return PsychiatristFactory()


@pytest.fixture
def medical_editor(db):
    """James Whitfield, MBBS, FRCP (username "jwhitfield")."""
    return MedicalEditorFactory()


@pytest.fixture
def esketamine(db):
    """Esketamine, also called Spravato and "esketamine nasal spray"."""
    return EsketamineFactory()


@pytest.fixture
def trd(db):
    """Treatment-resistant depression, also called TRD."""
    return TreatmentResistantDepressionFactory()


@pytest.fixture
def depression(db):
    """Depression, also called "clinical depression"."""
    return DepressionFactory()


@pytest.fixture
def page_cache_on(settings):
    """The page cache on (local memory, one process), keeping pages ten minutes."""
    settings.PAGE_CACHE = True
    settings.PAGE_CACHE_SECONDS = 600
    cache.clear()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the cache invalidation) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(autouse=True)
def _fast_test_settings(settings, tmp_path_factory):
    # Password hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test client and live server speak plain HTTP; production redirects to HTTPS.
    settings.SECURE_SSL_REDIRECT = False
    # Rate-limit counters and cached pages must not leak from one test into the next.
    cache.clear()
    # Pages are rendered afresh (query budgets); tests of the page cache turn it on.
    settings.PAGE_CACHE = False
    page_cache.forget_owed_bump()  # a test whose cache refused a bump owes nothing to others
    # No HTTP cache in front unless a test starts one; purges one test owed are not retried.
    settings.CACHE_PURGE_HOSTS = []
    cache_purge.forget_owed()
    # Uploaded images go to a directory of the test's own, never the project's var/media.
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
    # The manifest storage needs `collectstatic`; tests read static files from source.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
