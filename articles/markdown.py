"""The one Markdown pipeline: Markdown text in, sanitised HTML out.

Only this module imports markdown and bleach. Markdown is rendered first and the
result sanitised second: the other order lets `[x](javascript:...)` through, because
the link only exists after rendering. The output is stored at save time and marked
safe by the models, so no template needs `|safe`.

Library images: `![description](image:12)` becomes a <figure> with the image's renditions
(srcset, WebP first), width and height, and its caption and credit, when `images` (built by
models.image_refs() from the library) has image 12; any other image, such as one from
another site, is dropped (the article form refuses to save it, saying why). The sanitiser
lets <img> and <source> through only with the library's own address shape.

Linked terms (articles/linking.py) are added to the Markdown element tree before
sanitising, so bleach checks them like everything else; their text goes through the
serialiser, which escapes it.
"""

import hashlib
import html as html_entities
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree

import bleach
import markdown
from bleach.html5lib_shim import Filter
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from . import linking
from .markdown_defuse import defuse, restore

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
        "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "img", "li", "ol", "p",
        "picture", "pre", "section", "source", "strong", "span", "sub", "sup", "table",
        "tbody", "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip


# Only the classes this pipeline itself writes, so an author's raw HTML cannot dress up as
# a site element such as the safety notice.
PIPELINE_CLASSES = {
    "a": {"footnote-ref", "footnote-backref", "term__link"},
    "figure": {"figure"},
    "section": {"sources"},
    "span": {"term", "term__def", "figure__credit"},
    "table": {"table--stack"},
}
_CODE_LANGUAGE = re.compile(r"language-[a-z0-9_+-]{1,30}")

# A library rendition's address (articles.urls "image"): /images/<secret>/<width>.<ext>,
# under any URL prefix. Nothing else may be an image's source, so an author's raw HTML
# cannot embed a file from another site (a tracking pixel) or guess a library path.
_RENDITION_PATH = r"(?:/[\w.-]+)*/images/[A-Za-z0-9_-]{20,64}/\d{1,5}\.(?:webp|jpg|png)"
_RENDITION = re.compile(_RENDITION_PATH)
_RENDITION_SET = re.compile(rf"{_RENDITION_PATH} \d{{1,5}}w(?:, {_RENDITION_PATH} \d{{1,5}}w)*")
IMAGE_SIZES = "(min-width: 44rem) 40rem, calc(100vw - 2rem)"
_IMAGE_TYPES = frozenset({"image/webp"})


def _image_attribute(tag: str, name: str, value: str) -> bool:
    if name == "src":
        return tag == "img" and bool(_RENDITION.fullmatch(value))
    if name == "srcset":
        return bool(_RENDITION_SET.fullmatch(value))
    if name == "sizes":
        return value == IMAGE_SIZES
    if name in {"width", "height"}:
        return tag == "img" and value.isdigit() and len(value) <= 5
    if name == "type":
        return tag == "source" and value in _IMAGE_TYPES
    if tag == "img":
        return (
            name == "alt"
            or (name == "loading" and value == "lazy")
            or (name == "decoding" and value == "async")
        )
    return False


def _attribute_check(allowed: set[str]):
    def check(tag: str, name: str, value: str) -> bool:
        if name == "class":
            if tag == "code":
                return bool(_CODE_LANGUAGE.fullmatch(value))
            return set(value.split()) <= PIPELINE_CLASSES.get(tag, set())
        if name == "role":
            # Linked terms' definitions: <span role="tooltip">; no other roles.
            return tag == "span" and value == "tooltip"
        if name == "tabindex":
            # Tables scroll sideways on phones: keyboard users must reach them (TableFocus).
            return tag == "table" and value == "0"
        return name in allowed

    return check


ALLOWED_ATTRIBUTES = {
    "a": _attribute_check({"href", "title", "id", "rel", "aria-describedby"}),
    "abbr": ["title"],
    "code": _attribute_check(set()),
    "figure": _attribute_check(set()),
    "img": _image_attribute,
    "source": _image_attribute,
    "h2": ["id"],
    "h3": ["id"],
    "h4": ["id"],
    "h5": ["id"],
    "h6": ["id"],
    "li": ["id"],
    "ol": ["start"],
    "section": _attribute_check({"aria-labelledby"}),
    "span": _attribute_check({"id"}),
    "sup": ["id"],
    "table": _attribute_check({"tabindex"}),
    # data-label: the column's heading, which a stacked table shows (TableFocus).
    "td": ["colspan", "rowspan", "data-label"],
    "th": ["colspan", "rowspan", "scope"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
EXTERNAL_REL = "nofollow noopener"


@dataclass(frozen=True)
class ImageRef:
    """What the pipeline needs of a library image (models.image_refs() makes these)."""

    id: int
    alt: str  # "" when decorative
    decorative: bool
    caption: str
    credit: str
    width: int  # of the largest rendition: the image's shape for width/height
    height: int
    # (width, url) of each rendition, smallest first, per format: WebP and the fallback.
    webp: tuple[tuple[int, str], ...]
    fallback: tuple[tuple[int, str], ...]


_IMAGE_SOURCE = re.compile(r"image:(\d{1,9})")
# ![description](image:12) and ![description](image:12 "title"), as in the text.
_IMAGE_REFERENCE = re.compile(r"!\[[^\]\n]*\]\(\s*<?image:(\d{1,9})\b")


def image_ids(text: str) -> set[int]:
    """The library images the Markdown `text` refers to."""
    return {int(match) for match in _IMAGE_REFERENCE.findall(text or "")}


def _srcset(renditions) -> str:
    return ", ".join(f"{url} {width}w" for width, url in renditions)


@dataclass(frozen=True)
class LeadImage:
    url: str  # the largest fallback (JPEG or PNG) rendition: what every crawler reads
    width: int
    height: int
    alt: str


_IMG_TAG = re.compile(r"<img\b[^>]*>")
_ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')


def lead_image(html: str) -> LeadImage | None:
    """The first library image in HTML this pipeline made (stored body_html), for the
    page's JSON-LD `image` and Open Graph `og:image`; no query, no image work."""
    tag = _IMG_TAG.search(html or "")
    if tag is None:
        return None
    attributes = {k: html_entities.unescape(v) for k, v in _ATTRIBUTE.findall(tag.group(0))}
    try:
        sizes = [item.rsplit(" ", 1) for item in attributes["srcset"].split(", ")]
        url, width = max(((u, int(w.rstrip("w"))) for u, w in sizes), key=lambda p: p[1])
        shape = int(attributes["height"]) / int(attributes["width"])
    except (KeyError, ValueError, ZeroDivisionError):
        return None
    return LeadImage(url=url, width=width, height=round(width * shape), alt=attributes["alt"])


_SOURCES = re.compile(r'<section aria-labelledby="sources" class="sources">(.*?)</section>', re.S)
_SOURCE_ITEM = re.compile(r'<li id="fn:[^"]*">\s*(.*?)\s*</li>', re.S)
_BACKREF = re.compile(r'(?:&#160;)?<a class="footnote-backref"[^>]*>.*?</a>', re.S)
_LINK_HREF = re.compile(r'<a href="([^"]*)"')
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Source:
    html: str  # as on the page (sanitised when stored), without the "back to text" link
    text: str
    links: tuple[str, ...]


def sources_of(html: str) -> list[Source]:
    """The numbered sources in HTML this pipeline made (stored body_html, SourcesSection),
    in order; no query, no Markdown work."""
    section = _SOURCES.search(html or "")
    if section is None:
        return []
    found = []
    for item in _SOURCE_ITEM.findall(section.group(1)):
        item = _BACKREF.sub("", item).strip()
        if item.startswith("<p>") and item.endswith("</p>"):
            item = item[3:-4]
        text = " ".join(html_entities.unescape(_TAG.sub("", item)).split())
        links = tuple(html_entities.unescape(href) for href in _LINK_HREF.findall(item))
        found.append(Source(html=item, text=text, links=links))
    return found


class LibraryImages(Treeprocessor):
    """Library images become <picture> (in a <figure> with caption and credit when the
    image is a paragraph of its own); other images are dropped, keeping the text around."""

    def __init__(self, md, images: Mapping[int, ImageRef]):
        super().__init__(md)
        self.images = images

    def run(self, root: ElementTree.Element) -> None:
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag == "img":
                    self._replace(parent, child)

    def _replace(self, parent, img) -> None:
        match = _IMAGE_SOURCE.fullmatch(img.get("src") or "")
        ref = self.images.get(int(match.group(1))) if match else None
        if ref is None:
            self._drop(parent, img)
            return
        written_alt = " ".join((img.get("alt") or "").split())
        alt = "" if ref.decorative else (written_alt or ref.alt)
        picture = ElementTree.Element("picture")
        ElementTree.SubElement(
            picture,
            "source",
            {"type": "image/webp", "srcset": _srcset(ref.webp), "sizes": IMAGE_SIZES},
        )
        middle = ref.fallback[len(ref.fallback) // 2][1]
        ElementTree.SubElement(
            picture,
            "img",
            {
                "src": middle,
                "srcset": _srcset(ref.fallback),
                "sizes": IMAGE_SIZES,
                "width": str(ref.width),
                "height": str(ref.height),
                "alt": alt,
                "loading": "lazy",
                "decoding": "async",
            },
        )
        alone = (
            parent.tag == "p"
            and len(parent) == 1
            and not (parent.text or "").strip()
            and not (img.tail or "").strip()
        )
        if not alone:
            picture.tail = img.tail
            parent[list(parent).index(img)] = picture
            return
        parent.clear()
        parent.tag = "figure"
        parent.set("class", "figure")
        parent.append(picture)
        if ref.caption or ref.credit:
            caption = ElementTree.SubElement(parent, "figcaption")
            caption.text = ref.caption
            if ref.credit:
                credit = ElementTree.SubElement(caption, "span", {"class": "figure__credit"})
                credit.text = f"{' ' if ref.caption else ''}Credit: {ref.credit}"

    @staticmethod
    def _drop(parent, img) -> None:
        children = list(parent)
        index = children.index(img)
        tail = img.tail or ""
        if index:
            children[index - 1].tail = (children[index - 1].tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
        parent.remove(img)


class PageHeadings(Treeprocessor):
    """The page title is the only <h1>: a "#" heading in the text becomes <h2>."""

    def run(self, root: ElementTree.Element) -> None:
        for element in root.iter("h1"):
            element.tag = "h2"


# Bibliographic identifiers that readers can follow: doi:10.1001/x and PMID: 31166571; and,
# in the sources only, bare web addresses (https://doi.org/10.1/abc).
_IDENTIFIER = re.compile(
    # \x02…\x03 are Python-Markdown placeholders, such as the one footnotes put between a
    # source's last word and its back-link: never part of a DOI or an address.
    r"\b(?:doi:\s*(?P<doi>10\.\d{4,9}/[^\s<>\"'\x02\x03]*[^\s<>\"'.,;:)\]\x02\x03])"
    r"|PMID:?\s*(?P<pmid>\d{1,9})\b"
    # An address ends at a space, a quote or a bracket, and not on the punctuation of the
    # sentence around it. One pass: the run is read once, then given back from its end.
    r"|(?P<url>https?://[^\s<>\"'`\x02\x03]*[^\s<>\"'`.,;:!?)\]\x02\x03]))",
    re.I,
)
_NO_LINKS_INSIDE = {"a", "code", "pre"}
# Identifiers linked in one page at most: far more than any list of sources has, and a
# bound on the tags a page of nothing but "PMID: 1" costs the sanitiser.
MAX_IDENTIFIER_LINKS = 500


# From this many columns a table is stacked on a narrow screen (site.css, .table--stack):
# two columns fit a phone; three or more cut words at 320 px.
STACK_FROM_COLUMNS = 3


# A raw HTML placeholder (Python-Markdown's STX…ETX): the HTML comes back in a later step.
_PLACEHOLDER = re.compile("\x02[^\x03]*\x03")


def _plain(element: ElementTree.Element) -> str:
    """An element's text alone, without the author's raw HTML, spaces folded."""
    return " ".join(_PLACEHOLDER.sub("", "".join(element.itertext())).split())


class TableFocus(Treeprocessor):
    """Tables scroll sideways on narrow screens; tabindex="0" lets keyboards scroll them.

    A table of STACK_FROM_COLUMNS or more is marked to be stacked on a narrow screen, one
    block a row, and each of its cells gets its column's heading (data-label), which the
    stacked layout shows above the cell.
    """

    def run(self, root: ElementTree.Element) -> None:
        for table in root.iter("table"):
            table.set("tabindex", "0")
            headings = [_plain(th) for th in table.iter("th")]
            if len(headings) < STACK_FROM_COLUMNS:
                continue
            table.set("class", "table--stack")
            for row in table.iter("tr"):
                for heading, cell in zip(headings, row.findall("td"), strict=False):
                    if heading:
                        cell.set("data-label", heading)


class IdentifierLinks(Treeprocessor):
    """Turn plain DOI and PubMed identifiers into links (not inside links or code), and
    bare web addresses too in the sources (where a reference's address is to be followed;
    in the text an author links what they mean to)."""

    def run(self, root: ElementTree.Element) -> None:
        self.left = MAX_IDENTIFIER_LINKS
        self._walk(root, in_sources=False)

    def _walk(self, element: ElementTree.Element, *, in_sources: bool) -> None:
        if element.tag in _NO_LINKS_INSIDE:
            return
        in_sources = in_sources or "sources" in (element.get("class") or "").split()
        for child in list(element):
            self._walk(child, in_sources=in_sources)
        # Process the element's own text, then each child's tail (text after the child).
        self._link_text(element, None, in_sources)
        for child in list(element):
            self._link_text(element, child, in_sources)

    def _link_text(self, parent: ElementTree.Element, after, in_sources: bool) -> None:
        text = parent.text if after is None else after.tail
        if not text or self.left <= 0 or not _IDENTIFIER.search(text):
            return
        pieces, last = [], 0
        for match in _IDENTIFIER.finditer(text):
            if self.left <= 0:
                break
            if match.group("url") and not in_sources:
                continue
            self.left -= 1
            pieces.append(text[last : match.start()])
            end = match.end()
            if match.group("doi"):
                href = "https://doi.org/" + quote(match.group("doi"), safe="/:;()._-")
            elif match.group("url"):
                # A ")" closing one the address opened is the address's: .../Foo_(bar)
                while text[end : end + 1] == ")" and (
                    text.count("(", match.start(), end) > text.count(")", match.start(), end)
                ):
                    end += 1
                href = text[match.start() : end]
            else:
                href = f"https://pubmed.ncbi.nlm.nih.gov/{match.group('pmid')}/"
            link = ElementTree.Element("a", {"href": href})
            link.text = text[match.start() : end]
            pieces.append(link)
            last = end
        pieces.append(text[last:])
        self._replace(parent, after, pieces)

    @staticmethod
    def _replace(parent, after, pieces) -> None:
        head, rest = pieces[0], pieces[1:]
        if after is None:
            parent.text = head
            index = 0
        else:
            after.tail = head
            index = list(parent).index(after) + 1
        previous = after
        for piece in rest:
            if isinstance(piece, str):
                if previous is None:
                    parent.text = (parent.text or "") + piece
                else:
                    previous.tail = (previous.tail or "") + piece
            else:
                parent.insert(index, piece)
                index += 1
                previous = piece


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


class LinkTerms(Treeprocessor):
    """Link the first mention of each topic (see articles/linking.py)."""

    def __init__(self, md, matcher: linking.Matcher, exclude_topic_id: int | None):
        super().__init__(md)
        self.matcher = matcher
        self.exclude_topic_id = exclude_topic_id

    def run(self, root: ElementTree.Element) -> None:
        linking.link_tree(
            root,
            matcher=self.matcher,
            exclude_topic_id=self.exclude_topic_id,
            raw_html=self.md.htmlStash.rawHtmlBlocks,
        )


class HubExtension(Extension):
    def __init__(
        self,
        *,
        matcher: linking.Matcher | None = None,
        exclude_topic_id=None,
        images: Mapping[int, ImageRef] | None = None,
    ):
        super().__init__()
        self.matcher = matcher
        self.exclude_topic_id = exclude_topic_id
        self.images = images or {}

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        # Lower priority than the footnotes treeprocessor (50), so it runs after it.
        md.treeprocessors.register(SourcesSection(md), "sources_section", 5)
        md.treeprocessors.register(PageHeadings(md), "page_headings", 4)
        md.treeprocessors.register(TableFocus(md), "table_focus", 4)
        # After inline processing (20), which makes the <img> elements.
        md.treeprocessors.register(LibraryImages(md, self.images), "library_images", 16)
        if self.matcher is not None:
            # After inline processing (20), so text nodes are final; before prettify (10).
            md.treeprocessors.register(
                LinkTerms(md, self.matcher, self.exclude_topic_id), "link_terms", 15
            )
        md.treeprocessors.register(IdentifierLinks(md), "identifier_links", 3)


class ExternalLinkFilter(Filter):
    """Give links that leave the site rel="nofollow noopener"."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] == "StartTag" and token["name"] == "a":
                attrs = token["data"]
                parts = urlsplit(attrs.get((None, "href"), ""))
                # "//host/path" leaves the site too, with the page's own scheme.
                if parts.scheme in {"http", "https"} or (not parts.scheme and parts.netloc):
                    attrs[(None, "rel")] = EXTERNAL_REL
                else:
                    attrs.pop((None, "rel"), None)
            yield token


class ImageSourceFilter(Filter):
    """Drop <img> and <source> left without an address by the sanitiser (an author's
    <img src="https://elsewhere">): an image with nothing to show is noise to a screen
    reader, and an <img> without alt fails accessibility checks."""

    def __iter__(self):
        for token in super().__iter__():
            if (
                token["type"] in {"EmptyTag", "StartTag"}
                and token["name"] in {"img", "source"}
                and not token["data"].get((None, "src" if token["name"] == "img" else "srcset"))
            ):
                continue
            yield token


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[ExternalLinkFilter, ImageSourceFilter],
)


# In a diff (articles/diff.py), ids and the references to them would repeat on the page (old
# and new side by side, beside the edit form's own ids): dropped, with nothing to point at.
_DIFF_DROPPED = frozenset({"id", "aria-labelledby", "aria-describedby"})


def _without_ids(check):
    def allowed(tag: str, name: str, value: str) -> bool:
        if name in _DIFF_DROPPED:
            return False
        return check(tag, name, value) if callable(check) else name in check

    return allowed


_diff_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS | {"ins", "del"},
    attributes={tag: _without_ids(check) for tag, check in ALLOWED_ATTRIBUTES.items()},
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
)


def sanitise_diff(html: str) -> SafeString:
    """The pipeline's sanitiser for a diff of its own output: <ins> and <del> allowed, ids
    dropped. The diff is made from sanitised HTML; this is the second line of defence."""
    return mark_safe(_diff_cleaner.clean(html))  # noqa: S308 - sanitised here


def _markdown(hub: HubExtension) -> markdown.Markdown:
    return markdown.Markdown(
        extensions=["tables", "footnotes", "toc", "sane_lists", "fenced_code", hub],
        extension_configs={
            "toc": {"permalink": False},
            "footnotes": {"BACKLINK_TITLE": "Back to text of note %d"},
        },
        output_format="html",
    )


def render_markdown(
    text: str,
    *,
    matcher: linking.Matcher | None = None,
    exclude_topic_id: int | None = None,
    images: Mapping[int, ImageRef] | None = None,
) -> SafeString:
    """Render Markdown to HTML that is safe to show to anyone.

    With a `matcher` (models.current_matcher() for the topics as they are now), the first
    mention of each topic links to it with its definition; `exclude_topic_id` is the topic
    whose own page this is, never linked to itself. `images` are the library images the
    text may show (models.image_refs()); every other image is left out.
    """
    if not text:
        return mark_safe("")  # noqa: S308 - empty string
    extension = HubExtension(matcher=matcher, exclude_topic_id=exclude_topic_id, images=images)
    defused = defuse(text)
    html = _markdown(extension).convert(defused.text)
    # The plain-text blocks were escaped by defuse(): no tag can be in them.
    return mark_safe(restore(_cleaner.clean(html), defused.plain))  # noqa: S308 - sanitised


# Every feature of the pipeline once: what fingerprint() renders.
_FINGERPRINT_SAMPLE = """\
## A heading with *emphasis* and a Sample term

A paragraph with a [link](https://example.org/a?b=1), `code`, <b>raw HTML</b> and an alias.[^1]

- A list item
    1. nested

| Dose | How often | With food |
|---|---|---|
| 5 mg | Once a day | Yes |

```python
print("fenced")
```

> A quotation.

<script>alert(1)</script> [x](javascript:alert(1))

![A diagram](image:1)

![](https://example.org/elsewhere.png)

[^1]: Author A. A title. A journal. 2024. https://doi.org/10.1000/example
"""


def fingerprint() -> str:
    """A digest of what the pipeline makes of a sample that uses each of its features, with
    a linked term: it changes when a release changes the HTML that articles and topics
    store, so that they are rendered again (upkeep.ensure_pages_current)."""
    term = linking.TopicRef(id=1, slug="sample-term", name="Sample term", definition="Words.")
    matcher = linking.Matcher([(term, ["Sample term", "alias"])])
    widths = ((480, "/images/sample-sample-sample-sample/480"),)
    image = ImageRef(
        id=1,
        alt="Words",
        decorative=False,
        caption="A caption.",
        credit="Someone",
        width=480,
        height=320,
        webp=tuple((w, f"{url}.webp") for w, url in widths),
        fallback=tuple((w, f"{url}.jpg") for w, url in widths),
    )
    html = render_markdown(_FINGERPRINT_SAMPLE, matcher=matcher, images={1: image})
    return hashlib.sha256(html.encode()).hexdigest()[:32]
