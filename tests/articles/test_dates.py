"""The public pages' date filters (articles/templatetags/dates.py) say what Django's date
filter says with the formats they stand for."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import timezone

AFTER_MIDNIGHT_IN_LONDON = datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC)


def render(text: str, value) -> str:
    return Template("{% load dates %}" + text).render(Context({"value": value}))


@pytest.mark.parametrize(
    "value",
    [
        datetime.date(2026, 3, 4),
        datetime.datetime(2026, 12, 25, 9, 5, 7, 123456, tzinfo=datetime.UTC),
        AFTER_MIDNIGHT_IN_LONDON,
    ],
    ids=["date", "datetime", "late evening UTC"],
)
@pytest.mark.parametrize("zone", ["UTC", "Europe/London", "Pacific/Auckland"])
def test_dates_read_as_djangos_date_filter_says_them(value, zone):
    machine = "c" if isinstance(value, datetime.datetime) else "Y-m-d"

    with timezone.override(zone):
        assert render("{{ value|long_date }}", value) == render('{{ value|date:"j F Y" }}', value)
        assert render("{{ value|iso_date }}", value) == render(
            f'{{{{ value|date:"{machine}" }}}}', value
        )


def test_a_date_is_shown_in_the_readers_time_zone():
    with timezone.override("Europe/London"):
        assert render("{{ value|long_date }}", AFTER_MIDNIGHT_IN_LONDON) == "1 July 2026"
        assert (
            render("{{ value|iso_date }}", AFTER_MIDNIGHT_IN_LONDON) == "2026-07-01T00:30:00+01:00"
        )


@pytest.mark.parametrize("value", [None, ""])
def test_no_date_shows_nothing(value):
    assert render("[{{ value|long_date }}][{{ value|iso_date }}]", value) == "[][]"
