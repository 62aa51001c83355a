from django.conf import settings
from django.core.management.base import BaseCommand

from articles.reader_replies import purge_addresses


class Command(BaseCommand):
    help = (
        "Delete readers' e-mail addresses from problem reports closed "
        "PROBLEM_REPORT_EMAIL_DAYS days ago or more (the reports are kept). Idempotent: "
        "run it daily from cron."
    )

    def handle(self, *args, **options):
        count = purge_addresses()
        self.stdout.write(
            f"Deleted {count} reader e-mail address(es) from reports closed "
            f"{settings.PROBLEM_REPORT_EMAIL_DAYS}+ days ago."
        )
