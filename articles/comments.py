"""Reviewers' comments on passages of an article's text: add, reply, resolve, and follow
the text from version to version.

Who may take part: the article's author, editors, and medical reviewers while it is in
review (the people who may edit or review it); for anyone else the article does not exist.
A comment is anchored to the words it quotes in the version it was written on
(articles/anchors.py): the quote must be in that version's text, as the preview shows it
or as written. Comments follow the text: shown on each later version, anchored where the
quoted words still are, and as "outdated", with the original quote, where they are gone.
Nothing here is public; every comment, reply and resolution is kept with who and when.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from . import workflow
from .anchors import Anchor, anchor_in, plain_text
from .cache import preview_html
from .models import Article, PassageComment, Status

MAX_QUOTE = PassageComment._meta.get_field("quote").max_length
MAX_TEXT = PassageComment._meta.get_field("text").max_length


class CommentRefused(Exception):
    pass


def may_comment(article: Article, user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_editor or workflow.is_author(article, user):
        return True
    return user.is_medical_reviewer and article.status == Status.IN_REVIEW


def working_texts(article: Article) -> list[str]:
    """The working version's text as the preview shows it, then as written (Markdown)."""
    if article.live and article.has_pending_changes:
        content = workflow.working_content(article)
        article.body = content.body  # what preview_html renders (the admin already did this)
        html = preview_html(article, f"working-{article.version}")
        return [plain_text(html), content.body]
    return [plain_text(article.body_html), article.body]


def _check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise CommentRefused("Write a comment first.")
    if len(text) > MAX_TEXT:
        raise CommentRefused(f"Keep a comment under {MAX_TEXT:,} characters.")
    return text


@transaction.atomic
def add(
    article: Article, *, by, quote: str, text: str, before: str = "", after: str = ""
) -> PassageComment:
    """A comment on the passage `quote` of the article's working version.

    `before` and `after` (what came either side of the selection, if known) pick the
    occurrence of a passage that is in the text more than once."""
    if not may_comment(article, by):
        raise CommentRefused("You cannot comment on this article.")
    text = _check_text(text)
    if not quote.strip():
        raise CommentRefused("Quote the passage you are commenting on.")
    if len(quote) > MAX_QUOTE:
        raise CommentRefused(f"Quote at most {MAX_QUOTE:,} characters of the text.")
    found = anchor_in(working_texts(article), quote, before=before[-80:], after=after[:80])
    if found is None:
        raise CommentRefused(
            "The quoted passage is not in this version of the text. Copy it from the "
            "preview or the saved text (save your changes first)."
        )
    return PassageComment.objects.create(
        article=article,
        revision=workflow.pending_revision(article),
        article_version=article.version,
        quote=found.quote,
        before=found.before,
        after=found.after,
        text=text,
        author=by,
    )


def _thread(article: Article, comment_id: int) -> PassageComment:
    thread = (
        PassageComment.objects.select_for_update()
        .filter(article=article, pk=comment_id, parent__isnull=True)
        .first()
    )
    if thread is None:
        raise CommentRefused("No such comment on this article.")
    return thread


@transaction.atomic
def reply(article: Article, comment_id: int, *, by, text: str) -> PassageComment:
    if not may_comment(article, by):
        raise CommentRefused("You cannot comment on this article.")
    thread = _thread(article, comment_id)
    return PassageComment.objects.create(
        article=article,
        revision=workflow.pending_revision(article),
        article_version=article.version,
        parent=thread,
        text=_check_text(text),
        author=by,
    )


@transaction.atomic
def resolve(article: Article, comment_id: int, *, by) -> PassageComment:
    if not may_comment(article, by):
        raise CommentRefused("You cannot comment on this article.")
    thread = _thread(article, comment_id)
    if thread.resolved_at is None:
        thread.resolved_by, thread.resolved_at = by, timezone.now()
        thread.save(update_fields=["resolved_by", "resolved_at"])
    return thread


@dataclass
class Thread:
    comment: PassageComment
    replies: list[PassageComment]
    # Where the passage is in the working version; None: it is gone (outdated).
    found: Anchor | None

    @property
    def outdated(self) -> bool:
        return self.found is None


def threads(article: Article, *, texts: list[str] | None = None) -> list[Thread]:
    """The article's comments, carried forward to its working version: open ones first,
    each anchored in the text as it is now, or outdated. One query, and the working
    text (already in hand on the change page; rendered, and cached, only for a live
    article's pending version)."""
    comments = list(
        PassageComment.objects.filter(article=article).select_related(
            "author", "resolved_by", "revision"
        )
    )
    if not comments:
        return []
    texts = working_texts(article) if texts is None else texts
    replies: dict[int, list[PassageComment]] = {}
    for comment in comments:
        if comment.parent_id is not None:
            replies.setdefault(comment.parent_id, []).append(comment)
    found = [
        Thread(
            comment=c,
            replies=replies.get(c.pk, []),
            found=anchor_in(texts, c.quote, before=c.before, after=c.after),
        )
        for c in comments
        if c.parent_id is None
    ]
    return sorted(found, key=lambda t: t.comment.resolved_at is not None)


def open_comments_for(user, *, limit: int = 20):
    """Open comments on articles `user` wrote, newest first: for the dashboard (one query)."""
    return (
        PassageComment.objects.open()
        .filter(article__author=user)
        .select_related("article", "author")
        .order_by("-created_at")[:limit]
    )
