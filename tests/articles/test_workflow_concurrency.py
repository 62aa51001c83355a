"""Two editors acting at once: real transactions on PostgreSQL, one thread each."""

import threading

import pytest
from django.db import connection

from articles import workflow
from articles.models import Article, Status
from tests.articles.workflow_helpers import approve, article_in_state
from tests.factories import ClinicianFactory, EditorFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _race(*calls):
    """Run the calls at the same moment in separate threads; return what each raised."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            call()
            outcomes[index] = "ok"
        except workflow.TransitionNotAllowed as exc:
            outcomes[index] = exc
        except Exception as exc:  # surfaced by the assertions, with its message
            outcomes[index] = f"unexpected {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_only_one_publish_succeeds_when_two_editors_approve_at_once():
    author = ClinicianFactory(username="author")
    first, second = EditorFactory(username="first"), EditorFactory(username="second")
    article = article_in_state(Status.IN_REVIEW, author=author, approver=first)

    outcomes = _race(
        lambda: approve(article=article, by=first),
        lambda: approve(article=article, by=second),
    )

    assert sorted(o == "ok" for o in outcomes) == [False, True]
    refused = next(o for o in outcomes if o != "ok")
    assert "published" in str(refused)
    assert Article.objects.get(pk=article.pk).events.filter(to_status=Status.PUBLISHED).count() == 1


def test_publish_and_request_changes_at_once_leave_one_consistent_outcome():
    author = ClinicianFactory(username="author")
    first, second = EditorFactory(username="first"), EditorFactory(username="second")
    article = article_in_state(Status.IN_REVIEW, author=author, approver=first)

    outcomes = _race(
        lambda: approve(article=article, by=first),
        lambda: workflow.request_changes(article=article, by=second, comment="Wait."),
    )

    assert sorted(o == "ok" for o in outcomes) == [False, True], outcomes
    article.refresh_from_db()
    events = list(article.events.filter(from_status=Status.IN_REVIEW))
    assert len(events) == 1
    assert article.status == events[0].to_status
