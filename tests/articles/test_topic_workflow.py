"""Issue 18, part 4: a live topic's reader-facing content changes only when a second
person, a medical reviewer, approves it (articles/workflow.py: edit_topic, approve_topic)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import reads, workflow
from articles.models import CareCard, Revision, Status, Topic, WorkflowEvent, set_related_topics
from tests.articles.topic_review_helpers import opened, press_step, step_inputs
from tests.articles.workflow_helpers import topic_form
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


def _edit(client, user, topic, **changes):
    client.force_login(user)
    response = client.post(
        reverse("admin:articles_topic_change", args=[topic.pk]), topic_form(topic, **changes)
    )
    client.logout()
    return response


def _step(client, user, topic, action, page=None, **inputs):
    """Press one of the review page's steps (workflow.TOPIC_ACTIONS) as `user`, from the
    page as it is now or as opened earlier (`page`, topic_review_helpers.opened)."""
    client.force_login(user)
    response = press_step(client, topic, action, page, **inputs)
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
    data = topic_form(TopicFactory.build(name="Lithium", intro="Lithium steadies mood."))
    response = client.post(reverse("admin:articles_topic_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    topic = Topic.objects.get(name="Lithium")
    assert topic.intro == "" and topic.has_pending_changes
    assert "Lithium steadies mood." not in _public_text(client, topic)


# --- the permission matrix: roles × states × the topic's steps -----------------------------

ROLES = {
    "clinician": lambda: ClinicianFactory(username="m-clinician"),
    "medical reviewer": lambda: MedicalReviewerFactory(username="m-md"),
    "lay editor": lambda: LayEditorFactory(username="m-lay"),
    "medical editor": lambda: EditorFactory(username="m-editor"),
    "medical editor who wrote it": None,
}
SIGNED = "in review, signed off"
# Who may take each step in each state: the rest are refused, saying why.
MAY = {
    "clinical_review": {
        Status.IN_REVIEW: {"medical reviewer", "medical editor"},
        SIGNED: set(),  # once: then it waits for an editor
    },
    "approve_topic": {
        Status.IN_REVIEW: {"medical editor"},  # one press: an editor who is a medical reviewer
        SIGNED: {"medical editor", "lay editor"},  # two steps: any other editor approves
    },
    # Confirming the approved version's review: a medical editor, in any state (in the
    # published state the "writer" has written nothing waiting: just a medical editor).
    "reconfirm_topic": {
        Status.PUBLISHED: {"medical editor", "medical editor who wrote it"},
        Status.IN_REVIEW: {"medical editor"},
        SIGNED: {"medical editor"},
    },
    # Naming who reviews a pending version: any editor but its writer (issue 21).
    "assign_topic": {
        Status.IN_REVIEW: {"medical editor", "lay editor"},
        SIGNED: {"medical editor", "lay editor"},
    },
}


def _pending(topic, by, **changes):
    content = workflow.approved_topic_content(topic).__dict__
    workflow.edit_topic(topic=topic, content=workflow.TopicContent(**{**content, **changes}), by=by)
    topic.refresh_from_db()


@pytest.mark.parametrize("state", [Status.PUBLISHED, Status.IN_REVIEW, SIGNED])
@pytest.mark.parametrize("role", list(ROLES))
def test_topic_permission_matrix(ketamine, role, state):
    writer = EditorFactory(username="writer")
    if state != Status.PUBLISHED:
        _pending(ketamine, writer, intro="New.")
    if state == SIGNED:
        workflow.clinical_review_topic(topic=ketamine, by=MedicalReviewerFactory(username="md2"))
    assert ketamine.status == (Status.PUBLISHED if state == Status.PUBLISHED else Status.IN_REVIEW)
    person = writer if ROLES[role] is None else ROLES[role]()
    allowed = workflow.allowed_actions(ketamine, person)
    for name in workflow.TOPIC_ACTIONS:
        assert (name in allowed) == (role in MAY[name].get(state, set())), name
    if "approve_topic" not in allowed:
        with pytest.raises(workflow.TransitionNotAllowed):
            workflow.approve_topic(topic=ketamine, by=person)
        assert not WorkflowEvent.objects.filter(topic=ketamine, to_status=Status.PUBLISHED)
    if "clinical_review" not in allowed:
        with pytest.raises(workflow.TransitionNotAllowed):
            workflow.clinical_review_topic(topic=ketamine, by=person)


# --- two steps: a medical reviewer signs off, another editor approves -----------------------

NEW_INTRO = "Ketamine is a drug. A doctor can give it in a clinic to ease low mood fast."


def _history(client, user, topic) -> str:
    client.force_login(user)
    page = parse(client.get(reverse("admin:articles_topic_review", args=[topic.pk])).content)
    client.logout()
    return page.one(".workflow-history").text


def test_a_medical_reviewer_signs_off_and_an_editor_approves(client, ketamine):
    writer = LayEditorFactory(username="writer")
    signer = MedicalReviewerFactory(username="md", first_name="Ada", last_name="Okafor")
    approver = LayEditorFactory(username="approver")
    _edit(client, writer, ketamine, intro=NEW_INTRO)

    # The medical reviewer, who is not an editor, reaches the topic and its review page.
    client.force_login(signer)
    TopicFactory(name="Grief")  # nothing waiting
    waiting = client.get(
        reverse("admin:articles_topic_changelist") + "?has_pending_changes__exact=1"
    )
    assert [
        row.one("th").text for row in parse(waiting.content).select("#result_list tbody tr")
    ] == ["Ketamine"]
    change = client.get(reverse("admin:articles_topic_change", args=[ketamine.pk]))
    assert change.status_code == 200 and "Review and approve it" in change.content.decode()
    page = parse(client.get(reverse("admin:articles_topic_review", args=[ketamine.pk])).content)
    assert page.select("form.action-inputs--clinical_review")
    assert not page.select("form.action-inputs--approve_topic")  # not an editor
    client.logout()
    assert _sign_off(client, signer, ketamine, comment="Dose checked.").status_code == 302
    assert ORIGINAL_INTRO in _public_text(client, ketamine)  # signed off, not yet approved

    assert _approve(client, approver, ketamine).status_code == 302
    page = parse(client.get(ketamine.get_absolute_url()).content.decode())
    assert NEW_INTRO in page.one(".prose").text
    assert page.one("[data-trust]").text.startswith("Medically reviewed by Ada Okafor, MD, MRCP")
    ketamine.refresh_from_db()
    assert ketamine.medical_reviewer == signer
    approval = ketamine.events.get(to_status=Status.PUBLISHED)
    assert approval.actor == approver and approval.details["medical_reviewer"] == signer.pk
    assert "clinical_review" not in approval.details  # the approver signed nothing
    steps = ketamine.events.filter(details__clinical_review=True)
    assert [(e.actor, e.comment) for e in steps] == [(signer, "Dose checked.")]
    assert steps[0].revision == approval.revision  # the sign-off was of the approved version
    history = _history(client, approver, ketamine)
    assert "signed off clinically" in history and "Dose checked." in history
    assert "In review → Published" in history


def test_an_editor_who_is_not_a_medical_reviewer_needs_a_sign_off(client, ketamine):
    _edit(client, EditorFactory(username="writer"), ketamine, intro=NEW_INTRO)
    response = _approve(client, LayEditorFactory(username="lay"), ketamine)
    assert response.status_code == 400
    assert "A medical reviewer must sign this off clinically" in response.content.decode()
    ketamine.refresh_from_db()
    assert ketamine.intro == ORIGINAL_INTRO and ketamine.has_pending_changes


def test_an_edit_after_the_sign_off_voids_it(client, ketamine):
    writer = EditorFactory(username="writer")
    _edit(client, writer, ketamine, intro=NEW_INTRO)
    _sign_off(client, MedicalReviewerFactory(username="md"), ketamine)
    ketamine.refresh_from_db()
    assert workflow.clinical_sign_off(ketamine) is not None
    _edit(client, writer, ketamine, intro=NEW_INTRO + " It works within hours.")
    ketamine.refresh_from_db()
    assert workflow.clinical_sign_off(ketamine) is None
    response = _approve(client, LayEditorFactory(username="lay"), ketamine)
    assert response.status_code == 400
    assert "changed after its clinical sign-off" in response.content.decode()
    # Even back to the signed text: the sign-off was for the version before the edit.
    _edit(client, writer, ketamine, intro=NEW_INTRO)
    ketamine.refresh_from_db()
    assert workflow.clinical_sign_off(ketamine) is None
    ketamine.refresh_from_db()
    assert ketamine.intro == ORIGINAL_INTRO


def test_the_author_of_the_change_can_neither_sign_off_nor_approve(client, ketamine):
    writer = EditorFactory(username="writer")  # an editor and a medical reviewer
    _edit(client, writer, ketamine, intro=NEW_INTRO)
    response = _sign_off(client, writer, ketamine)
    assert response.status_code == 400
    assert "another medical reviewer must sign it off" in response.content.decode()
    assert not ketamine.events.filter(details__clinical_review=True).exists()
    _sign_off(client, MedicalReviewerFactory(username="md"), ketamine)
    response = _approve(client, writer, ketamine)
    assert (
        response.status_code == 400 and "another editor must approve" in response.content.decode()
    )


def test_a_non_editor_medical_reviewer_cannot_change_the_topic(client, ketamine):
    response = _edit(client, MedicalReviewerFactory(username="md"), ketamine, intro="Mine.")
    assert response.status_code == 403
    assert not ketamine.revisions.exists()


# --- the gates: reading grade, safe-messaging flags, crisis words ----------------------------

HARD = (
    "Depression that has not got better after two courses of medicine is called "
    "treatment-resistant depression. Your specialist may then suggest other treatments, "
    "such as esketamine."
)


def test_a_hard_intro_needs_a_written_reason_kept_in_history(client, ketamine):
    _edit(client, LayEditorFactory(username="writer"), ketamine, intro=HARD)
    reviewer = EditorFactory(username="reviewer")
    client.force_login(reviewer)
    page = parse(client.get(reverse("admin:articles_topic_review", args=[ketamine.pk])).content)
    assert page.one("[data-grade]").text.startswith("Reading grade of the intro: 10.5 — above")
    client.logout()
    for reason in ("", "   "):
        response = _approve(client, reviewer, ketamine, grade_reason=reason)
        assert response.status_code == 400
        form = parse(response.content).one("form.action-inputs--approve_topic")
        assert "Simplify the text, or say why" in form.text  # beside its box
        ketamine.refresh_from_db()
        assert ketamine.intro == ORIGINAL_INTRO
    with pytest.raises(workflow.TransitionNotAllowed, match="grade 10.5"):
        workflow.approve_topic(topic=ketamine, by=reviewer, grade_reason="  ")
    response = _approve(client, reviewer, ketamine, grade_reason="Treatment names readers hear.")
    assert response.status_code == 302
    ketamine.refresh_from_db()
    assert ketamine.intro == HARD
    event = ketamine.events.get(to_status=Status.PUBLISHED)
    assert event.details["grade_reason"] == "Treatment names readers hear."
    assert "Approved at reading grade 10.5, because: Treatment names readers hear." in _history(
        client, reviewer, ketamine
    )


@pytest.mark.parametrize("field", ["intro", "safety_notice"])
def test_a_safe_messaging_flag_needs_a_reason(client, ketamine, field):
    Topic.objects.filter(pk=ketamine.pk).update(mental_health=True)
    ketamine.refresh_from_db()
    flagged = "We do not say he committed suicide. We say he died by suicide."
    _edit(client, LayEditorFactory(username="writer"), ketamine, **{field: flagged})
    reviewer = EditorFactory(username="reviewer")
    client.force_login(reviewer)
    page = parse(client.get(reverse("admin:articles_topic_review", args=[ketamine.pk])).content)
    assert "committed suicide" in page.one("[data-flags]").text
    client.logout()
    response = _approve(client, reviewer, ketamine, acknowledged_flags="committed")
    assert response.status_code == 400
    assert (
        "Say why the flagged wording stays"
        in parse(response.content).one("form.action-inputs--approve_topic").text
    )
    response = _approve(
        client, reviewer, ketamine, acknowledged_flags="committed", flags_reason="A quotation."
    )
    assert response.status_code == 302
    event = ketamine.events.get(to_status=Status.PUBLISHED)
    assert event.details["flags_reason"] == "A quotation."
    assert "Safe-messaging flags kept (“committed suicide”), because: A quotation." in _history(
        client, reviewer, ketamine
    )


def test_a_mention_of_suicide_without_a_notice_is_refused(client):
    sleep = TopicFactory(name="Sleep", intro="Sleep well.")
    writer, reviewer = LayEditorFactory(username="writer"), EditorFactory(username="reviewer")
    _edit(client, writer, sleep, intro="Poor sleep can come with thoughts of suicide.")
    response = _approve(client, reviewer, sleep)
    assert response.status_code == 400
    assert "readers must be shown where to get help" in response.content.decode()
    sleep.refresh_from_db()
    assert sleep.intro == "Sleep well."
    # Classified as mental health (or given a notice) in the same version: approved.
    _edit(
        client,
        writer,
        sleep,
        intro="Poor sleep can come with thoughts of suicide.",
        mental_health="on",
    )
    assert _approve(client, reviewer, sleep).status_code == 302
    sleep.refresh_from_db()
    assert sleep.mental_health and "suicide" in sleep.intro


# --- the full-page preview of the pending version -------------------------------------------


def test_the_preview_shows_the_pending_version_to_staff_only(client, ketamine):
    card = CareCard.objects.create(name="k", level="urgent", heading="Call 999 if:", points="x")
    _edit(
        client, EditorFactory(username="writer"), ketamine, intro=NEW_INTRO, page_care_cards=card.pk
    )
    url = reverse("admin:articles_topic_preview", args=[ketamine.pk])
    assert client.get(url).status_code == 404  # a reader
    client.force_login(UserFactory(username="reader", is_staff=False))
    assert client.get(url).status_code == 404
    client.force_login(MedicalReviewerFactory(username="md"))
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Robots-Tag"].startswith("noindex")
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    page = parse(response.content.decode())
    assert page.one(".preview-banner").text.startswith("Preview — not yet published")
    assert NEW_INTRO in page.one(".prose").text
    assert page.one("[data-trust]")  # the reader's page, trust block included
    assert [h.text for h in page.select(".care-card h3")] == ["Call 999 if:"]
    review = client.get(reverse("admin:articles_topic_review", args=[ketamine.pk]))
    assert url in review.content.decode()
    client.logout()
    assert ORIGINAL_INTRO in _public_text(client, ketamine)
    assert not parse(client.get(ketamine.get_absolute_url()).content).select(".care-card")


# --- the related list's order, and care cards, are reviewed content ----------------------------


def test_a_reordered_related_list_is_a_change_shown_in_order(client, ketamine):
    a, b = TopicFactory(name="Anaesthesia"), TopicFactory(name="Bipolar disorder")
    set_related_topics(ketamine, [a, b])
    writer = EditorFactory(username="writer")
    _pending(ketamine, writer, intro=NEW_INTRO)  # the order kept: not a change of the list
    assert [d.label for d in workflow.topic_diff(ketamine)] == ["Intro"]
    _pending(ketamine, writer, intro=NEW_INTRO, related_ids=(b.pk, a.pk))
    diff = {d.label: d for d in workflow.topic_diff(ketamine)}
    assert set(diff) == {"Intro", "Related topics"}
    assert parse(str(diff["Related topics"].before)).text == "1. Anaesthesia, 2. Bipolar disorder"
    assert parse(str(diff["Related topics"].after)).text == "1. Bipolar disorder, 2. Anaesthesia"
    assert workflow.revision_topic_content(workflow.pending_revision(ketamine)).changed(
        workflow.approved_topic_content(ketamine)
    ) == ["Intro", "Related topics"]
    assert [t.name for t in reads.related_topics(ketamine.pk)] == [
        "Anaesthesia",
        "Bipolar disorder",
    ]
    workflow.approve_topic(topic=ketamine, by=EditorFactory(username="reviewer"))
    assert [t.name for t in reads.related_topics(ketamine.pk)] == [
        "Bipolar disorder",
        "Anaesthesia",
    ]


def test_saving_the_related_list_in_the_same_order_changes_nothing(client, ketamine):
    a, b = TopicFactory(name="Anaesthesia"), TopicFactory(name="Bipolar disorder")
    set_related_topics(ketamine, [a, b])
    links = list(ketamine.related_links.all())
    inline = {
        "related_links-TOTAL_FORMS": "2",
        "related_links-INITIAL_FORMS": "2",
        **{f"related_links-{n}-id": link.pk for n, link in enumerate(links)},
        **{f"related_links-{n}-from_topic": ketamine.pk for n in range(2)},
        **{f"related_links-{n}-to_topic": link.to_topic_id for n, link in enumerate(links)},
        **{f"related_links-{n}-position": link.position for n, link in enumerate(links)},
    }
    assert _edit(client, EditorFactory(username="writer"), ketamine, **inline).status_code == 302
    ketamine.refresh_from_db()
    assert not ketamine.has_pending_changes


def test_attaching_a_care_card_waits_for_approval(client, ketamine):
    card = CareCard.objects.create(
        name="Ketamine: urgent", level="urgent", heading="Call 999 if:", points="you are unsafe"
    )
    writer = LayEditorFactory(username="writer")
    assert _edit(client, writer, ketamine, page_care_cards=card.pk).status_code == 302
    ketamine.refresh_from_db()
    assert ketamine.has_pending_changes and not ketamine.care_cards.exists()
    assert not parse(client.get(ketamine.get_absolute_url()).content).select(".care-card")
    diff = {d.label: d for d in workflow.topic_diff(ketamine)}
    assert "Ketamine: urgent" in parse(str(diff["Care cards"].after)).text
    # The change page shows the pending choice to the editor working on it.
    client.force_login(writer)
    change = parse(client.get(reverse("admin:articles_topic_change", args=[ketamine.pk])).content)
    assert change.one(f"input[name=page_care_cards][value='{card.pk}']").get("checked") is not None
    client.logout()

    _approve(client, EditorFactory(username="reviewer"), ketamine)
    page = parse(client.get(ketamine.get_absolute_url()).content)
    assert [h.text for h in page.select(".care-card h3")] == ["Call 999 if:"]
    # Detaching it is reviewed the same way.
    _edit(client, writer, ketamine, page_care_cards=None)
    ketamine.refresh_from_db()
    assert list(ketamine.care_cards.all()) == [card]
    assert workflow.topic_diff(ketamine)[0].label == "Care cards"


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


def test_the_preview_costs_the_same_queries_however_long_its_lists(client, ketamine):
    reviewer = EditorFactory(username="reviewer")
    url = reverse("admin:articles_topic_preview", args=[ketamine.pk])
    counts = []
    client.force_login(reviewer)
    client.get(url)  # the helplines of the crisis card are read once, then cached
    for n in (1, 4):
        topics = [TopicFactory(name=f"Related {n}-{i}") for i in range(n)]
        cards = [
            CareCard.objects.create(name=f"c{n}-{i}", level="soon", heading="h", points="p")
            for i in range(n)
        ]
        _pending(
            ketamine,
            EditorFactory(username=f"writer{n}"),
            intro=f"Version {n}.",
            related_ids=tuple(t.pk for t in topics),
            care_card_ids=tuple(c.pk for c in cards),
        )
        client.force_login(reviewer)
        with CaptureQueriesContext(connection) as queries:
            page = parse(client.get(url).content)
        assert len(page.select(".related-topics li")) == n
        assert len(page.select(".care-card")) == n
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- a step is of the version the person read ------------------------------------------

STALE = "The text changed since you opened this page: read the new version below"
UNSEEN_INTRO = "Ketamine cures depression in one dose."


def _opened_by(client, user, topic):
    """The review page as `user` opened it (its steps' hidden inputs), before anyone else
    changes the version."""
    client.force_login(user)
    page = opened(client, topic)
    client.logout()
    return page


def test_an_approval_of_a_version_rewritten_since_the_page_was_opened_is_refused(client, ketamine):
    writer, approver = EditorFactory(username="writer"), EditorFactory(username="approver")
    _edit(client, writer, ketamine, intro=NEW_INTRO)
    page = _opened_by(client, approver, ketamine)
    assert page["approve_topic"]["approve_topic-seen"]
    # Another editor rewrites the same pending version while the approver reads it.
    _edit(client, EditorFactory(username="second-writer"), ketamine, intro=UNSEEN_INTRO)

    response = _step(client, approver, ketamine, "approve_topic", page=page)
    assert response.status_code == 400
    shown = parse(response.content.decode())
    assert STALE in shown.one(".errornote").text
    assert UNSEEN_INTRO in shown.one(".topic-preview").text  # the new version, to read now
    ketamine.refresh_from_db()
    assert ketamine.intro == ORIGINAL_INTRO and ketamine.has_pending_changes
    assert ketamine.medical_reviewer != approver
    assert UNSEEN_INTRO not in _public_text(client, ketamine)
    assert not ketamine.events.filter(to_status=Status.PUBLISHED).exists()

    # Pressed again from the refused page, which carries the version it shows: approved.
    response = _step(client, approver, ketamine, "approve_topic", page=step_inputs(response))
    assert response.status_code == 302
    assert UNSEEN_INTRO in _public_text(client, ketamine)
    ketamine.refresh_from_db()
    assert ketamine.medical_reviewer == approver


def test_a_sign_off_of_a_version_rewritten_since_the_page_was_opened_is_refused(client, ketamine):
    signer = MedicalReviewerFactory(username="md", first_name="Ada", last_name="Okafor")
    writer = EditorFactory(username="writer")
    _edit(client, writer, ketamine, intro=NEW_INTRO)
    page = _opened_by(client, signer, ketamine)
    _edit(client, writer, ketamine, intro=UNSEEN_INTRO)

    response = _step(client, signer, ketamine, "clinical_review", page=page)
    assert response.status_code == 400
    assert STALE in parse(response.content.decode()).one(".errornote").text
    ketamine.refresh_from_db()
    assert workflow.clinical_sign_off(ketamine) is None
    assert not ketamine.events.filter(details__clinical_review=True).exists()
    # A lay editor still cannot approve: nobody signed off the text they would publish.
    response = _approve(client, LayEditorFactory(username="lay"), ketamine)
    assert response.status_code == 400
    assert UNSEEN_INTRO not in _public_text(client, ketamine)

    # Read again and signed off: the sign-off is of the version now pending.
    assert _sign_off(client, signer, ketamine).status_code == 302
    ketamine.refresh_from_db()
    assert workflow.clinical_sign_off(ketamine).actor == signer


def test_the_workflow_refuses_a_step_on_text_other_than_what_was_seen(ketamine):
    writer, approver = EditorFactory(username="writer"), EditorFactory(username="approver")
    content = workflow.working_topic_content(ketamine)
    workflow.edit_topic(
        topic=ketamine,
        content=workflow.TopicContent(**{**content.__dict__, "intro": NEW_INTRO}),
        by=writer,
    )
    seen = workflow.fingerprint(workflow.working_topic_content(ketamine))
    workflow.edit_topic(
        topic=ketamine,
        content=workflow.TopicContent(**{**content.__dict__, "intro": UNSEEN_INTRO}),
        by=writer,
    )
    for step in (workflow.clinical_review_topic, workflow.approve_topic):
        with pytest.raises(workflow.TextChanged, match="The text changed since you opened"):
            step(topic=ketamine, by=approver, seen=seen)
    ketamine.refresh_from_db()
    assert ketamine.intro == ORIGINAL_INTRO and ketamine.has_pending_changes
    current = workflow.fingerprint(workflow.working_topic_content(ketamine))
    workflow.approve_topic(topic=ketamine, by=approver, seen=current)
    ketamine.refresh_from_db()
    assert ketamine.intro == UNSEEN_INTRO
