"""Issue 22: GET /api/v1/changes?cursor= — the changes log, oldest first, 100 a page, with
an opaque cursor; a cursor it did not give out is a 400 problem; nothing unpublished."""

import base64
import json

import pytest

from articles import changelog, workflow
from articles.api.changes import PAGE_SIZE, encode_cursor
from articles.models import ChangeKind, ContentChange, Status
from tests.articles.test_changes_log import new_version
from tests.articles.workflow_helpers import approve, article_in_state
from tests.factories import PublishedArticleFactory, hidden_article

pytestmark = pytest.mark.django_db

URL = "/api/v1/changes"


def feed(client, cursor=None):
    response = client.get(URL, {"cursor": cursor} if cursor is not None else {})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def test_publish_minor_major_withdraw_are_four_items_in_order(client, clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician)
    approve(article=article, by=editor, comment="First edition.")
    new_version(article, by=clinician, title="Second title")
    approve(article=article, by=editor, comment="Typo fixed.")
    new_version(article, by=clinician, title="Third title")
    approve(article=article, by=editor, significant=True, comment="Dose halved.")
    workflow.archive(article=article, by=editor, comment="Evidence retracted.")
    page = feed(client)
    assert [(i["kind"], i["revision"], i["note"] or i["reason"]) for i in page["items"]] == [
        ("published", 1, ""),
        ("revised_minor", 2, "Typo fixed."),
        ("revised_major", 3, "Dose halved."),
        ("withdrawn", None, "Evidence retracted."),
    ]
    first = page["items"][0]
    assert first["type"] == "article"
    assert first["url"].endswith(f"/articles/{article.slug}/")
    assert first["api_url"].endswith(f"/api/v1/articles/{article.slug}")
    assert page["has_more"] is False


def test_the_cursor_pages_through_everything_once(client, django_assert_num_queries):
    article = PublishedArticleFactory()
    for n in range(PAGE_SIZE + 30):
        changelog.record(ChangeKind.REVIEW_CONFIRMED, article, note=f"check {n}")
    with django_assert_num_queries(1):
        first = feed(client)
    assert len(first["items"]) == PAGE_SIZE and first["has_more"] is True
    with django_assert_num_queries(1):
        second = feed(client, first["next_cursor"])
    assert len(second["items"]) == 30 and second["has_more"] is False
    notes = [i["note"] for i in first["items"] + second["items"]]
    assert notes == [f"check {n}" for n in range(PAGE_SIZE + 30)]
    # Up to date: the last cursor brings nothing now, and what changes later.
    assert feed(client, second["next_cursor"])["items"] == []
    changelog.record(ChangeKind.WITHDRAWN, article, reason="Gone.")
    later = feed(client, second["next_cursor"])
    assert [i["reason"] for i in later["items"]] == ["Gone."]


def test_an_empty_log_answers_an_empty_page(client):
    page = feed(client)
    assert page == {"items": [], "next_cursor": encode_cursor(0), "has_more": False}


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        "!!!",
        "%00",
        base64.urlsafe_b64encode(b"c-1").decode(),
        base64.urlsafe_b64encode(b"1").decode(),
        base64.urlsafe_b64encode(b"c99999999999999999999").decode(),
        "x" * 10_000,
        "' OR 1=1 --",
        "é",
    ],
)
def test_a_cursor_it_did_not_give_out_is_a_400_problem(client, cursor):
    response = client.get(URL, {"cursor": cursor})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = json.loads(response.content)
    assert problem["status"] == 400
    assert "cursor" in problem["detail"]


def test_a_nul_byte_is_refused_before_the_feed(client):
    # hub/middleware.py answers control characters in any address with a 400.
    assert client.get(URL, {"cursor": "\x00"}).status_code == 400


@pytest.mark.parametrize("state", ["draft", "in_review", "changes_requested", "scheduled"])
def test_nothing_unpublished_appears(client, state, clinician, editor):
    hidden_article(state, title="Secret draft title")
    live = article_in_state(Status.PUBLISHED, author=clinician, approver=editor)
    new_version(live, by=clinician, title="Unapproved new title")  # pending: not public
    text = json.dumps(feed(client))
    assert "Secret draft title" not in text
    assert "Unapproved new title" not in text
    assert [i["title"] for i in feed(client)["items"]] == [live.title]


def test_the_feed_is_read_only(client):
    assert client.post(URL).status_code == 405
    assert ContentChange.objects.count() == 0
