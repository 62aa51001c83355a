"""The checks an author sees beside the text while writing, each saying what to do.

`check(title=, summary=, body=)` reads the working text (no database) and returns
`Finding`s; the live preview sends them to the page, and submitting for review is refused
while `blocking(findings)` is not empty, with each blocking finding's message.

Blocking: what would publish something broken or unsourced.
- no_source: no source at all (the same rule, in the same words, as
  workflow.submit_for_review).
- marker_without_source: `[^2]` with no `[^2]:` line shows readers a literal "[^2]".
- source_without_marker: the source is listed, but its "back to text" link leads nowhere
  and no sentence says what it supports; it nearly always means a claim lost its marker.
- empty_source: `[^1]:` with nothing after it on its line is an empty entry under Sources
  (and the workflow does not count it as a source).
- duplicate_source: two `[^1]:` lines; readers see only the last one.
- empty_heading: `##` with no words publishes an empty heading, announced as such by
  screen readers.
- external_image: an image from another site (`![x](https://…)`) is never shown
  (articles/markdown.py): the library checks files, strips location data and asks for alt
  text and consent. The article form refuses it with the same message, and raw `<img>`
  too (raw_image, advice here: the sanitiser removes it like any tag it does not allow).

Advice (the author decides; the approving editor sees it too):
- heading_level_one, heading_skips_level, duplicate_heading: the page outline that
  screen readers and in-page links follow; the page still reads correctly.
- vague_link_text, url_as_link_text: links that do not say where they go.
- image_alt_file_name, image_alt_redundant: a library image's description written in the
  text (`![description](image:12)`, which replaces the library's for this article) that
  is a file name, or starts "image of" (screen readers already say it is an image).
- hard_sentence: the reading grade is above readability.TARGET_GRADE; the hardest sentences.
- safe_messaging: wording that guidance advises against (safe_messaging.py holds the rules;
  the approving editor acknowledges each flag).

The Markdown is read line by line, as Python-Markdown reads it, without rendering it:
fenced code blocks (closed ones: an unclosed fence is text to Python-Markdown too) and
inline code spans produce no findings. Each pattern scans a stretch of text once, so the
cost is linear in the length of the text, hostile input included.
"""

import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass

from .readability import TARGET_GRADE, hardest_sentences, measure
from .safe_messaging import locate_flags

NO_SOURCE_MESSAGE = (
    "Cite at least one source before submitting: add a footnote such as "
    "[^1] in the text and [^1]: Author, title, journal, year at the end."
)
EXCERPT_LENGTH = 120
# Hostile or pasted text could raise thousands of one kind; the first few say what to fix.
MAX_PER_CODE = 20

FIELDS = ("title", "summary", "body")


@dataclass(frozen=True)
class Finding:
    code: str  # stable id, e.g. "marker_without_source"
    blocking: bool  # True: submitting for review is refused with `message`
    message: str  # what is wrong and what to do, in plain words (text, not HTML)
    excerpt: str = ""  # the words concerned (sentence, heading, link text, marker)
    line: int | None = None  # 1-based line in the body; None for title/summary and no line
    field: str = "body"  # "title", "summary" or "body"


def check(*, title: str, summary: str, body: str) -> list[Finding]:
    """Every finding for the working text: blocking ones first, then by field and line."""
    # Browsers send a textarea's lines ending in "\r\n"; Python-Markdown reads them as "\n".
    lines = _prose_lines((body or "").replace("\r\n", "\n").replace("\r", "\n"))
    findings = [
        *_sources(lines),
        *_headings(lines),
        *_links(lines),
        *_images(lines),
        *_reading(lines),
        *_safe_messaging(title or "", summary or "", lines),
    ]
    counts: dict[str, int] = defaultdict(int)
    kept = []
    for finding in findings:
        counts[finding.code] += 1
        if counts[finding.code] <= MAX_PER_CODE:
            kept.append(finding)
    # sorted() is stable: findings on one line keep the order the checks found them in.
    return sorted(kept, key=lambda f: (not f.blocking, FIELDS.index(f.field), f.line or 0))


def blocking(findings) -> list[Finding]:
    """The findings that refuse a submission for review."""
    return [finding for finding in findings if finding.blocking]


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1].rstrip() + "…"


# --- reading the Markdown ---------------------------------------------------------------

# Python-Markdown's fences: at the start of a line, closed by the same run of characters.
_FENCE = re.compile(r"(`{3,}|~{3,})")
_FENCE_ONLY = re.compile(r"(`{3,}|~{3,}) *$")
_BACKTICKS = re.compile(r"`+")


def _prose_lines(body: str) -> list[str]:
    """The body's lines with fenced code blocks and inline code spans blanked to spaces.

    Line numbers and columns stay where they were, so a finding can say where it is.
    """
    lines = body.split("\n")
    # Where each fence string last stands alone on a line: an opening fence with no closing
    # line after it is not code to Python-Markdown, and is read as text here too.
    last_closing = {}
    for index, line in enumerate(lines):
        if match := _FENCE_ONLY.match(line):
            last_closing[match.group(1)] = index
    prose, fence = [], None
    for index, line in enumerate(lines):
        if fence is not None:
            match = _FENCE_ONLY.match(line)
            if match and match.group(1) == fence:
                fence = None
            prose.append("")
            continue
        opening = _FENCE.match(line)
        if opening and last_closing.get(opening.group(1), -1) > index:
            fence = opening.group(1)
            prose.append("")
            continue
        prose.append(_blank_code_spans(line))
    return prose


def _blank_code_spans(line: str) -> str:
    """Inline code (a run of backticks up to the next run of the same length) as spaces."""
    if "`" not in line:
        return line
    runs = [(match.start(), match.end()) for match in _BACKTICKS.finditer(line)]
    # For each run, the index of the next run of the same length: one pass from the end.
    next_same: list[int | None] = [None] * len(runs)
    seen: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        next_same[index] = seen.get(length)
        seen[length] = index
    chars = list(line)
    index = 0
    while index < len(runs):
        partner = next_same[index]
        if partner is None:
            index += 1
            continue
        start, end = runs[index][0], runs[partner][1]
        chars[start:end] = " " * (end - start)
        index = partner + 1
    return "".join(chars)


def _line_starts(lines: list[str]) -> list[int]:
    starts, offset = [], 0
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    return starts


# --- sources ------------------------------------------------------------------------------

# A label stops at "[", "]" and white space, as Python-Markdown's footnotes read it, so
# hostile "[^[^[^…" costs one pass.
_DEFINITION = re.compile(r" {0,3}\[\^([^\]\[\s]+)\]:(.*)")
_MARKER = re.compile(r"(\\?)\[\^([^\]\[\s]+)\]")
_CONTINUATION = re.compile(r"(?: {4}|\t)\S")


def _source_lines(lines: list[str]) -> list[bool]:
    """Which lines belong to a source: its `[^n]:` line and the indented lines after it."""
    flags, inside = [], False
    for line in lines:
        if _DEFINITION.match(line):
            inside = True
        elif line.strip() and not _CONTINUATION.match(line):
            inside = False
        flags.append(inside and bool(line.strip()))
    return flags


def _sources(lines: list[str]) -> list[Finding]:
    definitions: dict[str, list[int]] = defaultdict(list)  # label: its lines
    markers: dict[str, int] = {}  # label: the first line citing it
    findings, sources = [], 0
    for number, line in enumerate(lines, start=1):
        searched_from = 0
        if definition := _DEFINITION.match(line):
            label, text = definition.groups()
            definitions[label].append(number)
            searched_from = definition.start(2)
            if text.strip():
                sources += 1
            else:
                findings.append(_empty_source(label, line, number, lines))
        for marker in _MARKER.finditer(line, searched_from):
            if not marker.group(1):  # a backslash makes "[^1]" plain text
                markers.setdefault(marker.group(2), number)

    # This is the one count of sources: submit_for_review refuses on these findings.
    if not sources:
        findings.append(Finding(code="no_source", blocking=True, message=NO_SOURCE_MESSAGE))
    for label, number in markers.items():
        if label not in definitions:
            findings.append(
                Finding(
                    code="marker_without_source",
                    blocking=True,
                    message=(
                        f"The marker [^{label}] has no source: add a line "
                        f'"[^{label}]: Author, title, journal, year" at the end, '
                        "or remove the marker."
                    ),
                    excerpt=f"[^{label}]",
                    line=number,
                )
            )
    for label, numbers in definitions.items():
        if label not in markers:
            findings.append(
                Finding(
                    code="source_without_marker",
                    blocking=True,
                    message=(
                        f"Source [^{label}] is not cited in the text: put [^{label}] after "
                        "the sentence it supports, or delete the source if nothing does."
                    ),
                    excerpt=_excerpt(lines[numbers[0] - 1]),
                    line=numbers[0],
                )
            )
        if len(numbers) > 1:
            findings.append(
                Finding(
                    code="duplicate_source",
                    blocking=True,
                    message=(
                        f"More than one source is numbered [^{label}] (lines "
                        f"{', '.join(map(str, numbers))}) and readers see only the last: give "
                        "each its own number, and put that number after the sentence it supports."
                    ),
                    excerpt=_excerpt(lines[numbers[0] - 1]),
                    line=numbers[0],
                )
            )
    return findings


def _empty_source(label: str, line: str, number: int, lines: list[str]) -> Finding:
    # Python-Markdown takes an indented next line as the source's text; the workflow does
    # not count it, so the fix is the same either way.
    following = lines[number] if number < len(lines) else ""
    what = "the author, title, journal and year"
    if _CONTINUATION.match(following):
        what = "the source, moved up from the line below,"
    return Finding(
        code="empty_source",
        blocking=True,
        message=f'Source [^{label}] is empty: write {what} on its line, after "[^{label}]:".',
        excerpt=_excerpt(line),
        line=number,
    )


# --- headings -----------------------------------------------------------------------------

# Python-Markdown: "#" to "######" at the very start of a line, a space optional; or a
# line underlined with "=" (level 1) or "-" (level 2) that starts a paragraph.
_ATX = re.compile(r"#{1,6}")
_SETEXT = re.compile(r"([=-])[=-]* *$")
_NOT_WORDS = re.compile(r"[\W_]+")
# The article page adds this heading above the list of sources.
SOURCES_HEADING = "Sources"


_LEVEL_ONE = (
    "The article's title is the page's only top-level heading: start this heading with ## "
    "instead of #."
)
_SKIPS_LEVEL = (
    "This heading jumps from level {previous} to {level}, so people who navigate by headings "
    "lose their place: start it with {wanted}, or add the missing heading above it."
)
_EMPTY = "This heading has no words: write what the section is about after the #s, or delete it."
_DUPLICATE = (
    "The heading on line {line} has the same words, so links to this section lead to that "
    "one: give each heading its own words."
)
_SOURCES_DUPLICATE = (
    'The page adds its own "Sources" heading above the list of sources: call this one '
    "something else, or delete it."
)


def _headings(lines: list[str]) -> list[Finding]:
    findings: list[Finding] = []
    counts: dict[str, int] = defaultdict(int)

    def add(code: str, message: str, number: int, typed: str, *, blocking: bool = False):
        # Thousands of "#" lines must not cost thousands of findings that check() drops.
        counts[code] += 1
        if counts[code] <= MAX_PER_CODE:
            findings.append(Finding(code, blocking, message, _excerpt(typed), number))

    seen: dict[str, int] = {}  # a heading's words: its line
    has_sources = any(_DEFINITION.match(line) for line in lines)
    previous = 1  # the page title is the h1
    for number, level, text, typed in _iter_headings(lines):
        if level == 1:
            add("heading_level_one", _LEVEL_ONE, number, typed)
            level = 2  # the page shows it as ##; judge what follows from there
        elif level > previous + 1:
            message = _SKIPS_LEVEL.format(
                previous=previous, level=level, wanted="#" * (previous + 1)
            )
            add("heading_skips_level", message, number, typed)
        previous = level
        words = _NOT_WORDS.sub(" ", text).strip().casefold()
        if not words:
            add("empty_heading", _EMPTY, number, typed, blocking=True)
        elif words in seen:
            add("duplicate_heading", _DUPLICATE.format(line=seen[words]), number, typed)
        elif has_sources and words == SOURCES_HEADING.casefold():
            add("duplicate_heading", _SOURCES_DUPLICATE, number, typed)
        else:
            seen[words] = number
    return findings


def _iter_headings(lines: list[str]):
    """(line number, level, text, the line as typed) of each heading, in order."""
    for number, line in enumerate(lines, start=1):
        if atx := _ATX.match(line):
            text = line[atx.end() :].rstrip().rstrip("#").strip()
            yield number, len(atx.group(0)), text, line
        elif (setext := _SETEXT.match(line)) and _starts_paragraph(lines, number - 2):
            text = lines[number - 2].strip()
            level = 1 if setext.group(1) == "=" else 2
            yield number - 1, level, text, f"{text} {line.strip()}"


def _starts_paragraph(lines: list[str], index: int) -> bool:
    return (
        index >= 0
        and bool(lines[index].strip())
        and not _ATX.match(lines[index])
        and (index == 0 or not lines[index - 1].strip())
    )


# --- links --------------------------------------------------------------------------------

# "[text](" and "[text][": the text stops at the next bracket, so each character is read
# once. Images ("![alt](…)") are left out here. TODO(images): once articles have images,
# "missing alt text" (an empty alt in "![](…)") is checked here, as a blocking finding.
_LINK = re.compile(r"(!?)\[([^\[\]\n]*)\][(\[]")
_AUTOLINK = re.compile(r"<((?:https?://|www\.)[^<>\s]*)>")
_URL = re.compile(r"(?:https?://|www\.)\S+")
VAGUE_LINK_TEXT = frozenset(
    {
        "click here", "click", "here", "read more", "more", "learn more", "find out more",
        "this link", "link", "this", "this page", "go here", "see here",
    }
)  # fmt: skip
_VAGUE_MESSAGE = (
    'The link text "{text}" does not say where the link goes: use words that name the '
    "page, such as its title, so people who scan or hear the links know what they get."
)
_URL_MESSAGE = (
    "The link text is a web address, which screen readers spell out character by "
    "character: use words that name the page, such as its title."
)


def _links(lines: list[str]) -> list[Finding]:
    findings = []
    in_source = _source_lines(lines)
    for number, line in enumerate(lines, start=1):
        if "[" in line:
            for link in _LINK.finditer(line):
                image, text = link.groups()
                if image or text.startswith("^"):
                    continue
                words = _NOT_WORDS.sub(" ", text).strip().casefold()
                if words in VAGUE_LINK_TEXT:
                    message = _VAGUE_MESSAGE.format(text=words)
                    findings.append(_link_finding("vague_link_text", message, text, number))
                elif _URL.fullmatch(text.strip()) and not in_source[number - 1]:
                    findings.append(_link_finding("url_as_link_text", _URL_MESSAGE, text, number))
        if "<" in line and not in_source[number - 1]:
            for link in _AUTOLINK.finditer(line):
                findings.append(
                    _link_finding("url_as_link_text", _URL_MESSAGE, link.group(0), number)
                )
    return findings


def _link_finding(code: str, message: str, text: str, number: int) -> Finding:
    return Finding(code=code, blocking=False, message=message, excerpt=_excerpt(text), line=number)


# --- images -------------------------------------------------------------------------------


_IMAGE = re.compile(r"!\[([^\[\]\n]*)\]\(\s*<?([^)\s>]*)")
_LIBRARY_IMAGE = re.compile(r"image:\d{1,9}")
_RAW_IMAGE = re.compile(r"<img\b", re.I)
_FILE_NAME = re.compile(
    r"\S+\.(?:jpe?g|png|webp|gif|avif|heic|tiff?)|(?:IMG|DSC|PXL)_?\d+\S*", re.I
)
_REDUNDANT = re.compile(r"(?:an? )?(?:image|picture|photo|photograph) of\b", re.I)
EXTERNAL_IMAGE_MESSAGE = (
    "Images from other sites are not shown to readers: their files are not checked, can "
    "change or track readers, and have no description or consent on record. Upload the "
    "image to the library (Images, in the admin menu) and insert it with the picker beside "
    "the text, which writes ![description](image:12)."
)
_FILE_NAME_MESSAGE = (
    "This image's description is a file name, which is what a screen reader will read out. "
    "Say what the image shows, or leave the brackets empty to use the library's description."
)
_REDUNDANT_MESSAGE = (
    "Screen readers already say that this is an image: start the description with what it "
    "shows (“Nasal spray held upright…”, not “Image of a nasal spray…”)."
)


def has_images(text: str) -> bool:
    """Whether Markdown `text` shows any image (library or not), outside code."""
    lines = _prose_lines((text or "").replace("\r\n", "\n").replace("\r", "\n"))
    return any(_IMAGE.search(line) or _RAW_IMAGE.search(line) for line in lines)


def external_images(body: str) -> list[Finding]:
    """The images in `body` that are not library images (the article form refuses them)."""
    lines = _prose_lines((body or "").replace("\r\n", "\n").replace("\r", "\n"))
    return [f for f in _images(lines) if f.code in {"external_image", "raw_image"}]


def _images(lines: list[str]) -> list[Finding]:
    findings = []
    for number, line in enumerate(lines, start=1):
        if "![" in line:
            for image in _IMAGE.finditer(line):
                alt, target = image.group(1).strip(), image.group(2)
                if not _LIBRARY_IMAGE.fullmatch(target):
                    findings.append(_external_image(image.group(0), number))
                elif _FILE_NAME.fullmatch(alt):
                    findings.append(
                        _link_finding("image_alt_file_name", _FILE_NAME_MESSAGE, alt, number)
                    )
                elif _REDUNDANT.match(alt):
                    findings.append(
                        _link_finding("image_alt_redundant", _REDUNDANT_MESSAGE, alt, number)
                    )
        if "<" in line:
            for image in _RAW_IMAGE.finditer(line):
                findings.append(_external_image(line[image.start() :], number, raw=True))
    return findings


def _external_image(text: str, number: int, *, raw: bool = False) -> Finding:
    return Finding(
        code="raw_image" if raw else "external_image",
        # Raw HTML is the sanitiser's to remove, as any other tag it does not allow: the
        # article form refuses it at save, but text that reaches review by other routes
        # (imports, the workflow's own functions) is not held back for it.
        blocking=not raw,
        message=EXTERNAL_IMAGE_MESSAGE,
        excerpt=_excerpt(text),
        line=number,
    )


# --- reading grade ------------------------------------------------------------------------


_GRADE = "The text reads at school grade {grade:g}; aim for {target} or below."


def _reading(lines: list[str]) -> list[Finding]:
    prose = "\n".join(lines)
    grade = measure(prose).grade
    if grade <= TARGET_GRADE:
        return []
    sentences = hardest_sentences(prose, n=3)
    if not sentences:  # only headings, short items and tables: nothing to point at
        message = _GRADE.format(grade=grade, target=TARGET_GRADE) + (
            " Use shorter, everyday words in the headings, lists and tables."
        )
        return [Finding(code="hard_sentence", blocking=False, message=message)]
    return [
        Finding(
            code="hard_sentence",
            blocking=False,
            message=(
                _GRADE.format(grade=grade, target=TARGET_GRADE)
                + f" This is one of its hardest sentences (grade {sentence.grade:g}): split it, "
                "or use shorter, everyday words."
            ),
            excerpt=_excerpt(sentence.text),
            line=sentence.line,
        )
        for sentence in sentences
    ]


# --- safe messaging -----------------------------------------------------------------------


def _safe_messaging(title: str, summary: str, lines: list[str]) -> list[Finding]:
    findings = [
        _flag_finding(flag, field=field, line=None)
        for field, text in (("title", title), ("summary", summary))
        for _, flag in locate_flags(text)
    ]
    starts = _line_starts(lines)
    findings.extend(
        _flag_finding(flag, field="body", line=bisect_right(starts, offset))
        for offset, flag in locate_flags("\n".join(lines))
    )
    return findings


def _flag_finding(flag, *, field: str, line: int | None) -> Finding:
    return Finding(
        code="safe_messaging",
        blocking=False,
        message=flag.advice,
        excerpt=_excerpt(flag.found),
        line=line,
        field=field,
    )
