"""Every API operation, fed requests generated from its own OpenAPI document (schemathesis,
in-process over WSGI): never a 5xx, and every answer is one the document declares (status
code, content type, body schema).

The API is read-only, so the content made once per operation (function-scoped `db`
fixtures) is shared by all its examples: nothing an example does changes what the next one
sees (key usage counts only). Examples are derandomized and few, so CI runs are repeatable
and quick on SQLite and PostgreSQL alike.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from articles.api.root import api
from articles.models import TopicCode
from tests.api.helpers import issue_key
from tests.factories import PublishedArticleFactory

# The document as the site serves it at /api/v1/openapi.json (same prefix), built without a
# request so loading it needs no database at collection time.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema())

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_content(db, depression, esketamine, psychiatrist):
    """A little published content: two topics, one with an ICD-10 code (so the lookups find
    something), an article by a named author in both, and a key (no rate limit to speak of);
    returns the key's secret."""
    TopicCode.objects.create(topic=depression, system="icd10", code="F32.A")
    PublishedArticleFactory(topics=[depression, esketamine], author=psychiatrist)
    _, secret = issue_key(limit=1_000_000)
    return secret


@pytest.fixture
def app(settings):
    """The site's WSGI application, built after this test's settings (middleware reads some,
    e.g. SECURE_SSL_REDIRECT, once, when built), with anonymous rate limits out of the way."""
    # schemathesis's WSGI client sends Host: localhost.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    settings.API_ANONYMOUS_PER_MINUTE = 1_000_000
    return get_wsgi_application()


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    # The fixture's rows are read-only for the API, so sharing them across examples is safe.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_documented(case, app, api_content):
    case.call_and_validate(
        app=app, headers={"Authorization": f"Bearer {api_content}"}, checks=CHECKS
    )


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_anonymous_readers_as_documented(case, app, api_content):
    case.call_and_validate(app=app, checks=CHECKS)
