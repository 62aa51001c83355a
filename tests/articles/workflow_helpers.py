"""Bring an article to a given state the way people would: through the workflow."""

from articles import workflow
from articles.models import Status
from tests.factories import ArticleFactory, EditorFactory

STATES = [
    Status.DRAFT,
    Status.IN_REVIEW,
    Status.CHANGES_REQUESTED,
    Status.PUBLISHED,
    Status.ARCHIVED,
]


def article_in_state(state, *, author, approver=None, **fields):
    article = ArticleFactory(author=author, **fields)
    if state == Status.DRAFT:
        return article
    approver = approver or EditorFactory(username="approving-editor")
    workflow.submit_for_review(article=article, by=author)
    if state == Status.CHANGES_REQUESTED:
        workflow.request_changes(article=article, by=approver, comment="Add a source.")
    if state in (Status.PUBLISHED, Status.ARCHIVED):
        approve(article=article, by=approver)
    if state == Status.ARCHIVED:
        workflow.archive(article=article, by=approver, comment="Superseded.")
    article.refresh_from_db()
    assert article.status == state
    return article


def approve(*, article, by, **kwargs):
    """Publish with the editorial checklist complete and a reason for any exception (a
    reading grade above target, a flag kept), as a careful editor would."""
    kwargs.setdefault("checklist", list(workflow.CHECKLIST))
    kwargs.setdefault("grade_reason", "Medical terms readers will meet in clinic.")
    kwargs.setdefault("flags_reason", "Quoted as written in the source.")
    return workflow.publish(article=article, by=by, **kwargs)


def topic_form(topic, **changes):
    """What the Topic admin's change form posts for `topic`, with `changes` (None leaves a
    field out, as an unticked box is left out)."""
    data = {
        "name": topic.name,
        "headline": topic.headline,
        "definition": topic.definition,
        "aliases": topic.aliases,
        "intro": topic.intro,
        "safety_notice": topic.safety_notice,
        # The related topics' inline, empty.
        "related_links-TOTAL_FORMS": "0",
        "related_links-INITIAL_FORMS": "0",
        # The medical codes inline (the API's lookup), empty.
        "codes-TOTAL_FORMS": "0",
        "codes-INITIAL_FORMS": "0",
    }
    if topic.mental_health:
        data["mental_health"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}
