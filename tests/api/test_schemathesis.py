"""Every API operation, fed requests generated from its own OpenAPI document (schemathesis,
in-process over WSGI): never a 5xx, and every answer is one the document declares (status
code, content type, body schema).

The API is read-only, so the content made once per operation (function-scoped `db`
fixtures) is shared by all its examples: nothing an example does changes what the next one
sees (key usage counts only). Examples are derandomized and few, so CI runs are repeatable
and quick on SQLite and PostgreSQL alike.
"""

from types import SimpleNamespace

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from articles import workflow
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
def api_content(db, depression, esketamine, psychiatrist, medical_editor):
    """A little published content: two topics, one with an ICD-10 code (so the lookups find
    something), an article by a named author in both, a withdrawn article (a tombstone),
    and a key with no rate limit to speak of."""
    TopicCode.objects.create(topic=depression, system="icd10", code="F32.A")
    article = PublishedArticleFactory(
        topics=[depression, esketamine], author=psychiatrist, medical_reviewer=medical_editor
    )
    withdrawn = PublishedArticleFactory(author=psychiatrist, medical_reviewer=medical_editor)
    workflow.archive(article=withdrawn, by=medical_editor, comment="Superseded.")
    _, secret = issue_key(limit=1_000_000)
    return SimpleNamespace(
        article=article, withdrawn=withdrawn, topic=depression, author=psychiatrist, key=secret
    )


@pytest.fixture
def app(settings):
    """The site's WSGI application, built after this test's settings (middleware reads some,
    e.g. SECURE_SSL_REDIRECT, once, when built), with anonymous rate limits out of the way."""
    # schemathesis's WSGI client sends Host: localhost.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    settings.API_ANONYMOUS_PER_MINUTE = 1_000_000
    # As Django's test client does: a request must not close the connection that holds the
    # test's transaction (close_old_connections would, on PostgreSQL: it sees autocommit off).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Few examples, the same ones every run (derandomized, no example database), no deadline (a
# shared CI machine); the fixture's rows are read-only for the API, so its examples may
# share them.
EXAMPLES = hypothesis.settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        hypothesis.HealthCheck.function_scoped_fixture,
        hypothesis.HealthCheck.too_slow,
    ],
)


@schema.parametrize()
@EXAMPLES
def test_every_operation_answers_as_documented(case, app, api_content):
    case.call_and_validate(
        app=app, headers={"Authorization": f"Bearer {api_content.key}"}, checks=CHECKS
    )


@schema.parametrize()
@hypothesis.settings(EXAMPLES, max_examples=10)
def test_every_operation_answers_anonymous_readers_as_documented(case, app, api_content):
    case.call_and_validate(app=app, checks=CHECKS)


def _known(content) -> list[tuple[str, dict, dict, int]]:
    """(path, path parameters, query, status): requests naming what the content holds, which
    generated values almost never hit; every operation answers at least one of them."""
    return [
        ("/api/v1/topics", {}, {"page": 1}, 200),
        ("/api/v1/topics/{slug}", {"slug": content.topic.slug}, {}, 200),
        ("/api/v1/articles", {}, {"topic": content.topic.slug}, 200),
        ("/api/v1/articles/{slug}", {"slug": content.article.slug}, {}, 200),
        ("/api/v1/articles/{slug}", {"slug": content.withdrawn.slug}, {}, 410),
        ("/api/v1/authors/{slug}", {"slug": content.author.public_slug}, {}, 200),
        ("/api/v1/lookup", {}, {"system": "icd10", "code": "F32.A"}, 200),
        (
            "/api/v1/lookup/infobutton",
            {},
            {
                "mainSearchCriteria.v.cs": "2.16.840.1.113883.6.90",
                "mainSearchCriteria.v.c": "F32.A",
            },
            200,
        ),
        ("/api/v1/changes", {}, {}, 200),
    ]


def test_answers_about_real_content_match_the_document(app, api_content):
    known = _known(api_content)
    assert {path for path, *_ in known} == set(schema.raw_schema["paths"])
    for path, path_parameters, query, status in known:
        case = schema[path]["GET"].Case(path_parameters=path_parameters, query=query)
        response = case.call_and_validate(
            app=app, headers={"Authorization": f"Bearer {api_content.key}"}, checks=CHECKS
        )
        assert response.status_code == status, (path, response.text[:300])
        if path.startswith("/api/v1/lookup"):
            assert "Depression" in response.text
