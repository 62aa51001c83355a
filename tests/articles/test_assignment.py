"""Assigning a submission to a named reviewer, or taking it (issue 21)."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Article, Status, WorkflowEvent
from tests.articles.desk_helpers import change_url, page_errors, press
from tests.articles.workflow_helpers import article_in_state
from tests.factories import (
    ClinicianFactory,
    EditorFactory,
    LayEditorFactory,
    MedicalReviewerFactory,
    TopicFactory,
)
from tests.html import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(clinician):
    return article_in_state(Status.IN_REVIEW, author=clinician, title="Lithium levels")


def _state(article):
    row = Article.objects.get(pk=article.pk)
    return row.assignee_id, row.review_due, row.version, row.events.count()


def test_an_editor_assigns_a_review_with_a_due_date_and_it_is_recorded(
    submission, editor, django_capture_on_commit_callbacks
):
    reviewer = MedicalReviewerFactory(username="reviewer", email="reviewer@example.org")
    due = timezone.localdate() + datetime.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.assign_review(
            article=submission, by=editor, reviewer=reviewer, due=due, comment="Your field."
        )
    row = Article.objects.get(pk=submission.pk)
    assert (row.assignee, row.review_due, row.status) == (reviewer, due, Status.IN_REVIEW)
    event = WorkflowEvent.objects.filter(article=submission).first()
    assert (event.actor, event.comment, event.details["assigned_to"]) == (
        editor,
        "Your field.",
        reviewer.pk,
    )
    [sent] = mail.outbox
    assert sent.to == ["reviewer@example.org"]
    assert "Lithium levels" in sent.subject and due.strftime("%B %Y") in sent.body
    assert reverse("admin:articles_article_change", args=[submission.pk]) in sent.body


def test_a_reassignment_is_recorded_with_the_previous_assignee(submission, editor, second_editor):
    workflow.assign_review(article=submission, by=editor, reviewer=editor)
    workflow.assign_review(article=submission, by=editor, reviewer=second_editor)
    events = list(WorkflowEvent.objects.filter(article=submission, details__has_key="assigned_to"))
    assert [e.details["assigned_to"] for e in events] == [second_editor.pk, editor.pk]
    assert events[0].details["previous_assignee"] == editor.pk
    assert Article.objects.get(pk=submission.pk).assignee == second_editor


def test_taking_a_review_assigns_it_to_oneself_and_sends_no_mail(
    submission, django_capture_on_commit_callbacks
):
    reviewer = MedicalReviewerFactory(username="reviewer")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.take_review(article=submission, by=reviewer)
    assert Article.objects.get(pk=submission.pk).assignee == reviewer
    assert mail.outbox == []
    with pytest.raises(workflow.TransitionNotAllowed, match="already yours"):
        workflow.take_review(article=submission, by=reviewer)


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ("author", "wrote this article"),
        ("clinician", "may not review articles"),
        ("inactive", "may not review articles"),
        ("reviewer-without-credentials", "may not review articles"),
    ],
)
def test_assigning_to_someone_who_may_not_review_is_refused_and_nothing_changes(
    submission, clinician, editor, who, reason
):
    people = {
        "author": clinician,
        "clinician": ClinicianFactory(username="another-clinician"),
        "inactive": EditorFactory(username="gone", is_active=False),
        "reviewer-without-credentials": MedicalReviewerFactory(username="nocred", credentials=""),
    }
    before = _state(submission)
    with pytest.raises(workflow.TransitionNotAllowed, match=reason):
        workflow.assign_review(article=submission, by=editor, reviewer=people[who])
    assert _state(submission) == before


def test_only_an_editor_assigns_and_only_a_submission(clinician, editor):
    draft = article_in_state(Status.DRAFT, author=clinician)
    with pytest.raises(workflow.TransitionNotAllowed, match="Only an article in review"):
        workflow.assign_review(article=draft, by=editor, reviewer=editor)
    submission = article_in_state(Status.IN_REVIEW, author=clinician)
    reviewer = MedicalReviewerFactory(username="reviewer")
    with pytest.raises(workflow.TransitionNotAllowed, match="Only an editor"):
        workflow.assign_review(article=submission, by=reviewer, reviewer=reviewer)


def test_the_desk_assigns_from_a_list_of_people_who_may_review(client, submission, clinician):
    lay = LayEditorFactory(username="copy-editor")
    reviewer = MedicalReviewerFactory(username="reviewer")
    client.force_login(lay)
    page = parse(client.get(change_url(submission)).content.decode())
    offered = {o.get("value") for o in page.select("select[name=assign-reviewer] option")}
    assert str(reviewer.pk) in offered and str(lay.pk) in offered
    assert str(clinician.pk) not in offered  # the author
    due = timezone.localdate() + datetime.timedelta(days=3)
    response = press(
        client, submission, "assign", {"reviewer": reviewer.pk, "due": due.isoformat()}
    )
    assert response.status_code == 302
    assert _state(submission)[:2] == (reviewer.pk, due)


def test_the_desk_refuses_the_author_or_a_past_date_with_a_clear_message(
    client, submission, clinician, editor
):
    client.force_login(editor)
    before = _state(submission)
    response = press(client, submission, "assign", {"reviewer": clinician.pk})
    assert response.status_code == 200
    assert "That person may not review this article" in response.content.decode()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = press(
        client, submission, "assign", {"reviewer": editor.pk, "due": yesterday.isoformat()}
    )
    assert "The review&#x27;s due date is in the past." in response.content.decode()
    response = press(client, submission, "assign", {"reviewer": editor.pk, "due": "31/02/2026"})
    assert "Enter the due date as a date" in response.content.decode()
    assert page_errors(response)
    assert _state(submission) == before


def test_the_review_queue_shows_assignee_due_date_and_days_waiting(client, submission, editor):
    due = timezone.localdate() + datetime.timedelta(days=10)
    workflow.assign_review(article=submission, by=editor, reviewer=editor, due=due)
    Article.objects.filter(pk=submission.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=4)
    )
    client.force_login(editor)
    page = client.get(reverse("admin:articles_reviewqueueitem_changelist")).content.decode()
    row = parse(page).one("#result_list tbody tr").text
    assert str(editor) in row and "4 days" in row
    assert "<title>Review queue" in page and "Select article awaiting review" not in page


# --- a topic's pending version ------------------------------------------------------------------


@pytest.fixture
def pending_topic(db):
    topic = TopicFactory(name="Lithium", intro="Lithium steadies mood.")
    writer = EditorFactory(username="topic-writer")
    content = workflow.approved_topic_content(topic)
    workflow.edit_topic(
        topic=topic,
        content=workflow.TopicContent(
            **{**content.__dict__, "intro": "Lithium needs blood tests."}
        ),
        by=writer,
    )
    topic.refresh_from_db()
    assert topic.has_pending_changes
    return topic, writer


def test_an_editor_assigns_a_topic_change_from_its_review_page(
    client, pending_topic, editor, django_capture_on_commit_callbacks
):
    topic, writer = pending_topic
    reviewer = EditorFactory(username="topic-reviewer", email="tr@example.org")
    url = reverse("admin:articles_topic_review", args=[topic.pk])
    client.force_login(editor)
    page = parse(client.get(url).content.decode())
    offered = {o.get("value") for o in page.select("select[name=assign_topic-reviewer] option")}
    assert str(reviewer.pk) in offered and str(writer.pk) not in offered
    due = timezone.localdate() + datetime.timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "action": "assign_topic",
                "assign_topic-reviewer": reviewer.pk,
                "assign_topic-due": due,
            },
        )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert (topic.assignee, topic.review_due, topic.has_pending_changes) == (reviewer, due, True)
    assert WorkflowEvent.objects.filter(topic=topic, details__assigned_to=reviewer.pk).exists()
    [sent] = mail.outbox
    assert sent.to == ["tr@example.org"] and "Lithium" in sent.subject
    client.force_login(reviewer)
    home = parse(client.get(reverse("admin:index")).content.decode())
    assert "assigned to you" in home.one("[data-panel=awaiting]").text


def test_a_topic_change_is_not_assigned_to_its_writer_nor_a_clinician(pending_topic, editor):
    topic, writer = pending_topic
    with pytest.raises(workflow.TransitionNotAllowed, match="wrote this topic change"):
        workflow.assign_topic_review(topic=topic, by=editor, reviewer=writer)
    with pytest.raises(workflow.TransitionNotAllowed, match="may not review topic changes"):
        workflow.assign_topic_review(topic=topic, by=editor, reviewer=ClinicianFactory())
    topic.refresh_from_db()
    assert topic.assignee is None


def test_a_topic_with_nothing_pending_cannot_be_assigned(editor):
    topic = TopicFactory(name="Calm")
    with pytest.raises(workflow.TransitionNotAllowed, match="no new version"):
        workflow.assign_topic_review(topic=topic, by=editor, reviewer=editor)


def test_the_review_page_still_names_the_author_as_submitter_after_a_review_is_taken(
    client, submission, clinician, editor
):
    workflow.take_review(article=submission, by=editor)
    client.force_login(editor)

    note = parse(client.get(change_url(submission)).content.decode()).one(
        ".workflow-comment--submission"
    )

    assert f"{clinician} submitted this" in note.text
    assert f"{editor} submitted" not in note.text
