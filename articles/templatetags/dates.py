"""Dates as the public pages show them: "4 March 2026" to readers, ISO 8601 in <time>.

The same text as Django's date filter with "j F Y" and "c" (or "Y-m-d" for a date), for
the site's one language. That filter serves any format in any language, and looks up the
active language, its formats and the time zone on every call: 35-65 µs, where an article
page shows up to eight dates.
"""

from django import template
from django.utils.dates import MONTHS

register = template.Library()


@register.filter(expects_localtime=True)
def long_date(value) -> str:
    """date:"j F Y" ("4 March 2026"), in the current time zone like every template date."""
    if not value:
        return ""
    return f"{value.day} {MONTHS[value.month]} {value.year:04d}"


@register.filter(expects_localtime=True)
def iso_date(value) -> str:
    """For <time datetime>: a date as date:"Y-m-d", a date and time as date:"c"."""
    if not value:
        return ""
    return value.isoformat()
