"""Answering the readers who report problems: an editor's reply, the news that a report
is resolved, and deleting their e-mail addresses PROBLEM_REPORT_EMAIL_DAYS days after.

Each message is recorded (ReportReply: who, when, what) and e-mailed once the
transaction commits. The report itself is kept after its address is deleted.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import notifications
from .models import ProblemReport, ReportReply

RESOLVED_TEXT = "Thank you for telling us. We have looked into it and resolved your report."


class CannotReply(Exception):
    pass


def _record(report: ProblemReport, *, by, text: str, kind: str) -> ReportReply:
    reply = ReportReply.objects.create(report=report, kind=kind, text=text, sent_by=by)
    transaction.on_commit(lambda: notifications.report_reply(reply_id=reply.pk))
    return reply


@transaction.atomic
def reply(report: ProblemReport, *, by, text: str) -> ReportReply:
    """E-mail the editor's `text` to the reader who sent `report`."""
    text = text.strip()
    if not text:
        raise CannotReply("Write the reply first.")
    if len(text) > ReportReply._meta.get_field("text").max_length:
        raise CannotReply("The reply is too long: keep it under 5,000 characters.")
    report = ProblemReport.objects.select_for_update().get(pk=report.pk)
    if not report.email:
        raise CannotReply("The reader left no e-mail address (or it has been deleted).")
    return _record(report, by=by, text=text, kind=ReportReply.Kind.REPLY)


@transaction.atomic
def close(report: ProblemReport, *, by, state: str, note: str = "") -> bool:
    """Resolve or dismiss an open report; a reader who left an address is told when it is
    resolved (a dismissed report gets no e-mail: an editor who wants to say why replies).
    False if the report was no longer open."""
    closed = ProblemReport.objects.filter(pk=report.pk, state=ProblemReport.State.OPEN).update(
        state=state,
        resolved_by=by,
        resolved_at=timezone.now(),
        **({"resolution_note": note} if note else {}),
    )
    if closed and state == ProblemReport.State.RESOLVED:
        report = ProblemReport.objects.get(pk=report.pk)
        if report.email:
            _record(report, by=by, text=RESOLVED_TEXT, kind=ReportReply.Kind.RESOLVED)
    return bool(closed)


def purge_addresses(now: datetime.datetime | None = None) -> int:
    """Delete the e-mail addresses of reports closed PROBLEM_REPORT_EMAIL_DAYS days ago or
    more; how many were deleted. Running it again deletes nothing more."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.PROBLEM_REPORT_EMAIL_DAYS)
    return (
        ProblemReport.objects.exclude(state=ProblemReport.State.OPEN)
        .exclude(email="")
        .filter(resolved_at__lte=cutoff)
        .update(email="", email_deleted_at=now)
    )
