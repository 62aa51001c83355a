"""Two editors acting at once: real transactions on PostgreSQL, one thread each."""

import pytest

from articles import workflow
from articles.models import Article, Status
from tests.articles.workflow_helpers import approve, article_in_state
from tests.factories import ClinicianFactory, EditorFactory
from tests.threads import at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_only_one_publish_succeeds_when_two_editors_approve_at_once():
    author = ClinicianFactory(username="author")
    first, second = EditorFactory(username="first"), EditorFactory(username="second")
    article = article_in_state(Status.IN_REVIEW, author=author, approver=first)

    outcomes = at_once(
        [lambda: approve(article=article, by=first), lambda: approve(article=article, by=second)],
        expected=workflow.TransitionNotAllowed,
    )

    assert sorted(isinstance(o, Article) for o in outcomes) == [False, True], outcomes
    refused = next(o for o in outcomes if not isinstance(o, Article))
    assert "published" in str(refused)
    assert Article.objects.get(pk=article.pk).events.filter(to_status=Status.PUBLISHED).count() == 1


def test_publish_and_request_changes_at_once_leave_one_consistent_outcome():
    author = ClinicianFactory(username="author")
    first, second = EditorFactory(username="first"), EditorFactory(username="second")
    article = article_in_state(Status.IN_REVIEW, author=author, approver=first)

    outcomes = at_once(
        [
            lambda: approve(article=article, by=first),
            lambda: workflow.request_changes(article=article, by=second, comment="Wait."),
        ],
        expected=workflow.TransitionNotAllowed,
    )

    assert sorted(isinstance(o, Article) for o in outcomes) == [False, True], outcomes
    article.refresh_from_db()
    events = list(article.events.filter(from_status=Status.IN_REVIEW))
    assert len(events) == 1
    assert article.status == events[0].to_status
