"""E-mails about the workflow, sent after the transaction that caused them commits.

Bodies are plain text, so nothing an author typed can become markup in a mail client.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse

from accounts.models import EDITORS

from .models import Article, ProblemReport, ReportReply

log = logging.getLogger(__name__)


def _admin_url(article: Article) -> str:
    return settings.SITE_URL + reverse("admin:articles_article_change", args=[article.pk])


def _send(subject: str, body: str, recipients: list[str]) -> None:
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return
    try:
        send_mail(subject, body, None, recipients)
    except OSError:
        # The workflow change has committed; a mail outage must not turn it into an error.
        log.exception("could not send workflow e-mail %r", subject)


def submitted(*, article_id: int) -> None:
    article = Article.objects.select_related("author").get(pk=article_id)
    editors = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=EDITORS)
        .exclude(pk=article.author_id)
        .values_list("email", flat=True)
    )
    _send(
        f"Ready for review: {article.title}",
        f"{article.author.display_name} submitted “{article.title}” for review.\n\n"
        f"Review it here: {_admin_url(article)}\n",
        list(editors),
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
