"""E-mails about the workflow, sent after the transaction that caused them commits.

Bodies are plain text, so nothing an author typed can become markup in a mail client.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import EDITORS, MEDICAL_REVIEWERS

from .models import Article, ProblemReport, ReportReply, ReviewReminder, Status, Topic

# The daily digest (send_review_reminders) lists reviews due within this many days.
REMINDER_DAYS = 14

log = logging.getLogger(__name__)


def _admin_url(article: Article) -> str:
    return settings.SITE_URL + reverse("admin:articles_article_change", args=[article.pk])


def _topic_url(topic: Topic) -> str:
    return settings.SITE_URL + reverse("admin:articles_topic_change", args=[topic.pk])


def _send(subject: str, body: str, recipients: list[str]) -> bool:
    """Send one e-mail to `recipients`; whether it went."""
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return False
    try:
        send_mail(subject, body, None, recipients)
    except OSError:
        # The workflow change has committed; a mail outage must not turn it into an error.
        log.exception("could not send workflow e-mail %r", subject)
        return False
    return True


def _latest_comment(article: Article) -> str:
    event = article.events.order_by("-created_at", "-pk").first()
    return event.comment if event else ""


def _editors_emails(*, exclude_pk: int | None = None) -> list[str]:
    editors = get_user_model().objects.filter(is_active=True, groups__name=EDITORS)
    if exclude_pk is not None:
        editors = editors.exclude(pk=exclude_pk)
    return list(editors.values_list("email", flat=True))


def submitted(*, article_id: int) -> None:
    article = Article.objects.select_related("author").get(pk=article_id)
    comment = _latest_comment(article)
    note = f"Their note to the reviewer:\n\n{comment}\n\n" if comment else "They left no note.\n\n"
    _send(
        f"Ready for review: {article.title}",
        f"{article.author.display_name} submitted “{article.title}” for review.\n\n"
        f"{note}"
        f"Review it here: {_admin_url(article)}\n",
        _editors_emails(exclude_pk=article.author_id),
    )


def _by_date(due) -> str:
    """ " by 4 December 2026" for an assignment's due date, or nothing without one."""
    return f" by {due:%-d %B %Y}" if due else ""


def assigned(*, article_id: int, by_id: int) -> None:
    """To the person an editor assigned the review to."""
    article = Article.objects.select_related("author", "assignee").get(pk=article_id)
    if article.assignee is None:
        return
    by = get_user_model().objects.get(pk=by_id)
    due = _by_date(article.review_due)
    _send(
        f"Review assigned to you: {article.title}",
        f"{by} asked you to review “{article.title}” by {article.author.display_name}{due}.\n\n"
        f"Review it here: {_admin_url(article)}\n",
        [article.assignee.email],
    )


def topic_assigned(*, topic_id: int, by_id: int) -> None:
    """To the person an editor asked to approve a topic's pending version."""
    topic = Topic.objects.select_related("assignee").get(pk=topic_id)
    if topic.assignee is None:
        return
    by = get_user_model().objects.get(pk=by_id)
    due = _by_date(topic.review_due)
    _send(
        f"Review assigned to you: the topic {topic.name}",
        f"{by} asked you to review the new version of the topic “{topic.name}”{due}.\n\n"
        f"Review it here: {settings.SITE_URL}"
        f"{reverse('admin:articles_topic_review', args=[topic.pk])}\n",
        [topic.assignee.email],
    )


def problem_reported(*, report_id: int) -> None:
    """To every editor: a reader reported a problem. The reader's words as plain text."""
    report = ProblemReport.objects.select_related("article", "topic").get(pk=report_id)
    subject = report.article or report.topic or report.page_address or "the site"
    _send(
        f"Problem reported: {subject}",
        f"A reader reported a problem with {subject}:\n\n{report.message}\n\n"
        f"Read it here: {settings.SITE_URL}"
        f"{reverse('admin:articles_problemreport_change', args=[report.pk])}\n",
        _editors_emails(),
    )


def review_digest(*, recipient, lines: list[str]) -> bool:
    """One person's daily digest of reviews overdue and due soon (send_review_reminders)."""
    return _send(
        "Reviews due",
        "Reviews that are overdue or due within "
        f"{REMINDER_DAYS} days:\n\n" + "\n".join(lines) + "\n\n"
        f"The full list: {settings.SITE_URL}"
        f"{reverse('admin:articles_dueforreviewitem_changelist')}\n",
        [recipient.email],
    )


def _passages(comments: list[dict]) -> str:
    """The open comments on passages that went with a request for changes, as plain text."""
    if not comments:
        return ""
    lines = [f"Comments on passages ({len(comments)}):"]
    for comment in comments:
        lines += ["", f"  “{comment['quote']}”", f"  {comment['by']}: {comment['text']}"]
    return "\n".join(lines) + "\n\n"


def changes_requested(*, article_id: int) -> None:
    article = Article.objects.select_related("author").get(pk=article_id)
    event = article.events.order_by("-created_at", "-pk").first()
    comment = event.comment if event else ""
    passages = _passages(event.details.get("comments", []) if event else [])
    _send(
        f"Changes requested: {article.title}",
        f"An editor asked for changes to “{article.title}”:\n\n{comment}\n\n{passages}"
        f"Edit it here: {_admin_url(article)}\n",
        [article.author.email],
    )


def published(*, article_id: int) -> None:
    article = Article.objects.select_related("author").get(pk=article_id)
    when = "is now live" if article.is_public else "is scheduled to go live"
    _send(
        f"Published: {article.title}",
        f"“{article.title}” {when}: {settings.SITE_URL}{article.get_absolute_url()}\n",
        [article.author.email],
    )


# How many items of each kind one digest lists; the rest are on the admin's list.
DIGEST_ITEMS = 50


def _when(due: datetime.date, today: datetime.date) -> str:
    days = (due - today).days
    if days < 0:
        return f"overdue by {-days} day{'s' if days != -1 else ''}"
    return "due today" if days == 0 else f"due in {days} day{'s' if days != 1 else ''}"


def _digest_lines(items, today: datetime.date) -> list[str]:
    lines = [f"- {label}: {_when(due, today)}\n  {url}" for due, label, url in items[:DIGEST_ITEMS]]
    if len(items) > DIGEST_ITEMS:
        lines.append(f"- and {len(items) - DIGEST_ITEMS} more")
    return lines


def send_review_reminders(*, today: datetime.date | None = None) -> int:
    """Each reviewer's digest of reviews overdue or due within REMINDER_DAYS, at most once a
    day (ReviewReminder records who was sent one): editors hear of every re-review due,
    medical reviewers of those they signed off; everyone of the submissions assigned to
    them. Returns how many e-mails went. Five queries, then one insert per e-mail."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=REMINDER_DAYS)
    articles = list(
        Article.objects.filter(live=True, next_review_due__lte=horizon)
        .only("pk", "title", "next_review_due", "medical_reviewer_id")
        .order_by("next_review_due", "pk")
    )
    topics = list(
        Topic.objects.filter(next_review_due__lte=horizon)
        .only("pk", "name", "next_review_due", "medical_reviewer_id")
        .order_by("next_review_due", "pk")
    )
    assigned = list(
        Article.objects.filter(status=Status.IN_REVIEW, review_due__lte=horizon)
        .only("pk", "title", "review_due", "assignee_id")
        .order_by("review_due", "pk")
    )
    assigned_topics = list(
        Topic.objects.filter(has_pending_changes=True, review_due__lte=horizon)
        .only("pk", "name", "review_due", "assignee_id")
        .order_by("review_due", "pk")
    )
    sent = 0
    for person in _reviewers():
        mine = [
            (a.review_due, f"Review “{a.title}” (assigned to you)", _admin_url(a))
            for a in assigned
            if a.assignee_id == person.pk
        ] + [
            (t.review_due, f"Review the topic change “{t.name}” (assigned to you)", _topic_url(t))
            for t in assigned_topics
            if t.assignee_id == person.pk
        ]
        mine.sort(key=lambda item: item[0])
        rereviews = [
            (a.next_review_due, f"Re-review “{a.title}”", _admin_url(a))
            for a in articles
            if person.is_editor or a.medical_reviewer_id == person.pk
        ] + [
            (t.next_review_due, f"Re-review the topic “{t.name}”", _topic_url(t))
            for t in topics
            if person.is_editor or t.medical_reviewer_id == person.pk
        ]
        rereviews.sort(key=lambda item: item[0])
        lines = _digest_lines(mine, today) + _digest_lines(rereviews, today)
        if not lines:
            continue
        try:
            with transaction.atomic():
                ReviewReminder.objects.create(recipient=person, day=today, items=len(lines))
        except IntegrityError:
            continue  # this person's digest for today has gone already
        if review_digest(recipient=person, lines=lines):
            sent += 1
        else:  # not sent: the next run tries again
            ReviewReminder.objects.filter(recipient=person, day=today).delete()
    return sent


def _reviewers() -> list:
    """Active editors and medical reviewers with an address, their groups read at once."""
    people = list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(groups__name__in=[EDITORS, MEDICAL_REVIEWERS])
        .exclude(email="")
        .distinct()
        .prefetch_related("groups")
    )
    for person in people:
        # What User.in_group() would read, one query per person, from the prefetched rows.
        person._group_names = {group.name for group in person.groups.all()}
    return people


def _report_page(report: ProblemReport) -> str:
    subject = report.article or report.topic
    if subject is not None:
        return f"“{subject}” ({settings.SITE_URL}{subject.get_absolute_url()})"
    return f"{settings.SITE_URL}{report.page_address}" if report.page_address else "our website"


def report_reply(*, reply_id: int) -> None:
    """A reader's problem report answered: the editor's words, or the news it is resolved."""
    reply = ReportReply.objects.select_related("report__article", "report__topic").get(pk=reply_id)
    report = reply.report
    _send(
        "About the problem you reported",
        f"You reported a problem with {_report_page(report)}:\n\n"
        f"{report.message}\n\n{reply.text}\n\n"
        f"We keep your e-mail address only to tell you what we did, and delete it "
        f"{settings.PROBLEM_REPORT_EMAIL_DAYS} days after we resolve your report.\n",
        [report.email],
    )
