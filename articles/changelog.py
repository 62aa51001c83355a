"""The changes log: what readers (and so partners) can see change, one row per change.

Partners read what an editor typed only where the form says they will: the change note
of an approved new version (the approval's comment) and the reason for a withdrawal (the
archive's comment). Other comments stay inside the hub.

workflow.py calls `record()` from each action that changes what readers see, inside that
action's transaction, so a change is logged if and only if it happened:

    publish (first time, or again after a restore)   → published
    publish of a live article's new version          → revised_major / revised_minor
    approve_topic                                    → revised_major / revised_minor
    reconfirm_review, reconfirm_topic                → review_confirmed
    archive of a live, visible article               → withdrawn

A scheduled publication is not visible until its time comes, so its row is written then,
by a task on the worker (`record_when_visible`). The feed (articles/api/changes.py) and the
webhooks (articles/webhooks.py) read the rows; nothing updates or deletes them.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django_tasks import task

from . import webhooks
from .models import Article, ChangeKind, ContentChange, Topic


def revised(significant: bool) -> str:
    """The kind of an approved new version: the editor ticks whether it matters clinically."""
    return ChangeKind.REVISED_MAJOR if significant else ChangeKind.REVISED_MINOR


def record(
    kind: str,
    subject: Article | Topic,
    *,
    revision: int | None = None,
    note: str = "",
    reason: str = "",
    sent_to: str = "",
) -> ContentChange:
    """Append one change of `subject` (an article or a topic); its webhooks are queued
    when the caller's transaction commits, never inside it."""
    topic = subject if isinstance(subject, Topic) else None
    change = ContentChange.objects.create(
        kind=kind,
        article=None if topic else subject,
        topic=topic,
        title=subject.title if topic is None else subject.name,
        slug=subject.slug,
        url=settings.SITE_URL + subject.get_absolute_url(),
        revision=revision,
        note=note.strip(),
        reason=reason.strip(),
        sent_to=sent_to,
    )
    # robust: the change is committed whatever happens to the queue; a failure is logged,
    # never shown to the editor as an error after their publish succeeded.
    transaction.on_commit(lambda: webhooks.enqueue(change), robust=True)
    return change


def record_publication(article: Article, *, revision: int | None) -> None:
    """A first publication: logged now, or when its scheduled time comes."""
    if not article.is_scheduled:
        record(ChangeKind.PUBLISHED, article, revision=revision)
        return
    published_at = article.published_at
    transaction.on_commit(
        lambda: record_when_visible.using(run_after=published_at).enqueue(
            article_id=article.pk, published_at=published_at.isoformat()
        ),
        robust=True,
    )


@task()
def record_when_visible(*, article_id: int, published_at: str) -> bool:
    """Log a scheduled publication once readers can see it, unless it was cancelled or
    rescheduled meanwhile (that publication then logs itself)."""
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(pk=article_id).first()
        if (
            article is None
            or not article.live
            or article.published_at != datetime.datetime.fromisoformat(published_at)
        ):
            return False
        revision = article.revisions.filter(approved_at__isnull=False).order_by("-number").first()
        record(ChangeKind.PUBLISHED, article, revision=revision.number if revision else None)
    return True
