"""Medical review: what readers see as "Medically reviewed by" is a clinically qualified
person's sign-off on exactly the text approved, never just whoever pressed Approve."""

import pytest
from django.contrib.auth.models import Group

from accounts.forms import UserChangeForm
from accounts.models import MEDICAL_REVIEWERS
from articles import workflow
from articles.models import Status
from tests.articles.desk_helpers import change_url, on_screen, page_errors, press
from tests.articles.workflow_helpers import approve, article_in_state
from tests.factories import (
    EditorFactory,
    LayEditorFactory,
    MedicalReviewerFactory,
)
from tests.html import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def lay_editor(db):
    return LayEditorFactory(username="copy-editor", first_name="Lee", last_name="Lay")


@pytest.fixture
def reviewer(db):
    return MedicalReviewerFactory(
        username="reviewer", first_name="Rosa", last_name="Patel", credentials="MD, MRCP"
    )


def test_an_editor_without_the_clinical_role_cannot_approve_alone(clinician, lay_editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=lay_editor)
    assert "publish" not in workflow.allowed_actions(article, lay_editor)
    with pytest.raises(workflow.TransitionNotAllowed, match="medical reviewer must sign"):
        approve(article=article, by=lay_editor)
    article.refresh_from_db()
    assert article.status == Status.IN_REVIEW and article.medical_reviewer is None


def test_an_editor_without_the_clinical_role_cannot_sign_off_clinically(clinician, lay_editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=lay_editor)
    with pytest.raises(workflow.TransitionNotAllowed, match="Only a medical reviewer"):
        workflow.clinical_review(article=article, by=lay_editor)
    assert not article.events.filter(details__clinical_review=True).exists()


def test_the_role_without_credentials_on_the_profile_is_not_a_medical_reviewer(clinician):
    uncredentialed = MedicalReviewerFactory(username="no-letters", credentials="  ")
    article = article_in_state(Status.IN_REVIEW, author=clinician)
    assert not uncredentialed.is_medical_reviewer
    with pytest.raises(workflow.TransitionNotAllowed, match="credentials"):
        workflow.clinical_review(article=article, by=uncredentialed)


def test_two_steps_show_the_clinical_signer_to_readers(client, clinician, lay_editor, reviewer):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=lay_editor)
    workflow.clinical_review(article=article, by=reviewer, comment="Doses match the BNF.")
    approve(article=article, by=lay_editor)
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
    assert article.medical_reviewer == reviewer
    sign_off = article.events.get(details__clinical_review=True)
    approval = article.events.get(to_status=Status.PUBLISHED)
    assert (sign_off.actor, sign_off.details["clinical_review"]) == (reviewer, True)
    assert (approval.actor, approval.details["medical_reviewer"]) == (lay_editor, reviewer.pk)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Rosa Patel" in page and "Lee Lay" not in page


def test_an_editor_who_is_a_medical_reviewer_signs_and_approves_in_one_press(clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    approve(article=article, by=editor)
    article.refresh_from_db()
    assert article.medical_reviewer == editor
    assert article.events.first().details["clinical_review"] is True


def test_an_edit_after_the_sign_off_needs_a_new_one(clinician, lay_editor, reviewer):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=lay_editor)
    workflow.clinical_review(article=article, by=reviewer)
    article.refresh_from_db()
    workflow.edit_article(
        article=article,
        by=lay_editor,
        content=workflow.Content(
            "A new title",
            article.summary,
            article.body,
            workflow.working_content(article).topic_ids,
        ),
        expected_version=article.version,
    )
    with pytest.raises(workflow.TransitionNotAllowed, match="changed after its clinical"):
        approve(article=article, by=lay_editor)
    workflow.clinical_review(article=article, by=reviewer)
    approve(article=article, by=lay_editor)
    article.refresh_from_db()
    assert article.title == "A new title" and article.medical_reviewer == reviewer


def test_a_medical_reviewer_never_signs_off_their_own_article(reviewer):
    reviewer.groups.add(Group.objects.get(name="Clinicians"))
    article = article_in_state(Status.IN_REVIEW, author=reviewer)
    with pytest.raises(workflow.TransitionNotAllowed, match="four-eyes"):
        workflow.clinical_review(article=article, by=reviewer)


def test_a_resubmission_needs_a_new_sign_off(clinician, lay_editor, reviewer):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=lay_editor)
    workflow.clinical_review(article=article, by=reviewer)
    workflow.request_changes(article=article, by=lay_editor, comment="Shorter, please.")
    workflow.submit_for_review(article=article, by=clinician)
    with pytest.raises(workflow.TransitionNotAllowed, match="^A medical reviewer must sign"):
        approve(article=article, by=lay_editor)


def test_a_medical_reviewer_signs_off_from_the_change_page(client, clinician, reviewer):
    article = article_in_state(Status.IN_REVIEW, author=clinician)
    client.force_login(reviewer)
    page = client.get(change_url(article))
    assert page.status_code == 200
    assert 'value="clinical_review"' in page.content.decode()
    response = press(client, article, "clinical_review", {"comment": "Checked."})
    assert response.status_code == 302, page_errors(response)
    assert article.events.first().actor == reviewer
    history = parse(client.get(change_url(article)).content.decode()).one(".workflow-history")
    assert "Clinical review signed." in history.text


def test_a_sign_off_of_text_copy_edited_since_the_page_was_opened_is_refused(
    client, clinician, lay_editor, reviewer
):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=lay_editor)
    client.force_login(reviewer)
    assert not client.get(change_url(article)).context["has_change_permission"]
    read = on_screen(client, article)  # the page as the medical reviewer opened it
    assert read["clinical_review-seen"]
    # An editor copy-edits the text in review while the medical reviewer reads it.
    article.refresh_from_db()
    working = workflow.working_content(article)
    workflow.edit_article(
        article=article,
        by=lay_editor,
        content=workflow.Content(
            "Take ten tablets at once", working.summary, working.body, working.topic_ids
        ),
        expected_version=article.version,
    )
    response = client.post(
        change_url(article), {**read, "_workflow": "clinical_review", "clinical_review-comment": ""}
    )
    assert response.status_code == 200
    assert any(
        "The text changed since you opened this page: read the new version below, then "
        "sign off again." in said
        for said in page_errors(response)
    )
    assert "Take ten tablets at once" in response.content.decode()  # the new text, to read
    article.refresh_from_db()
    assert workflow.clinical_sign_off(article) is None
    assert not article.events.filter(details__clinical_review=True).exists()
    with pytest.raises(workflow.TransitionNotAllowed, match="^A medical reviewer must sign"):
        approve(article=article, by=lay_editor)

    # Signed off again from the page as it is now: the sign-off is of the copy-edited text.
    response = press(client, article, "clinical_review", {"comment": "Read the new title."})
    assert response.status_code == 302, page_errors(response)
    article.refresh_from_db()
    assert workflow.clinical_sign_off(article).actor == reviewer
    approve(article=article, by=lay_editor)
    article.refresh_from_db()
    assert article.title == "Take ten tablets at once" and article.medical_reviewer == reviewer


def test_the_workflow_refuses_a_sign_off_or_approval_of_unseen_text(clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician, approver=editor)
    seen = workflow.fingerprint(workflow.working_content(article))
    working = workflow.working_content(article)
    workflow.edit_article(
        article=article,
        by=EditorFactory(username="copy-editor"),
        content=workflow.Content("A new title", working.summary, working.body, working.topic_ids),
        expected_version=article.version,
    )
    with pytest.raises(workflow.TextChanged, match="then sign off again"):
        workflow.clinical_review(article=article, by=editor, seen=seen)
    with pytest.raises(workflow.TextChanged, match="then approve again"):
        approve(article=article, by=editor, seen=seen)
    article.refresh_from_db()
    assert article.status == Status.IN_REVIEW and workflow.clinical_sign_off(article) is None
    approve(
        article=article, by=editor, seen=workflow.fingerprint(workflow.working_content(article))
    )
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED and article.title == "A new title"


def test_a_medical_reviewer_does_not_see_drafts_of_others(client, clinician, reviewer):
    article = article_in_state(Status.DRAFT, author=clinician)
    client.force_login(reviewer)
    assert client.get(change_url(article)).status_code == 404


def test_the_user_form_requires_credentials_for_a_medical_reviewer(db):
    person = EditorFactory(username="new-doctor")
    group = Group.objects.get(name=MEDICAL_REVIEWERS)
    data = {
        "username": person.username,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "is_active": "on",
        "groups": [group.pk],
        "credentials": "   ",
        "public_slug": "",
    }
    form = UserChangeForm(data, instance=person)
    assert not form.is_valid()
    assert "credentials" in form.errors["credentials"][0]
    form = UserChangeForm({**data, "credentials": "MBBS"}, instance=person)
    assert "credentials" not in form.errors
