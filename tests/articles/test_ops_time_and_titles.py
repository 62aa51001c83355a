"""Editors' time zone (TIME_ZONE), the author's disclosures on the review page, and plain
titles on the editors' lists (issue 21)."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.forms import PublishForm
from articles.models import Article, Status
from tests.articles.desk_helpers import change_url, press
from tests.articles.workflow_helpers import article_in_state
from tests.html import parse

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent


def _next_summer_morning() -> str:
    return f"{timezone.localdate().year + 1}-07-01T09:00"


def _next_spring_gap() -> str:
    """Half past one on the night London's clocks go forward (last Sunday of March)."""
    day = datetime.date(timezone.localdate().year + 1, 3, 31)
    day -= datetime.timedelta(days=(day.weekday() + 1) % 7)
    return f"{day.isoformat()}T01:30"


def test_the_default_zone_is_europe_london_with_times_stored_in_utc():
    assert settings.TIME_ZONE == "Europe/London" and settings.USE_TZ


def test_scheduling_at_nine_in_a_london_summer_publishes_at_eight_utc(client, clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician)
    client.force_login(editor)
    form = parse(client.get(change_url(article)).content.decode())
    field = form.one("input[name=publish-publish_at]")
    assert field.get("type") == "datetime-local"
    assert "Times are Europe/London." in form.one(".action-inputs--publish").text
    response = press(
        client,
        article,
        "publish",
        {"checklist": list(workflow.CHECKLIST), "publish_at": _next_summer_morning()},
    )
    assert response.status_code == 302
    published_at = Article.objects.get(pk=article.pk).published_at
    year = timezone.localdate().year + 1
    assert published_at == datetime.datetime(year, 7, 1, 8, 0, tzinfo=datetime.UTC)
    page = client.get(change_url(article)).content.decode()
    assert f"scheduled to go live on 1 Jul {year} 09:00 BST" in " ".join(page.split())


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("next tuesday", "Enter the publish time as a date and a time"),
        ("2020-01-01T09:00", "The publish time is in the past."),
        # The hour the clocks skip in spring does not exist in London.
        (_next_spring_gap(), "couldn’t be interpreted in time zone"),
    ],
)
def test_a_bad_publish_time_is_a_clear_message(typed, said):
    form = PublishForm({"checklist": list(workflow.CHECKLIST), "publish_at": typed})
    assert not form.is_valid()
    assert said.replace("’", "'") in " ".join(form.errors["publish_at"]).replace("’", "'")


def test_an_unknown_time_zone_stops_the_app_with_a_clear_message():
    environment = {**os.environ, "TIME_ZONE": "Mars/Olympus", "SECRET_KEY": "x"}
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "TIME_ZONE 'Mars/Olympus' is not a time zone" in result.stderr


def test_the_review_page_shows_the_authors_conflicts_of_interest(client, psychiatrist, editor):
    article = article_in_state(Status.IN_REVIEW, author=psychiatrist)
    client.force_login(editor)
    decision = parse(client.get(change_url(article)).content.decode()).one(".decision").text
    assert "conflicts of interest" in decision
    assert "Paid talks for Acme Pharma, 2024." in decision


def test_an_author_with_no_disclosures_is_flagged_on_the_review_page(client, clinician, editor):
    article = article_in_state(Status.IN_REVIEW, author=clinician)
    client.force_login(editor)
    decision = parse(client.get(change_url(article)).content.decode()).one(".decision").text
    assert "None declared on their profile" in decision


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("admin:articles_reviewqueueitem_changelist", "Review queue"),
        ("admin:articles_dueforreviewitem_changelist", "Due for review"),
        ("admin:articles_problemreport_changelist", "Problem reports"),
    ],
)
def test_editors_lists_have_plain_titles(client, editor, url, title):
    client.force_login(editor)
    page = parse(client.get(reverse(url)).content.decode())
    assert page.one("h1").text.strip() == title
    assert not page.one("title").text.startswith("Select")
