"""The one Markdown pipeline: Markdown text in, sanitised HTML out.

Only this module imports markdown and bleach. Markdown is rendered first and the
result sanitised second: the other order lets `[x](javascript:...)` through, because
the link only exists after rendering. The output is stored at save time and marked
safe by the models, so no template needs `|safe`.
"""

from urllib.parse import urlsplit
from xml.etree import ElementTree

import bleach
import markdown
from bleach.html5lib_shim import Filter
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
        "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "section", "strong",
        "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "class", "id", "rel"],
    "abbr": ["title"],
    "code": ["class"],
    "div": ["class"],
    "h2": ["id"],
    "h3": ["id"],
    "h4": ["id"],
    "h5": ["id"],
    "h6": ["id"],
    "li": ["id"],
    "ol": ["start"],
    "section": ["class", "aria-labelledby"],
    "sup": ["id"],
    "td": ["colspan", "rowspan"],
    "th": ["colspan", "rowspan", "scope"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
EXTERNAL_REL = "nofollow noopener"


class PageHeadings(Treeprocessor):
    """The page title is the only <h1>: a "#" heading in the text becomes <h2>."""

    def run(self, root: ElementTree.Element) -> None:
        for element in root.iter("h1"):
            element.tag = "h2"


class SourcesSection(Treeprocessor):
    """Turn Python-Markdown's footnote block into a titled "Sources" section."""

    def run(self, root: ElementTree.Element) -> None:
        for div in root.iter("div"):
            if div.get("class") != "footnote":
                continue
            div.tag = "section"
            div.set("class", "sources")
            div.set("aria-labelledby", "sources")
            for child in list(div):
                if child.tag == "hr":
                    div.remove(child)
            heading = ElementTree.Element("h2", {"id": "sources"})
            heading.text = "Sources"
            div.insert(0, heading)
            return


class HubExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        # Lower priority than the footnotes treeprocessor (50), so it runs after it.
        md.treeprocessors.register(SourcesSection(md), "sources_section", 5)
        md.treeprocessors.register(PageHeadings(md), "page_headings", 4)


class ExternalLinkFilter(Filter):
    """Give links that leave the site rel="nofollow noopener"."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] == "StartTag" and token["name"] == "a":
                attrs = token["data"]
                href = attrs.get((None, "href"), "")
                if urlsplit(href).scheme in {"http", "https"}:
                    attrs[(None, "rel")] = EXTERNAL_REL
                else:
                    attrs.pop((None, "rel"), None)
            yield token


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[ExternalLinkFilter],
)


def _markdown() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=["tables", "footnotes", "toc", "sane_lists", "fenced_code", HubExtension()],
        extension_configs={
            "toc": {"permalink": False},
            "footnotes": {"BACKLINK_TITLE": "Back to text of note %d"},
        },
        output_format="html",
    )


def render_markdown(text: str) -> SafeString:
    """Render Markdown to HTML that is safe to show to anyone."""
    if not text:
        return mark_safe("")  # noqa: S308 - empty string
    html = _markdown().convert(text)
    return mark_safe(_cleaner.clean(html))  # noqa: S308 - sanitised just above
