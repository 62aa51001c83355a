"""The A–Z index's entries, built with format_html_join.

Built here rather than with a {% for %} loop in the template because the template engine
spent 70–150 µs on each entry's eight lookups and filters, against about 20 µs here: the
one-page index lists up to 300 topics (views.INDEX_ONE_PAGE), where the loop made the
page four times as slow (in-process, PostgreSQL). Every value is escaped by
format_html_join.
"""

from django import template
from django.template.defaultfilters import pluralize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from hub.links import urls_with

from ..models import alias_names

register = template.Library()

ALSO_CALLED = ' <span class="muted">– also called {}</span>'
ENTRY = '<li><a href="{}">{}</a> <span class="muted">({} article{})</span>{}</li>'
SEE = '<li class="topic-list__alias">{} <span class="muted">– see</span> <a href="{}">{}</a></li>'


@register.simple_tag
def topic_entries(rows) -> SafeString:
    """`<li>` for each topic: its link, its count of articles and its other names; for an
    alias (count None, reads.topic_index()), "Spravato – see Esketamine".

    `rows` are reads.ENTRY_FIELDS: (letter, key, slug, name, count, aliases).
    """
    topic_url = urls_with("articles:topic", "slug")

    def entry(row):
        _letter, _key, slug, name, count, aliases = row
        if count is None:  # an alias: `aliases` holds the name of the topic it is for
            return format_html(SEE, name, topic_url(slug), aliases)
        names = ", ".join(alias_names(aliases)) if aliases else ""
        also = format_html(ALSO_CALLED, names) if names else ""
        return format_html(ENTRY, topic_url(slug), name, count, pluralize(count), also)

    return format_html_join("\n", "{}", ((entry(row),) for row in rows))
