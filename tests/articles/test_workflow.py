import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from accounts.models import CLINICIANS, EDITORS
from articles import workflow
from articles.models import Article, Revision, Status, WorkflowEvent
from tests.articles.workflow_helpers import STATES, approve, article_in_state
from tests.factories import (
    ClinicianFactory,
    EditorFactory,
    LayEditorFactory,
    MedicalReviewerFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "clinician-author",
    "other-clinician",
    "editor",
    "editor-who-is-author",
    "superuser",
    "lay-editor",
    "medical-reviewer",
]


def _actor_and_author(role):
    """The person acting and the article's author, for one row of the matrix."""
    author = ClinicianFactory(username="author")
    if role == "clinician-author":
        return author, author
    if role == "other-clinician":
        return ClinicianFactory(username="other"), author
    if role == "editor":
        return EditorFactory(username="acting-editor"), author
    if role == "editor-who-is-author":
        both = EditorFactory(username="editor-author")
        both.groups.add(Group.objects.get(name=CLINICIANS))
        return both, both
    if role == "superuser":
        return UserFactory(username="root", is_superuser=True), author
    if role == "lay-editor":
        return LayEditorFactory(username="copy-editor"), author
    if role == "medical-reviewer":
        return MedicalReviewerFactory(username="reviewer"), author
    raise AssertionError(role)


def _expected(action, state, role):
    is_author = role in ("clinician-author", "editor-who-is-author")
    is_editor = role in ("editor", "superuser", "lay-editor")  # an editor, not the author
    # Clinically qualified and not the author: the factories' editors are doctors; a
    # superuser is not a medical reviewer by being one.
    is_clinical = role in ("editor", "medical-reviewer")
    return {
        "submit": state in (Status.DRAFT, Status.CHANGES_REQUESTED) and is_author,
        "withdraw": state == Status.IN_REVIEW and is_author,
        "request_changes": state == Status.IN_REVIEW and is_editor,
        "clinical_review": state == Status.IN_REVIEW and is_clinical,
        "assign": state == Status.IN_REVIEW and is_editor,
        # Anyone who may review it, editor or medical reviewer, takes it.
        "take_review": state == Status.IN_REVIEW and (is_editor or is_clinical),
        # With no clinical sign-off yet, only an editor who is a medical reviewer approves.
        "publish": state == Status.IN_REVIEW and is_editor and is_clinical,
        "archive": state == Status.PUBLISHED and is_editor,
        "restore": state == Status.ARCHIVED and is_editor,
        "reconfirm": state == Status.PUBLISHED and is_editor and is_clinical,
    }[action]


# What a careful person gives each action that asks for more than the article.
INPUTS = {
    "request_changes": {"comment": "Please cite a trial."},
    "publish": {"checklist": list(workflow.CHECKLIST)},
    "archive": {"comment": "Out of date."},
}


def _do(action, article, by):
    inputs = INPUTS.get(action, {})
    if action == "assign":
        inputs = {"reviewer": EditorFactory(username="assigned-reviewer")}
    return workflow.ACTIONS[action].perform(article=article, by=by, **inputs)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(workflow.ACTIONS))
def test_permission_matrix(action, state, role):
    actor, author = _actor_and_author(role)
    article = article_in_state(state, author=author)
    events_before = WorkflowEvent.objects.filter(article=article).count()

    if _expected(action, state, role):
        _do(action, article, actor)
        article.refresh_from_db()
        assert article.status != state or workflow.ACTIONS[action].to_state is None
        assert article.status == (workflow.ACTIONS[action].to_state or state)
        assert WorkflowEvent.objects.filter(article=article).count() == events_before + 1
        assert WorkflowEvent.objects.filter(article=article).first().actor == actor
    else:
        with pytest.raises(workflow.TransitionNotAllowed):
            _do(action, article, actor)
        article.refresh_from_db()
        assert article.status == state
        assert WorkflowEvent.objects.filter(article=article).count() == events_before
    # The buttons offered agree with what the server enforces.
    fresh = Article.objects.get(pk=article.pk)
    offered = action in workflow.allowed_actions(fresh, actor)
    # A review taken is then the taker's: not offered to them again.
    taken = action == "take_review" and fresh.assignee_id == actor.pk
    assert offered == (fresh.status == state and _expected(action, state, role) and not taken)


def test_every_action_moves_along_an_edge_of_the_transition_table():
    edges = {(state, to) for state, nexts in workflow.TRANSITIONS.items() for to in nexts}
    for action in workflow.ACTIONS.values():
        assert action.moves <= edges, action.name
        assert action.from_states, action.name


def test_every_edge_of_the_transition_table_has_an_action():
    edges = {(state, to) for state, nexts in workflow.TRANSITIONS.items() for to in nexts}
    taken = set().union(*(action.moves for action in workflow.ACTIONS.values()))
    assert taken == edges


def test_actions_that_move_no_state_say_so_in_the_registry():
    still = [name for name, action in workflow.ACTIONS.items() if action.to_state is None]
    assert still == ["clinical_review", "assign", "take_review", "reconfirm"]
    assert workflow.ACTIONS["reconfirm"].on_live
    assert workflow.ACTIONS["clinical_review"].from_states == {Status.IN_REVIEW}


def test_guards_start_each_action_from_the_states_the_table_allows():
    assert workflow.ACTIONS["submit"].from_states == {Status.DRAFT, Status.CHANGES_REQUESTED}
    assert workflow.ACTIONS["request_changes"].from_states == {Status.IN_REVIEW}
    assert workflow.ACTIONS["publish"].from_states == {Status.IN_REVIEW}
    assert workflow.ACTIONS["restore"].from_states == {Status.ARCHIVED}
    # Archiving and re-confirming act on the live version, whatever its next one's status.
    assert workflow.ACTIONS["archive"].on_live and workflow.ACTIONS["reconfirm"].on_live


def test_each_public_transition_is_the_function_of_one_action():
    performs = [action.perform for action in workflow.ACTIONS.values()]
    assert performs == [
        workflow.submit_for_review,
        workflow.withdraw,
        workflow.request_changes,
        workflow.clinical_review,
        workflow.assign_review,
        workflow.take_review,
        workflow.publish,
        workflow.archive,
        workflow.restore,
        workflow.reconfirm_review,
    ]


def test_an_unknown_action_name_is_refused_with_its_name(clinician):
    article = article_in_state(Status.DRAFT, author=clinician)
    with pytest.raises(workflow.TransitionNotAllowed, match="no workflow action called “delete”"):
        workflow.check_action(article, name="delete", by=clinician)


def test_superuser_publishing_own_article_is_refused_when_no_reason_given():
    root = UserFactory(username="root", is_superuser=True)
    article = article_in_state(Status.DRAFT, author=root)
    workflow.submit_for_review(article=article, by=root)
    workflow.clinical_review(article=article, by=MedicalReviewerFactory())
    with pytest.raises(workflow.TransitionNotAllowed, match="reason"):
        approve(article=article, by=root)
    assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW


def test_superuser_override_is_recorded_when_reason_given():
    root = UserFactory(username="root", is_superuser=True)
    article = article_in_state(Status.DRAFT, author=root)
    reviewer = MedicalReviewerFactory()
    workflow.submit_for_review(article=article, by=root)
    workflow.clinical_review(article=article, by=reviewer)
    approve(article=article, by=root, comment="Urgent safety update, reviewer away.")
    assert Article.objects.get(pk=article.pk).medical_reviewer == reviewer
    event = article.events.first()
    assert event.to_status == Status.PUBLISHED
    assert event.details["override"] is True
    assert event.comment == "Urgent safety update, reviewer away."


def test_request_changes_is_refused_when_comment_is_blank(clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    with pytest.raises(workflow.TransitionNotAllowed, match="comment"):
        workflow.request_changes(article=article, by=editor, comment="   ")
    assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW


def test_publish_sets_reviewer_and_review_dates(clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    approve(article=article, by=editor)
    article.refresh_from_db()
    today = timezone.localdate()
    assert article.medical_reviewer == editor
    assert article.last_reviewed == today
    assert article.next_review_due == workflow.add_months(today, 12)
    assert article.is_public


def test_publish_uses_earlier_review_date_when_editor_chooses_one(clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    in_three_months = workflow.add_months(timezone.localdate(), 3)
    approve(article=article, by=editor, next_review_due=in_three_months)
    article.refresh_from_db()
    assert article.next_review_due == in_three_months


@pytest.mark.parametrize(
    "days_from_today", [-1, 0, 800], ids=["in the past", "same day", "beyond the interval"]
)
def test_publish_is_refused_when_review_date_is_out_of_bounds(clinician, editor, days_from_today):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    chosen = timezone.localdate() + datetime.timedelta(days=days_from_today)
    with pytest.raises(workflow.TransitionNotAllowed, match="review"):
        approve(article=article, by=editor, next_review_due=chosen)
    assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW


def test_review_date_before_a_scheduled_publication_is_refused(clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    goes_live = timezone.now() + datetime.timedelta(days=10)
    with pytest.raises(workflow.TransitionNotAllowed):
        approve(
            article=article,
            by=editor,
            at=goes_live,
            next_review_due=timezone.localdate() + datetime.timedelta(days=5),
        )


def test_article_is_scheduled_when_publish_time_is_in_the_future(clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    later = timezone.now() + datetime.timedelta(days=2)
    approve(article=article, by=editor, at=later)
    article.refresh_from_db()
    assert article.is_scheduled
    assert not Article.objects.published().filter(pk=article.pk).exists()
    # Public from that moment, with no job: the query compares with the clock.
    Article.objects.filter(pk=article.pk).update(
        published_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_publish_is_refused_when_publish_time_is_in_the_past(clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    with pytest.raises(workflow.TransitionNotAllowed, match="past"):
        approve(article=article, by=editor, at=timezone.now() - datetime.timedelta(1))


def test_archived_scheduled_article_never_goes_live(clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    approve(article=article, by=editor, at=timezone.now() + datetime.timedelta(days=1))
    workflow.archive(article=article, by=editor, comment="Cancelled.")
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now())
    assert not Article.objects.published().filter(pk=article.pk).exists()


def test_second_approval_is_refused_when_another_editor_published_first(
    clinician, editor, second_editor
):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    stale_copy = Article.objects.get(pk=article.pk)
    approve(article=article, by=editor)
    with pytest.raises(workflow.TransitionNotAllowed, match="published"):
        approve(article=stale_copy, by=second_editor)
    assert article.events.filter(to_status=Status.PUBLISHED).count() == 1


def test_each_submission_stores_a_revision(clinician, editor):
    topic = TopicFactory(name="Esketamine")
    article = article_in_state(Status.DRAFT, author=clinician, topics=[topic])
    workflow.submit_for_review(article=article, by=clinician)
    workflow.request_changes(article=article, by=editor, comment="Shorter summary, please.")
    article.refresh_from_db()
    workflow.edit_article(
        article=article,
        by=clinician,
        content=workflow.Content("New title", "Short.", article.body, [topic.pk]),
        expected_version=article.version,
    )
    workflow.submit_for_review(article=article, by=clinician)
    revisions = list(Revision.objects.filter(article=article).order_by("number"))
    assert [r.title for r in revisions] == [revisions[0].title, "New title"]
    assert revisions[1].topic_names == ["Esketamine"]
    assert all(r.submitted_at for r in revisions)


def test_edit_is_refused_when_someone_saved_since_the_form_was_loaded(clinician, editor):
    article = article_in_state(Status.DRAFT, author=clinician)
    loaded_version = article.version
    workflow.edit_article(
        article=article,
        by=clinician,
        content=workflow.Content("First save", "s", "b", []),
        expected_version=loaded_version,
    )
    with pytest.raises(workflow.StaleEdit):
        workflow.edit_article(
            article=article,
            by=editor,
            content=workflow.Content("Second save", "s", "b", []),
            expected_version=loaded_version,
        )
    assert Article.objects.get(pk=article.pk).title == "First save"


def test_readers_keep_the_approved_text_while_a_new_version_is_reviewed(client, clinician, editor):
    topic = TopicFactory()
    article = article_in_state(
        Status.PUBLISHED, author=clinician, approver=editor, title="Approved title", topics=[topic]
    )
    workflow.edit_article(
        article=article,
        by=clinician,
        content=workflow.Content(
            "Unapproved title", "New summary", "New body.[^1]\n\n[^1]: A source.", [topic.pk]
        ),
        expected_version=article.version,
    )
    workflow.submit_for_review(article=article, by=clinician)

    page = client.get(topic.get_absolute_url()).content.decode()
    assert "Approved title" in page
    assert "Unapproved title" not in page
    detail = client.get(article.get_absolute_url()).content.decode()
    assert "Approved title" in detail and "New body" not in detail

    approve(article=article, by=editor)
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "Unapproved title" in page
    assert "Approved title" not in page


def test_topic_change_in_a_pending_version_waits_for_approval(client, clinician, editor):
    old, new = TopicFactory(name="Old topic"), TopicFactory(name="New topic")
    article = article_in_state(Status.PUBLISHED, author=clinician, approver=editor, topics=[old])
    workflow.edit_article(
        article=article,
        by=clinician,
        content=workflow.Content(article.title, article.summary, article.body, [new.pk]),
        expected_version=article.version,
    )
    assert article.title in client.get(old.get_absolute_url()).content.decode()
    assert article.title not in client.get(new.get_absolute_url()).content.decode()


def test_article_is_on_topic_page_only_after_publish(client, clinician, editor):
    topic = TopicFactory()
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor, topics=[topic])
    assert article.title not in client.get(topic.get_absolute_url()).content.decode()
    assert client.get(article.get_absolute_url()).status_code == 404
    approve(article=article, by=editor)
    assert article.title in client.get(topic.get_absolute_url()).content.decode()
    assert client.get(article.get_absolute_url()).status_code == 200


def test_archived_article_disappears_and_restores_as_draft(client, clinician, editor):
    article = article_in_state(Status.ARCHIVED, author=clinician, approver=editor)
    assert client.get(article.get_absolute_url()).status_code == 404
    workflow.restore(article=article, by=editor)
    article.refresh_from_db()
    assert article.status == Status.DRAFT
    assert not article.live
    assert client.get(article.get_absolute_url()).status_code == 404


class TestNotifications:
    def test_editors_but_not_the_author_are_told_when_submitted(
        self, django_capture_on_commit_callbacks
    ):
        author = EditorFactory(username="writing-editor")
        author.groups.add(Group.objects.get(name=CLINICIANS))
        reviewer = EditorFactory(username="reviewing-editor")
        ClinicianFactory(username="bystander")
        article = article_in_state(Status.DRAFT, author=author)
        with django_capture_on_commit_callbacks(execute=True):
            workflow.submit_for_review(article=article, by=author)
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == [reviewer.email]
        assert article.title in mail.outbox[0].subject

    def test_author_is_told_once_when_changes_requested(
        self, clinician, editor, django_capture_on_commit_callbacks
    ):
        article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            workflow.request_changes(article=article, by=editor, comment="Cite NICE TA854.")
        assert [m.to for m in mail.outbox] == [[clinician.email]]
        assert "Cite NICE TA854." in mail.outbox[0].body

    def test_author_is_told_once_when_published(
        self, clinician, editor, django_capture_on_commit_callbacks
    ):
        article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            approve(article=article, by=editor)
        assert [m.to for m in mail.outbox] == [[clinician.email]]

    def test_nothing_is_sent_when_the_transition_is_refused(
        self, clinician, django_capture_on_commit_callbacks
    ):
        article = article_in_state(Status.IN_REVIEW, author=clinician)
        mail.outbox.clear()
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(workflow.TransitionNotAllowed),
        ):
            approve(article=article, by=clinician)
        assert callbacks == []
        assert mail.outbox == []


def test_editors_group_holds_no_permission_over_people_or_groups():
    codenames = set(Group.objects.get(name=EDITORS).permissions.values_list("codename", flat=True))
    assert not codenames & {"add_user", "change_user", "delete_user", "add_group", "change_group"}
