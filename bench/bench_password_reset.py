"""Does a password reset answer as fast for an unknown address as for a registered one?

    SECRET_KEY=x .venv/bin/python bench/bench_password_reset.py [--tries 30]

Runs the reset view in-process against a throwaway test database (SQLite in memory unless
DATABASE_URL is set; its test_ copy is created and dropped), mail to the in-memory
backend so that no SMTP server's speed is measured, rate limits off. The hub's view and
Django's stock one, each with a known and an unknown address, are tried in turn, so drift
hits all four alike; prints each one's median and the differences.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ["CACHE_BACKEND"] = "dummy"  # no rate limit
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

import django  # noqa: E402

django.setup()

from django.contrib.auth.views import PasswordResetView  # noqa: E402
from django.core import mail  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import (  # noqa: E402
    setup_databases,
    setup_test_environment,
    teardown_databases,
)

from accounts.models import User  # noqa: E402
from hub.urls import password_reset  # noqa: E402


def timed(view, email: str) -> float:
    request = RequestFactory().post("/admin/password_reset/", {"email": email})
    request._dont_enforce_csrf_checks = True
    start = time.perf_counter()
    response = view(request)
    elapsed = time.perf_counter() - start
    assert response.status_code == 302, response.status_code
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=30)
    args = parser.parse_args()

    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False)
    views = {"the hub's form": password_reset, "Django's stock form": PasswordResetView.as_view()}
    addresses = {"known": "known@example.org", "unknown": "nobody@example.org"}
    times = {(view, who): [] for view in views for who in addresses}
    try:
        User.objects.create_user("known", addresses["known"], "correct-horse-battery-staple")
        for lap in range(3 + args.tries):  # three rounds to warm up, not counted
            for view, who in times:
                elapsed = timed(views[view], addresses[who])
                if lap >= 3:
                    times[view, who].append(elapsed)
        assert len(mail.outbox) == 2 * (3 + args.tries), "only the known address gets e-mail"
    finally:
        teardown_databases(databases, verbosity=0)

    print(f"password reset, {args.tries} tries each, median ms")
    for view in views:
        known, unknown = (statistics.median(times[view, who]) * 1000 for who in addresses)
        print(
            f"  {view:20} known {known:6.3f}  unknown {unknown:6.3f}  "
            f"difference {known - unknown:+6.3f} ({(known - unknown) / known:+.0%})"
        )


if __name__ == "__main__":
    main()
