"""Where a quoted passage is in a text: the anchoring of reviewers' comments.

Pure text in, text out. A comment keeps the words it quotes and a little of the text either
side (CONTEXT characters), all with runs of whitespace made single spaces, so that a quote
taken from the rendered preview (a browser selection across paragraphs) and the same words
in the Markdown or in the stored HTML compare equal. A passage quoted more than once in the
text is told apart by how much of its remembered surroundings each occurrence shares.
"""

from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser

CONTEXT = 40


def normalise(text: str) -> str:
    return " ".join(text.split())


class _Text(HTMLParser):
    """The text a reader sees of rendered HTML: a linked term's definition (a hidden
    tooltip, articles/linking.py) is not part of what a selection in the preview gives."""

    HIDDEN = "term__def"

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if self.hidden_depth:
            if tag not in _VOID:
                self.hidden_depth += 1
            return
        classes = (dict(attrs).get("class") or "").split()
        if self.HIDDEN in classes and tag not in _VOID:
            self.hidden_depth = 1
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if self.hidden_depth:
            self.hidden_depth -= 1
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.hidden_depth:
            self.parts.append(data)


_VOID = {"br", "img", "hr", "input", "meta", "link", "source", "wbr"}
_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "div", "td", "th", "blockquote", "br"}


def plain_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return normalise(unescape("".join(parser.parts)))


@dataclass(frozen=True)
class Anchor:
    quote: str
    before: str
    after: str


def _shared_tail(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _shared_head(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def anchor(text: str, quote: str, *, before: str = "", after: str = "") -> Anchor | None:
    """`quote` in `text`, with the text either side of it there; None if it is not there.
    Of several occurrences, the one whose surroundings share most with `before`/`after`."""
    text, quote = normalise(text), normalise(quote)
    if not quote:
        return None
    before, after = normalise(before), normalise(after)
    best, best_score = None, -1
    start = text.find(quote)
    while start != -1:
        end = start + len(quote)
        score = _shared_tail(text[:start].rstrip(), before) + _shared_head(
            text[end:].lstrip(), after
        )
        if score > best_score:
            best, best_score = start, score
        start = text.find(quote, start + 1)
    if best is None:
        return None
    end = best + len(quote)
    return Anchor(
        quote=quote,
        before=text[max(0, best - CONTEXT) : best].lstrip(),
        after=text[end : end + CONTEXT].rstrip(),
    )


def anchor_in(texts, quote: str, *, before: str = "", after: str = "") -> Anchor | None:
    """The first of `texts` (say, the rendered text, then the Markdown) that has `quote`."""
    for text in texts:
        found = anchor(text, quote, before=before, after=after)
        if found is not None:
            return found
    return None
