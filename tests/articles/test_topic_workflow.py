"""Issue 18, part 4: a live topic's reader-facing content changes only when a second
person, a medical reviewer, approves it (articles/workflow.py: edit_topic, approve_topic)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Revision, Status, Topic, WorkflowEvent
from tests.factories import (
    ClinicianFactory,
    EditorFactory,
    LayEditorFactory,
    MedicalReviewerFactory,
    TopicFactory,
    UserFactory,
)
from tests.html import parse

pytestmark = pytest.mark.django_db

ORIGINAL_INTRO = "Ketamine is a drug used in hospitals."
NOTICE = "If you are thinking about suicide, call Samaritans on 116 123."


@pytest.fixture
def ketamine(db):
    return TopicFactory(name="Ketamine", intro=ORIGINAL_INTRO, safety_notice=NOTICE)


def _form(topic, **changes):
    data = {
        "name": topic.name,
        "headline": topic.headline,
        "definition": topic.definition,
        "aliases": topic.aliases,
        "intro": topic.intro,
        "safety_notice": topic.safety_notice,
        "related_links-TOTAL_FORMS": "0",
        "related_links-INITIAL_FORMS": "0",
    }
    if topic.mental_health:
        data["mental_health"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _edit(client, user, topic, **changes):
    client.force_login(user)
    response = client.post(
        reverse("admin:articles_topic_change", args=[topic.pk]), _form(topic, **changes)
    )
    client.logout()
    return response


def _step(client, user, topic, action, **inputs):
    """Press one of the review page's steps (workflow.TOPIC_ACTIONS) as `user`."""
    client.force_login(user)
    data = {"action": action, **{f"{action}-{name}": value for name, value in inputs.items()}}
    response = client.post(reverse("admin:articles_topic_review", args=[topic.pk]), data)
    client.logout()
    return response


def _approve(client, user, topic, comment="", **inputs):
    return _step(client, user, topic, "approve_topic", comment=comment, **inputs)


def _sign_off(client, user, topic, comment=""):
    return _step(client, user, topic, "clinical_review", comment=comment)


def _public_text(client, topic) -> str:
    response = client.get(topic.get_absolute_url())
    assert response.status_code == 200
    return parse(response.content.decode()).text


def test_an_edited_intro_stays_private_until_a_second_person_approves(client, ketamine):
    writer, reviewer = EditorFactory(username="writer"), EditorFactory(username="reviewer")
    assert _public_text(client, ketamine).count(ORIGINAL_INTRO) == 1
    response = _edit(client, writer, ketamine, intro="Ketamine is also used for depression.")
    assert response.status_code == 302
    assert ORIGINAL_INTRO in _public_text(client, ketamine)
    assert "also used for depression" not in _public_text(client, ketamine)
    ketamine.refresh_from_db()
    assert ketamine.intro == ORIGINAL_INTRO
    assert ketamine.has_pending_changes
    # The editor sees and keeps working on the pending text.
    client.force_login(writer)
    change_page = client.get(reverse("admin:articles_topic_change", args=[ketamine.pk]))
    assert "Ketamine is also used for depression." in change_page.content.decode()
    client.logout()

    assert _approve(client, reviewer, ketamine).status_code == 302
    text = _public_text(client, ketamine)
    assert "Ketamine is also used for depression." in text
    assert ORIGINAL_INTRO not in text
    ketamine.refresh_from_db()
    assert not ketamine.has_pending_changes
    assert ketamine.medical_reviewer == reviewer
    assert ketamine.last_reviewed is not None and ketamine.next_review_due > ketamine.last_reviewed
    approval = ketamine.events.get(to_status=Status.PUBLISHED)
    assert approval.actor == reviewer and approval.details["changed"] == ["Intro"]


@pytest.mark.parametrize(
    "change",
    [{"safety_notice": ""}, {"safety_notice": "Talk to someone."}, {"mental_health": None}],
    ids=["removed", "weakened", "mental-health-unticked"],
)
def test_the_crisis_notice_changes_only_through_review(client, ketamine, change):
    Topic.objects.filter(pk=ketamine.pk).update(mental_health=True)
    ketamine.refresh_from_db()
    writer = EditorFactory(username="writer")
    assert _edit(client, writer, ketamine, **change).status_code == 302
    ketamine.refresh_from_db()
    assert ketamine.safety_notice == NOTICE and ketamine.mental_health
    assert NOTICE in _public_text(client, ketamine)
    assert ketamine.has_pending_changes

    _approve(client, EditorFactory(username="reviewer"), ketamine)
    ketamine.refresh_from_db()
    assert not ketamine.has_pending_changes
    if "safety_notice" in change:
        assert ketamine.safety_notice == change["safety_notice"]
    else:
        assert not ketamine.mental_health


def test_approving_your_own_topic_change_is_refused(client, ketamine):
    writer = EditorFactory(username="writer")  # also a medical reviewer
    _edit(client, writer, ketamine, intro="My own change.")
    response = _approve(client, writer, ketamine)
    assert response.status_code == 400  # the review page again, saying why not
    assert "another editor must approve" in response.content.decode()
    ketamine.refresh_from_db()
    assert ketamine.intro == ORIGINAL_INTRO and ketamine.has_pending_changes


def test_a_superuser_overrides_four_eyes_only_with_a_real_reason(client, ketamine):
    # A superuser who is also in the editor and medical reviewer roles wrote it: as for
    # articles, another medical reviewer signs it off, and the superuser's approval of
    # their own change needs a reason.
    root = UserFactory(username="root", is_superuser=True, credentials="MD")
    root.groups.set(EditorFactory(username="doctor").groups.all())
    writer = root
    _edit(client, writer, ketamine, intro="A fix to the dose.")
    with pytest.raises(workflow.TransitionNotAllowed, match="must sign this off"):
        workflow.approve_topic(topic=ketamine, by=root, comment="Dosage error, fixed at night.")
    signer = MedicalReviewerFactory(username="md", first_name="Mo", last_name="Diaz")
    assert _sign_off(client, signer, ketamine).status_code == 302
    with pytest.raises(workflow.TransitionNotAllowed, match="give a reason"):
        workflow.approve_topic(topic=ketamine, by=root, comment="   \n ")
    ketamine.refresh_from_db()
    assert ketamine.intro == ORIGINAL_INTRO
    response = _approve(client, root, ketamine, comment="   ")
    assert response.status_code == 400
    assert "give a reason" in response.content.decode()

    workflow.approve_topic(topic=ketamine, by=root, comment="Dosage error, fixed at night.")
    ketamine.refresh_from_db()
    assert ketamine.intro == "A fix to the dose."
    assert ketamine.medical_reviewer == signer
    event = ketamine.events.get(to_status=Status.PUBLISHED)
    assert event.details["override"] is True
    assert event.comment == "Dosage error, fixed at night."


def test_only_a_medical_reviewer_who_is_an_editor_approves(client, ketamine):
    _edit(client, EditorFactory(username="writer"), ketamine, intro="Changed.")
    for person in (LayEditorFactory(username="lay"), MedicalReviewerFactory(username="md")):
        with pytest.raises(workflow.TransitionNotAllowed):
            workflow.approve_topic(topic=ketamine, by=person)
    ketamine.refresh_from_db()
    assert ketamine.intro == ORIGINAL_INTRO


def test_the_review_page_shows_the_changed_word(client, ketamine):
    _edit(
        client,
        EditorFactory(username="writer"),
        ketamine,
        intro=ORIGINAL_INTRO.replace("hospitals", "clinics"),
    )
    client.force_login(EditorFactory(username="reviewer"))
    page = parse(client.get(reverse("admin:articles_topic_review", args=[ketamine.pk])).content)
    inserted = [el.text for el in page.select(".article-diff__inline ins")]
    deleted = [el.text for el in page.select(".article-diff__inline del")]
    assert any("clinics" in text for text in inserted)
    assert any("hospitals" in text for text in deleted)
    assert "Intro" in page.text


def test_someone_without_topic_rights_saves_nothing(client, ketamine):
    response = _edit(client, ClinicianFactory(username="author"), ketamine, intro="Vandalised.")
    assert response.status_code == 403
    assert not Revision.objects.filter(topic=ketamine).exists()
    ketamine.refresh_from_db()
    assert ketamine.intro == ORIGINAL_INTRO and not ketamine.has_pending_changes


def test_editing_back_to_the_approved_text_drops_the_pending_version(client, ketamine):
    writer = EditorFactory(username="writer")
    _edit(client, writer, ketamine, intro="A change.")
    ketamine.refresh_from_db()
    _edit(client, writer, ketamine, intro=ORIGINAL_INTRO)
    ketamine.refresh_from_db()
    assert not ketamine.has_pending_changes
    assert workflow.pending_revision(ketamine) is None


def test_a_new_topics_text_waits_for_approval_but_the_topic_exists(client):
    writer = EditorFactory(username="writer")
    client.force_login(writer)
    data = _form(TopicFactory.build(name="Lithium", intro="Lithium steadies mood."))
    response = client.post(reverse("admin:articles_topic_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    topic = Topic.objects.get(name="Lithium")
    assert topic.intro == "" and topic.has_pending_changes
    assert "Lithium steadies mood." not in _public_text(client, topic)


# --- the permission matrix: roles × states × the topic's transitions -----------------------

ROLES = {
    "clinician": lambda: ClinicianFactory(username="m-clinician"),
    "medical reviewer": lambda: MedicalReviewerFactory(username="m-md"),
    "lay editor": lambda: LayEditorFactory(username="m-lay"),
    "medical editor": lambda: EditorFactory(username="m-editor"),
    "medical editor who wrote it": None,
}


@pytest.mark.parametrize("state", [Status.PUBLISHED, Status.IN_REVIEW])
@pytest.mark.parametrize("role", list(ROLES))
def test_topic_permission_matrix(ketamine, role, state):
    writer = EditorFactory(username="writer")
    if state == Status.IN_REVIEW:
        workflow.edit_topic(
            topic=ketamine,
            content=workflow.TopicContent(
                **{**workflow.approved_topic_content(ketamine).__dict__, "intro": "New."}
            ),
            by=writer,
        )
        ketamine.refresh_from_db()
    assert ketamine.status == state
    person = writer if ROLES[role] is None else ROLES[role]()
    allowed = workflow.allowed_actions(ketamine, person)
    # In the published state the "writer" has written nothing waiting: just an editor.
    reviewer = role == "medical editor" or (role.endswith("wrote it") and state == Status.PUBLISHED)
    expected = state == Status.IN_REVIEW and role == "medical editor"
    assert ("approve_topic" in allowed) == expected
    # Confirming the approved version's review: any other medical editor, in any state.
    assert ("reconfirm_topic" in allowed) == reviewer
    if not expected:
        with pytest.raises(workflow.TransitionNotAllowed):
            workflow.approve_topic(topic=ketamine, by=person)
        assert not WorkflowEvent.objects.filter(topic=ketamine, to_status=Status.PUBLISHED)


# --- the trust block and "Due for review" ----------------------------------------------------


def test_the_topic_page_shows_who_reviewed_it_and_when(client, ketamine):
    assert "has not been medically reviewed yet" in _public_text(client, ketamine)
    _edit(client, EditorFactory(username="writer"), ketamine, intro="Reviewed text.")
    reviewer = EditorFactory(username="reviewer", first_name="Asha", last_name="Rao")
    _approve(client, reviewer, ketamine)
    ketamine.refresh_from_db()
    page = parse(client.get(ketamine.get_absolute_url()).content.decode())
    trust = page.one("[data-trust]").text
    assert trust.startswith("Medically reviewed by Asha Rao")
    assert ketamine.last_reviewed.isoformat() in page.one("[data-trust] time").get("datetime")
    dates = page.one(".review-dates").text
    assert "Page last reviewed" in dates and "Next review due" in dates


def test_footnotes_in_the_intro_are_shown_as_sources(client, ketamine):
    intro = "Ketamine can lift mood quickly.[^1]\n\n[^1]: NICE TA854, 2022."
    _edit(client, EditorFactory(username="writer"), ketamine, intro=intro)
    _approve(client, EditorFactory(username="reviewer"), ketamine)
    text = _public_text(client, ketamine)
    assert "Sources" in text and "NICE TA854, 2022." in text


def test_due_for_review_lists_topics_beside_articles(client, ketamine):
    grief = TopicFactory(name="Grief")
    Topic.objects.filter(pk=ketamine.pk).update(next_review_due=timezone.localdate())
    Topic.objects.filter(pk=grief.pk).update(
        next_review_due=timezone.localdate() + datetime.timedelta(days=365)
    )
    reviewer = EditorFactory(username="reviewer")
    client.force_login(reviewer)
    page = parse(client.get(reverse("admin:articles_dueforreviewitem_changelist")).content)
    rows = [row.text for row in page.select("#due-topics tbody tr")]
    assert len(rows) == 1 and rows[0].startswith("Ketamine") and "Today" in rows[0]

    # Reviewed and unchanged: it leaves the list, credited to the reviewer.
    review = reverse("admin:articles_topic_review", args=[ketamine.pk])
    assert client.post(review, {"action": "reconfirm_topic"}).status_code == 302
    page = parse(client.get(reverse("admin:articles_dueforreviewitem_changelist")).content)
    assert not page.select("#due-topics tbody tr")
    ketamine.refresh_from_db()
    assert ketamine.medical_reviewer == reviewer and ketamine.intro == ORIGINAL_INTRO


def test_the_demo_topics_come_up_live_and_reviewed_by_the_demo_editor(client):
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())  # again: nothing new to sign
    topic = Topic.objects.get(name="Ketamine for depression")
    assert topic.medical_reviewer.username == "editor" and not topic.has_pending_changes
    assert topic.events.filter(details__reconfirmed=True).count() == 1
    assert "Medically reviewed by" in _public_text(client, topic)


def test_topic_events_are_listed_with_the_articles_events(client, ketamine):
    _edit(client, EditorFactory(username="writer"), ketamine, intro="Changed.")
    client.force_login(EditorFactory(username="reviewer"))
    response = client.get(reverse("admin:articles_workflowevent_changelist"))
    assert response.status_code == 200
    rows = [row.text for row in parse(response.content).select("#result_list tbody tr")]
    assert len(rows) == 1 and "Ketamine" in rows[0]
    # Authors see only their own articles' events: not topic changes.
    client.force_login(ClinicianFactory(username="author"))
    response = client.get(reverse("admin:articles_workflowevent_changelist"))
    assert not parse(response.content).select("#result_list tbody tr")
