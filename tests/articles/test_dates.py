"""Dates on the public pages: "1 July 2025" to readers, ISO 8601 in <time datetime>, in the
site's time zone (Django's date filter: "j F Y", and "c" or "Y-m-d" for a date)."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import timezone

from articles.models import Article, Page
from tests.factories import PublishedArticleFactory

pytestmark = pytest.mark.django_db

LATE_EVENING_UTC = datetime.datetime(2025, 6, 30, 23, 30, tzinfo=datetime.UTC)

# The same moment as readers in each zone see it: the date and the machine-readable time.
IN_ZONE = {
    "UTC": ("30 June 2025", "2025-06-30T23:30:00+00:00"),
    "Europe/London": ("1 July 2025", "2025-07-01T00:30:00+01:00"),
    "Pacific/Auckland": ("1 July 2025", "2025-07-01T11:30:00+12:00"),
}


@pytest.mark.parametrize("zone", IN_ZONE)
def test_article_page_shows_publish_date_in_site_time_zone(client, settings, zone):
    settings.TIME_ZONE = zone
    article = PublishedArticleFactory(published_at=LATE_EVENING_UTC)
    shown, machine = IN_ZONE[zone]

    page = client.get(article.get_absolute_url()).content.decode()

    assert f'Published <time datetime="{machine}">{shown}</time>' in page


@pytest.mark.parametrize("zone", IN_ZONE)
def test_card_shows_publish_date_in_site_time_zone(settings, zone):
    settings.TIME_ZONE = zone
    article = PublishedArticleFactory(published_at=LATE_EVENING_UTC)
    shown, machine = IN_ZONE[zone]

    assert f'<time datetime="{machine}">{shown}</time>\n    · ' in article.card_html


def test_article_page_shows_review_dates_as_days(client):
    article = PublishedArticleFactory(
        last_reviewed=datetime.date(2026, 3, 4), next_review_due=datetime.date(2027, 12, 25)
    )

    page = client.get(article.get_absolute_url()).content.decode()

    assert ' on <time datetime="2026-03-04">4 March 2026</time>' in page
    assert '<dt>Page last reviewed</dt><dd><time datetime="2026-03-04">4 March 2026</time>' in page
    assert '<dt>Next review due</dt><dd><time datetime="2027-12-25">25 December 2027</time>' in page


def test_overdue_notice_says_when_the_article_was_last_checked(client):
    article = PublishedArticleFactory(
        last_reviewed=datetime.date(2024, 1, 9), next_review_due=datetime.date(2025, 1, 9)
    )

    page = client.get(article.get_absolute_url()).content.decode()

    assert "It was last checked on 9 January 2024 and may not reflect" in page


def test_policy_page_shows_when_it_was_updated_in_site_time_zone(client, settings):
    settings.TIME_ZONE = "Europe/London"
    Page.objects.update_or_create(slug="funding", defaults={"title": "Funding", "body": "x"})
    Page.objects.filter(slug="funding").update(updated_at=LATE_EVENING_UTC)

    page = client.get("/about/funding/").content.decode()

    assert 'Last updated <time datetime="2025-07-01T00:30:00+01:00">1 July 2025</time>' in page


def test_article_page_shows_no_empty_time_when_it_has_no_review_dates(client):
    article = PublishedArticleFactory(medical_reviewer=None)
    Article.objects.filter(pk=article.pk).update(last_reviewed=None, next_review_due=None)

    page = client.get(article.get_absolute_url()).content.decode()

    assert 'datetime=""' not in page
    assert "Page last reviewed" not in page and "Next review due" not in page


# --- the article page's own filters (articles/templatetags/dates.py) -------------------------


def render(text: str, value) -> str:
    return Template("{% load dates %}" + text).render(Context({"value": value}))


@pytest.mark.parametrize(
    "value",
    [
        datetime.date(2026, 3, 4),
        datetime.datetime(2026, 12, 25, 9, 5, 7, 123456, tzinfo=datetime.UTC),
        LATE_EVENING_UTC,
    ],
    ids=["date", "datetime", "late evening UTC"],
)
@pytest.mark.parametrize("zone", IN_ZONE)
def test_article_page_filters_say_what_djangos_date_filter_says(value, zone):
    machine = "c" if isinstance(value, datetime.datetime) else "Y-m-d"

    with timezone.override(zone):
        assert render("{{ value|long_date }}", value) == render('{{ value|date:"j F Y" }}', value)
        assert render("{{ value|iso_date }}", value) == render(
            f'{{{{ value|date:"{machine}" }}}}', value
        )


@pytest.mark.parametrize("value", [None, ""])
def test_no_date_shows_nothing(value):
    assert render("[{{ value|long_date }}][{{ value|iso_date }}]", value) == "[][]"
