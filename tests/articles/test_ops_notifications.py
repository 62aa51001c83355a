"""E-mails of editorial operations (issue 21): a new problem report, the submit comment, the
daily digest of reviews due (send_review_reminders), and SITE_URL's deploy check."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.checks import site_url_https
from articles.models import ReviewReminder, Status, Topic
from tests.articles.workflow_helpers import article_in_state
from tests.factories import (
    ArticleFactory,
    EditorFactory,
    MedicalReviewerFactory,
    PublishedArticleFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def test_a_new_problem_report_sends_one_email_to_the_editors(
    client, editor, second_editor, clinician, django_capture_on_commit_callbacks
):
    article = PublishedArticleFactory(
        title="Lithium and kidneys", author=clinician, medical_reviewer=editor
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("articles:report") + f"?article={article.slug}",
            {"message": "The dose <b>table</b> is wrong.", "email": ""},
        )
    assert response.status_code == 302
    [sent] = mail.outbox
    assert sorted(sent.to) == sorted([editor.email, second_editor.email])
    assert clinician.email not in sent.to
    assert "Lithium and kidneys" in sent.subject
    assert "The dose <b>table</b> is wrong." in sent.body  # plain text, as typed
    assert sent.body.count("https://") + sent.body.count("http://") == 1
    assert "/admin/articles/problemreport/" in sent.body


def test_the_ready_for_review_email_carries_the_authors_comment(
    clinician, editor, django_capture_on_commit_callbacks
):
    article = ArticleFactory(author=clinician, title="Sleep and mood")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_for_review(
            article=article, by=clinician, comment="I rewrote the dosing section."
        )
    [sent] = mail.outbox
    assert sent.subject == "Ready for review: Sleep and mood"
    assert "I rewrote the dosing section." in sent.body


# --- the daily digest ---------------------------------------------------------------------------


@pytest.fixture
def due_work(editor):
    today = timezone.localdate()
    for title, days in (("Overdue one", -3), ("Due soon one", 10), ("Later one", 40)):
        PublishedArticleFactory(
            title=title, medical_reviewer=editor, next_review_due=today + datetime.timedelta(days)
        )
    topic = TopicFactory(name="Lithium")
    Topic.objects.filter(pk=topic.pk).update(next_review_due=today + datetime.timedelta(days=2))
    return today


def test_send_review_reminders_sends_each_reviewer_one_digest_a_day(editor, due_work, capsys):
    call_command("send_review_reminders")
    assert "Sent 1 review reminder(s)." in capsys.readouterr().out
    [digest] = mail.outbox
    assert digest.to == [editor.email]
    assert "Overdue one" in digest.body and "overdue by 3 days" in digest.body
    assert "Due soon one" in digest.body and "due in 10 days" in digest.body
    assert "Lithium" in digest.body and "Later one" not in digest.body
    # Run again the same day: nothing new is sent.
    call_command("send_review_reminders")
    assert len(mail.outbox) == 1
    assert "Sent 0 review reminder(s)." in capsys.readouterr().out
    assert ReviewReminder.objects.get().recipient == editor


def test_the_next_day_sends_again(editor, due_work):
    workflow_today = timezone.localdate()
    call_command("send_review_reminders")
    ReviewReminder.objects.update(day=workflow_today - datetime.timedelta(days=1))
    call_command("send_review_reminders")
    assert len(mail.outbox) == 2


def test_a_medical_reviewer_hears_of_their_own_reviews_and_assignments(clinician, editor):
    reviewer = MedicalReviewerFactory(username="reviewer", email="reviewer@example.org")
    today = timezone.localdate()
    PublishedArticleFactory(
        title="Signed off by them", medical_reviewer=reviewer, next_review_due=today
    )
    PublishedArticleFactory(title="Somebody else's", medical_reviewer=editor, next_review_due=today)
    submission = article_in_state(Status.IN_REVIEW, author=clinician, title="Assigned to them")
    workflow.assign_review(
        article=submission, by=editor, reviewer=reviewer, due=today + datetime.timedelta(days=1)
    )
    mail.outbox.clear()
    call_command("send_review_reminders")
    [theirs] = [m for m in mail.outbox if m.to == ["reviewer@example.org"]]
    assert "Signed off by them" in theirs.body and "due today" in theirs.body
    assert "Assigned to them" in theirs.body and "due in 1 day" in theirs.body
    assert "Somebody else's" not in theirs.body


def test_nobody_is_written_to_when_nothing_is_due(editor):
    call_command("send_review_reminders")
    assert mail.outbox == [] and not ReviewReminder.objects.exists()


def test_a_digest_that_could_not_be_sent_is_tried_again(editor, due_work, settings):
    settings.EMAIL_BACKEND = "tests.articles.test_ops_notifications.BrokenBackend"
    call_command("send_review_reminders")
    assert not ReviewReminder.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_review_reminders")
    assert len(mail.outbox) == 1


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("mail server down")


def test_digest_queries_do_not_grow_with_the_number_of_reviewers(
    due_work, django_assert_num_queries
):
    for n in range(5):
        EditorFactory(username=f"editor-{n}")
    # Articles, topics, assigned articles and topics, people (and their groups), then one
    # insert per e-mail inside its savepoint (3 statements each): due_work's editor and 5 more.
    with django_assert_num_queries(6 + 6 * 3):
        call_command("send_review_reminders")
    assert len(mail.outbox) == 6


# --- SITE_URL --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("debug", "site_url", "errors"),
    [
        (False, "https://health.example.org", []),
        (False, "http://health.example.org", ["articles.E004"]),
        (False, "http://127.0.0.1:8000", ["articles.E004"]),
        (False, "", ["articles.E004"]),
        (True, "http://127.0.0.1:8000", []),
    ],
)
def test_site_url_must_be_https_in_production(debug, site_url, errors):
    with override_settings(DEBUG=debug, SITE_URL=site_url):
        assert [e.id for e in site_url_https()] == errors
