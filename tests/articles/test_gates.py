"""Approval's gates that a ticked box cannot open: a hard text for patients, wording that
safe-messaging guidance flags, and a mention of suicide with nowhere to get help."""

import pytest

from articles import workflow
from articles.models import Audience, Status, WorkflowEvent
from articles.readability import TARGET_GRADE, measure
from tests.articles.desk_helpers import change_url, page_errors, press
from tests.articles.workflow_helpers import approve, article_in_state
from tests.factories import TopicFactory
from tests.html import parse

pytestmark = pytest.mark.django_db

# Grade 10.5: above the target for patients.
HARD = (
    "Depression that has not got better after two courses of medicine is called "
    "treatment-resistant depression. Your specialist may then suggest other treatments, "
    "such as esketamine.[^1]\n\n[^1]: Smith J. A trial. *BMJ*. 2020;1:1."
)
SOURCE = "[^1]\n\n[^1]: Smith J. A trial. *BMJ*. 2020;1:1."
SUICIDE = "Some people with depression think about suicide. Talking to someone helps." + SOURCE


def test_the_hard_sample_is_above_the_target_grade():
    assert measure(HARD).grade > TARGET_GRADE


def _in_review(clinician, **fields):
    return article_in_state(Status.IN_REVIEW, author=clinician, **fields)


def test_hard_text_for_patients_is_refused_without_a_reason(clinician, editor):
    article = _in_review(clinician, body=HARD)
    with pytest.raises(workflow.TransitionNotAllowed, match="grade 10.5"):
        approve(article=article, by=editor, grade_reason="")
    with pytest.raises(workflow.TransitionNotAllowed, match="grade 10.5"):
        approve(article=article, by=editor, grade_reason="   \n ")
    article.refresh_from_db()
    assert article.status == Status.IN_REVIEW and not article.live


def test_hard_text_for_patients_is_approved_with_a_reason_kept_in_history(
    client, clinician, editor
):
    article = _in_review(clinician, body=HARD)
    approve(article=article, by=editor, grade_reason="Names of treatments readers will hear.")
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
    event = WorkflowEvent.objects.filter(article=article, to_status=Status.PUBLISHED).get()
    assert event.details["grade_reason"] == "Names of treatments readers will hear."
    assert event.details["grade"] == measure(HARD).grade
    client.force_login(editor)
    history = parse(client.get(change_url(article)).content.decode()).one(".workflow-history")
    assert "Names of treatments readers will hear." in history.text
    assert "grade 10.5" in history.text


def test_hard_text_for_professionals_needs_no_reason(clinician, editor):
    article = _in_review(clinician, body=HARD, audience=Audience.CLINICIANS)
    approve(article=article, by=editor)
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED


def test_the_change_page_refuses_a_blank_grade_reason_and_keeps_what_was_typed(
    client, clinician, editor
):
    article = _in_review(clinician, body=HARD)
    client.force_login(editor)
    edited = "An editor's new sentence. " + HARD
    response = press(
        client,
        article,
        "publish",
        {"checklist": list(workflow.CHECKLIST), "grade_reason": "    "},
        body=edited,
    )
    assert response.status_code == 200
    assert any("needs more from you" in e for e in page_errors(response))
    page = parse(response.content.decode())
    assert page.one("textarea[name=body]").value.strip() == edited
    assert "Simplify the text, or say why" in page.one(".action-inputs--publish").text
    article.refresh_from_db()
    assert article.status == Status.IN_REVIEW

    response = press(
        client,
        article,
        "publish",
        {"checklist": list(workflow.CHECKLIST), "grade_reason": "Drug names."},
        body=edited,
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED and article.body.strip() == edited


def test_an_acknowledged_flag_still_needs_a_reason(clinician, editor):
    topic = TopicFactory(mental_health=True)
    article = _in_review(clinician, body="He committed suicide in 1990." + SOURCE, topics=[topic])
    with pytest.raises(workflow.TransitionNotAllowed, match="Say why the flagged wording stays"):
        approve(article=article, by=editor, acknowledged_flags=["committed"], flags_reason=" ")
    with pytest.raises(workflow.TransitionNotAllowed, match="Say why the flagged wording stays"):
        approve(article=article, by=editor, acknowledged_flags=["committed"], flags_reason="")
    approve(
        article=article,
        by=editor,
        acknowledged_flags=["committed"],
        flags_reason="A quotation from the coroner's report.",
    )
    event = WorkflowEvent.objects.filter(article=article, to_status=Status.PUBLISHED).get()
    assert event.details["flags_reason"] == "A quotation from the coroner's report."
    assert event.details["flags_acknowledged"] == [
        {"code": "committed", "found": "committed suicide"}
    ]


def test_a_mention_of_suicide_without_a_crisis_notice_is_refused(clinician, editor):
    article = _in_review(clinician, body=SUICIDE, topics=[TopicFactory(name="Sleep")])
    with pytest.raises(workflow.TransitionNotAllowed, match="where to get help"):
        approve(article=article, by=editor)
    article.refresh_from_db()
    assert not article.live


@pytest.mark.parametrize(
    "topic_fields",
    [{"safety_notice": "Samaritans: call 116 123, free, any time."}, {"mental_health": True}],
)
def test_a_mention_of_suicide_is_published_with_a_crisis_notice(clinician, editor, topic_fields):
    article = _in_review(clinician, body=SUICIDE, topics=[TopicFactory(**topic_fields)])
    approve(article=article, by=editor)
    article.refresh_from_db()
    assert article.live


@pytest.mark.parametrize("wording", ["self-harm", "Self harming", "took their own life"])
def test_the_crisis_word_list_catches_self_harm_wording(clinician, editor, wording):
    article = _in_review(
        clinician,
        body=f"We talk here about {wording}. It is a hard thing. You are not alone." + SOURCE,
    )
    with pytest.raises(workflow.TransitionNotAllowed, match="where to get help"):
        approve(article=article, by=editor)
