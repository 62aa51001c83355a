"""Each reviewer's daily digest of reviews overdue or due within 14 days, by e-mail.

Idempotent: it sends at most one digest a day to each person, however often it runs (run it
daily from cron or a systemd timer: docs/operations.md, "Review reminders").
"""

from django.core.management.base import BaseCommand

from articles import notifications


class Command(BaseCommand):
    help = (
        "E-mail each reviewer today's digest of reviews overdue or due within 14 days (once a day)."
    )

    def handle(self, *args, **options):
        sent = notifications.send_review_reminders()
        self.stdout.write(f"Sent {sent} review reminder(s).")
