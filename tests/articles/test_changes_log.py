"""Issue 22: the changes log (articles/changelog.py). Each workflow action that changes what
readers see writes exactly one row, inside its own transaction; every other action, and
every refused one, writes none."""

import datetime
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker

from articles import workflow
from articles.models import ChangeKind, ContentChange, Status, Topic
from tests.articles.desk_helpers import change_url, press
from tests.articles.topic_review_helpers import press_step
from tests.articles.workflow_helpers import approve, article_in_state, topic_form
from tests.factories import EditorFactory, TopicFactory
from tests.html import parse

pytestmark = pytest.mark.django_db


def kinds():
    return list(ContentChange.objects.order_by("pk").values_list("kind", flat=True))


def run_worker():
    """What `manage.py db_worker --batch` does: run every task that is due, then stop."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def new_version(article, *, by, title="A corrected title"):
    """A live article's next version, written and submitted by its author."""
    content = workflow.working_content(article)
    article.refresh_from_db()
    workflow.edit_article(
        article=article,
        by=by,
        content=workflow.Content(title, content.summary, content.body, content.topic_ids),
        expected_version=article.version,
    )
    workflow.submit_for_review(article=article, by=by)


def test_a_first_publication_is_one_published_change(clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician)
    approve(article=article, by=editor, comment="First edition.")
    [change] = ContentChange.objects.all()
    assert change.kind == ChangeKind.PUBLISHED
    assert change.article == article
    assert change.revision == 1
    assert change.note == ""  # the approval's comment is the hub's own: not published
    assert change.url.endswith(article.get_absolute_url())


@pytest.mark.parametrize(
    ("significant", "kind"),
    [(True, ChangeKind.REVISED_MAJOR), (False, ChangeKind.REVISED_MINOR)],
)
def test_a_new_version_is_a_major_or_minor_revision_as_ticked(clinician, editor, significant, kind):
    article = article_in_state(Status.PUBLISHED, author=clinician, approver=editor)
    new_version(article, by=clinician)
    approve(article=article, by=editor, significant=significant, comment="Dose updated.")
    assert kinds() == [ChangeKind.PUBLISHED, kind]
    change = ContentChange.objects.last()
    assert (change.revision, change.note, change.title) == (2, "Dose updated.", "A corrected title")


def test_reconfirming_and_archiving_are_logged_with_their_reason(clinician, editor):
    article = article_in_state(Status.PUBLISHED, author=clinician, approver=editor)
    workflow.reconfirm_review(article=article, by=editor, comment="Checked against NICE.")
    workflow.archive(article=article, by=editor, comment="The drug was withdrawn.")
    assert kinds() == [ChangeKind.PUBLISHED, ChangeKind.REVIEW_CONFIRMED, ChangeKind.WITHDRAWN]
    confirmed, withdrawn = ContentChange.objects.order_by("pk")[1:]
    assert (confirmed.note, confirmed.revision) == ("", 1)  # comments stay inside
    assert withdrawn.reason == "The drug was withdrawn."
    assert withdrawn.sent_to == ""  # readers get "not found": the hub sends them nowhere


def test_steps_readers_do_not_see_write_nothing(clinician, editor):
    article = article_in_state(Status.DRAFT, author=clinician)
    workflow.submit_for_review(article=article, by=clinician)
    workflow.withdraw(article=article, by=clinician)
    workflow.submit_for_review(article=article, by=clinician)
    workflow.request_changes(article=article, by=editor, comment="Add a source.")
    workflow.submit_for_review(article=article, by=clinician)
    workflow.clinical_review(article=article, by=editor)
    assert kinds() == []
    approve(article=article, by=editor)
    new_version(article, by=clinician)  # a pending version of a live article
    workflow.archive(article=article, by=editor, comment="Withdrawn.")
    workflow.restore(article=article, by=editor)
    assert kinds() == [ChangeKind.PUBLISHED, ChangeKind.WITHDRAWN]


def test_a_refused_action_writes_no_change(clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician)
    with pytest.raises(workflow.TransitionNotAllowed):
        approve(article=article, by=clinician)  # the author: four-eyes
    with pytest.raises(workflow.TransitionNotAllowed):
        approve(article=article, by=editor, checklist=[])  # checklist incomplete
    with pytest.raises(workflow.TransitionNotAllowed):
        workflow.archive(article=article, by=editor)  # not published
    assert kinds() == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the worker commits
def test_a_scheduled_publication_is_logged_when_readers_can_see_it(clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician)
    approve(article=article, by=editor, at=timezone.now() + datetime.timedelta(seconds=1))
    run_worker()
    assert kinds() == []  # not visible yet: the task waits for its time
    time.sleep(1.1)
    run_worker()
    assert kinds() == [ChangeKind.PUBLISHED]


def test_steps_on_a_scheduled_article_tell_partners_nothing_before_readers_can_see_it(
    clinician, editor
):
    article = article_in_state(Status.IN_REVIEW, author=clinician)
    approve(article=article, by=editor, at=timezone.now() + datetime.timedelta(days=3))
    workflow.reconfirm_review(article=article, by=editor, comment="Checked again.")
    new_version(article, by=clinician)
    approve(article=article, by=editor, significant=True, comment="Corrected before launch.")

    assert kinds() == []
    assert not ContentChange.objects.filter(title="A corrected title").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_cancelled_scheduled_publication_is_never_logged(clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician)
    approve(article=article, by=editor, at=timezone.now() + datetime.timedelta(seconds=1))
    workflow.archive(article=article, by=editor, comment="Not yet.")
    time.sleep(1.1)
    run_worker()
    assert kinds() == []


def test_topic_approval_and_reconfirmation_are_logged(editor):
    topic = TopicFactory(name="Ketamine", intro="Old intro.")
    writer = EditorFactory(username="topic-writer")
    content = workflow.working_topic_content(topic)
    workflow.edit_topic(
        topic=topic,
        content=workflow.TopicContent(**{**content.__dict__, "intro": "New intro."}),
        by=writer,
    )
    workflow.approve_topic(topic=topic, by=editor, comment="Safety wording.", significant=True)
    workflow.reconfirm_topic(topic=topic, by=editor)
    assert kinds() == [ChangeKind.REVISED_MAJOR, ChangeKind.REVIEW_CONFIRMED]
    change = ContentChange.objects.first()
    assert (change.topic, change.title, change.note) == (topic, "Ketamine", "Safety wording.")


def test_a_topic_renamed_in_the_admin_is_a_minor_revision_naming_the_old_name(client, editor):
    topic = TopicFactory(name="Ketamine therapy", intro="What it is.")
    client.force_login(editor)

    response = client.post(
        reverse("admin:articles_topic_change", args=[topic.pk]),
        topic_form(topic, name="Ketamine for depression"),
    )

    assert response.status_code == 302
    [change] = ContentChange.objects.all()
    assert (change.kind, change.title) == (ChangeKind.REVISED_MINOR, "Ketamine for depression")
    assert change.note == "Renamed from “Ketamine therapy”."
    client.post(
        reverse("admin:articles_topic_change", args=[topic.pk]),
        topic_form(Topic.objects.get(pk=topic.pk)),
    )
    assert ContentChange.objects.count() == 1  # saved again unchanged: nothing to tell


# --- the tick on the desk and the topic review page -------------------------------------


def test_the_tick_is_offered_only_for_a_live_articles_new_version(client, clinician, editor):
    client.force_login(editor)
    first = article_in_state(Status.IN_REVIEW, author=clinician)
    page = parse(client.get(change_url(first)).content.decode())
    assert page.select("input[name=publish-significant]") == []
    live = article_in_state(Status.PUBLISHED, author=clinician, approver=editor)
    new_version(live, by=clinician)
    page = parse(client.get(change_url(live)).content.decode())
    assert len(page.select("input[name=publish-significant]")) == 1
    assert "Clinically significant change" in page.text


def test_the_desk_logs_a_ticked_approval_as_major_with_its_note(client, clinician, editor):
    live = article_in_state(Status.PUBLISHED, author=clinician, approver=editor)
    new_version(live, by=clinician)
    client.force_login(editor)
    inputs = {"checklist": list(workflow.CHECKLIST), "significant": "on", "comment": "New dose."}
    response = press(client, live, "publish", inputs)
    assert response.status_code == 302
    change = ContentChange.objects.last()
    assert (change.kind, change.note) == (ChangeKind.REVISED_MAJOR, "New dose.")


def test_a_refused_approval_keeps_the_tick_and_the_note(client, clinician, editor):
    live = article_in_state(Status.PUBLISHED, author=clinician, approver=editor)
    new_version(live, by=clinician)
    client.force_login(editor)
    response = press(client, live, "publish", {"significant": "on", "comment": "New dose."})
    assert response.status_code == 200  # the checklist is not ticked
    page = parse(response.content.decode())
    assert page.one("input[name=publish-significant]").get("checked") is not None
    assert page.one("textarea[name=publish-comment]").value.strip() == "New dose."
    assert kinds() == [ChangeKind.PUBLISHED]


def test_the_archive_button_says_its_reason_goes_to_partners(client, clinician, editor):
    live = article_in_state(Status.PUBLISHED, author=clinician, approver=editor)
    client.force_login(editor)
    page = parse(client.get(change_url(live)).content.decode())
    label = page.one("label[for=id_archive-comment]").text
    assert "partners who republish it are told" in label
    response = press(client, live, "archive", {"comment": "Licence withdrawn."})
    assert response.status_code == 302
    assert ContentChange.objects.last().reason == "Licence withdrawn."


def test_the_topic_review_page_ticks_a_major_change(client, editor):
    topic = TopicFactory(name="Ketamine", intro="Old intro.")
    content = workflow.working_topic_content(topic)
    workflow.edit_topic(
        topic=topic,
        content=workflow.TopicContent(**{**content.__dict__, "intro": "New intro."}),
        by=EditorFactory(username="topic-writer"),
    )
    client.force_login(editor)
    url = reverse("admin:articles_topic_review", args=[topic.pk])
    assert "Clinically significant change" in client.get(url).content.decode()
    response = press_step(
        client, topic, "approve_topic", significant="on", comment="Crisis line changed."
    )
    assert response.status_code == 302
    change = ContentChange.objects.get()
    assert (change.kind, change.note) == (ChangeKind.REVISED_MAJOR, "Crisis line changed.")
