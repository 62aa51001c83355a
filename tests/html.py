"""Find elements in a page with a small CSS selector, and read their text and attributes.

For assertions that must hold of real elements, not of a substring that could also match
inside an attribute, a script, a comment or another part of the page. A whole element is
compared with Django's assertContains(..., html=True) or assertInHTML; this is for the
rest: "the title links of the cards", "the <link rel=alternate> in the head", "the text
of the snippet".

    page = parse(response)
    assert page.one("h1").text == "Esketamine"
    assert [a.text for a in page.select(".card__title a")] == ["Newer", "Older"]

Selectors: `tag`, `.class`, `#id`, `[attr]`, `[attr=value]` (the value quoted or not),
`[attr^=prefix]` and `[attr*=part]`, combined (`a.card__link[rel=next]`); a space between
two of them means "inside", ` > ` "directly inside".

Built on the standard library's html.parser and as lenient as a browser: a stray end tag
is ignored, an end tag closes every element still open inside it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser

# What HTML folds in text: ASCII white space (not a no-break space).
_WHITE_SPACE = re.compile(r"[ \t\n\r\f]+")
# Elements that never have content or an end tag (the HTML standard's "void elements").
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    | {"track", "wbr"}
)


class Element:
    """One element of a parsed page: its tag, attributes, parent and children."""

    def __init__(self, tag: str, attrs: dict[str, str], parent: Element | None = None):
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Element | str] = []
        self.inner_html = ""  # the page's own text of what is inside, as it was sent

    def __repr__(self) -> str:
        attrs = "".join(f' {name}="{value}"' for name, value in self.attrs.items())
        return f"<{self.tag}{attrs}>"

    def get(self, name: str) -> str | None:
        """The value of attribute `name` ("" for one without a value), or None."""
        return self.attrs.get(name)

    @property
    def text(self) -> str:
        """The text inside, as a reader sees it: entities decoded, white space folded."""
        return _WHITE_SPACE.sub(" ", self._raw_text()).strip(" ")

    @property
    def value(self) -> str:
        """A textarea's value as a browser submits it: the text as written, white space
        kept, less the one newline HTML drops after the start tag."""
        raw = self._raw_text()
        return raw[1:] if raw.startswith("\n") else raw

    def _raw_text(self) -> str:
        return "".join(c if isinstance(c, str) else c._raw_text() for c in self.children)

    def descendants(self) -> Iterator[Element]:
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.descendants()

    def select(self, selector: str) -> list[Element]:
        """Every element inside this one that `selector` matches, in document order."""
        chain = _compile(selector)
        return [element for element in self.descendants() if _matches(element, chain)]

    def one(self, selector: str) -> Element:
        """The one element inside this one that `selector` matches; fails if not exactly one."""
        found = self.select(selector)
        assert len(found) == 1, f"{len(found)} elements match {selector!r}: {found}"
        return found[0]


def parse(page) -> Element:
    """The document of `page`: HTML text, bytes, or a response."""
    if hasattr(page, "content"):
        page = page.content
    if isinstance(page, bytes):
        page = page.decode()
    builder = _TreeBuilder(page)
    builder.feed(page)
    builder.close()
    builder.close_up_to(0, len(page))
    return builder.root


class _TreeBuilder(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", page)]
        self.root = Element("#document", {})
        self.open = [self.root]
        self.content_starts = [0]

    def source_index(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def close_up_to(self, depth: int, end: int) -> None:
        """Close the open elements deeper than `depth`; their content ends at `end`."""
        while len(self.open) > depth:
            self.open.pop().inner_html = self.page[self.content_starts.pop() : end]

    def handle_starttag(self, tag, attrs):
        values: dict[str, str] = {}
        for name, value in attrs:
            values.setdefault(name, value or "")  # a repeated attribute: the first counts
        element = Element(tag, values, parent=self.open[-1])
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)
            self.content_starts.append(self.source_index() + len(self.get_starttag_text()))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.close_up_to(
                len(self.open) - 1, self.source_index() + len(self.get_starttag_text())
            )

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                self.close_up_to(depth, self.source_index())
                return

    def handle_data(self, data):
        self.open[-1].children.append(data)


# --- selectors ---------------------------------------------------------------------------------

_STEP = re.compile(r">|(?:\[[^\]]*\]|[^\s\[>])+")
_TAG = re.compile(r"[a-zA-Z][\w-]*")
_PART = re.compile(
    r"""([.#])([\w-]+)
    |\[\s*([\w:-]+)\s*(?:([\^*]?=)\s*(?:"([^"]*)"|'([^']*)'|([^\]\s"']*))\s*)?\]""",
    re.X,
)

Test = Callable[[Element], bool]


def _compile(selector: str) -> list[tuple[str, list[Test]]]:
    """`selector` as steps, each (how it relates to the step before: " " or ">", its tests)."""
    chain: list[tuple[str, list[Test]]] = []
    combinator = " "
    for step in _STEP.findall(selector):
        if step == ">":
            combinator = ">"
            continue
        chain.append((combinator, _compile_step(step, selector)))
        combinator = " "
    assert chain and combinator == " ", f"not a selector: {selector!r}"
    return chain


def _compile_step(step: str, selector: str) -> list[Test]:
    tests: list[Test] = []
    tag = _TAG.match(step)
    position = 0
    if tag:
        tests.append(_attribute_test("#tag", "=", tag.group().lower()))
        position = tag.end()
    for part in _PART.finditer(step, position):
        assert part.start() == position, f"cannot read {step[position:]!r} in {selector!r}"
        position = part.end()
        kind, name, attr, operator = part.group(1, 2, 3, 4)
        value = next((v for v in part.group(5, 6, 7) if v is not None), None)
        if kind == ".":
            tests.append(_attribute_test("class", "~=", name))
        elif kind == "#":
            tests.append(_attribute_test("id", "=", name))
        else:
            tests.append(_attribute_test(attr, operator, value))
    assert position == len(step), f"cannot read {step[position:]!r} in {selector!r}"
    return tests


def _attribute_test(attr: str, operator: str | None, value: str | None) -> Test:
    """A test of one attribute ("#tag" for the tag name); without operator, its presence."""

    def test(element: Element) -> bool:
        found = element.tag if attr == "#tag" else element.get(attr)
        if found is None or operator is None:
            return found is not None
        if operator == "~=":
            return value in found.split()
        if operator == "^=":
            return found.startswith(value)
        if operator == "*=":
            return value in found
        return found == value

    return test


def _matches(element: Element, chain: list[tuple[str, list[Test]]]) -> bool:
    """Whether `element` matches the last step of `chain`, and its ancestors the others."""
    *before, (combinator, tests) = chain
    if not all(test(element) for test in tests):
        return False
    if not before:
        return True
    ancestor = element.parent
    while ancestor is not None and ancestor.tag != "#document":
        if _matches(ancestor, before):
            return True
        if combinator == ">":
            return False
        ancestor = ancestor.parent
    return False
