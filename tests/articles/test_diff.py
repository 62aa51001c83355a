"""The review diff: what an editor sees changed, word by word, in the text as rendered.

Each version is an object with title, summary, body and topic_names, as compare() is given
by the admin. The diff's HTML is parsed and read as an editor's browser would show it.
"""

import re
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string

from articles.diff import compare
from tests.articles.test_markdown import XSS_VECTORS, problems
from tests.html import parse

BODY = """Ketamine is a medicine that doctors use for anaesthesia. It can help some people
with depression.

- It works fast.
- It is given in a clinic.
- It may cause dizziness.

Read more in the trial.[^1]

[^1]: Smith J. Ketamine trial. Lancet. 2019.
"""


def version(body=BODY, *, title="Ketamine", summary="What it is.", topics=("Depression",)):
    return SimpleNamespace(title=title, summary=summary, body=body, topic_names=list(topics))


def field(diffs, label):
    [found] = [d for d in diffs if d.label == label]
    return found


def marked(html, tag):
    return [element.text for element in parse(str(html)).select(tag)]


def test_changed_word_is_deleted_and_inserted_inside_its_sentence():
    new = version(BODY.replace("some people", "some adults"))
    body = field(compare(version(), new), "Body")
    [paragraph] = [p for p in parse(body.inline).select("p") if p.select("ins")]
    assert paragraph.text == (
        "Ketamine is a medicine that doctors use for anaesthesia. It can help some "
        "people adults with depression."
    )
    assert marked(paragraph.inner_html, "del") == ["people"]
    assert marked(paragraph.inner_html, "ins") == ["adults"]
    assert re.search(r"some <del>people</del>\s+<ins>adults</ins>\s+with", paragraph.inner_html)


def test_unchanged_blocks_are_not_marked_when_one_word_changes():
    new = version(BODY.replace("works fast", "works quickly"))
    page = parse(field(compare(version(), new), "Body").inline)
    blocks = page.select("p") + page.select("li")
    assert [e.text for e in blocks if e.select("ins") or e.select("del")] == [
        "It works fast. quickly."
    ]
    assert [li.text for li in page.select("li")][1:3] == [
        "It is given in a clinic.",
        "It may cause dizziness.",
    ]


def test_added_paragraph_is_inserted_whole_and_kept_in_place():
    new = version(BODY.replace("Read more", "Ask your doctor first.\n\nRead more"))
    body = field(compare(version(), new), "Body")
    paragraphs = [p.text for p in parse(body.inline).select("p")]
    assert paragraphs[1] == "Ask your doctor first."
    assert marked(body.inline, "ins") == ["Ask your doctor first."]
    assert marked(body.inline, "del") == []


def test_removed_list_item_is_deleted_inside_its_list():
    new = version(BODY.replace("- It is given in a clinic.\n", ""))
    body = field(compare(version(), new), "Body")
    items = parse(body.inline).select("ul > li")
    assert [li.text for li in items] == [
        "It works fast.",
        "It is given in a clinic.",
        "It may cause dizziness.",
    ]
    assert marked(items[1].inner_html, "del") == ["It is given in a clinic."]
    assert len(parse(body.after).select("ul > li")) == 2


def test_changed_source_line_shows_the_changed_year_among_the_sources():
    new = version(BODY.replace("2019", "2020"))
    body = field(compare(version(), new), "Body")
    source = parse(body.inline).one("section.sources li")
    assert marked(source.inner_html, "del") == ["2019."]
    assert marked(source.inner_html, "ins") == ["2020."]


def test_side_by_side_shows_deletions_before_and_insertions_after():
    new = version(BODY.replace("some people", "some adults"), title="Ketamine treatment")
    for diff in compare(version(), new):
        assert parse(diff.before).select("ins") == []
        assert parse(diff.after).select("del") == []
    title = field(compare(version(), new), "Title")
    assert (marked(title.before, "del"), marked(title.after, "ins")) == ([], ["treatment"])


def test_first_version_shows_everything_inserted():
    diffs = compare(None, version())
    assert [d.label for d in diffs] == ["Title", "Summary", "Body", "Topics"]
    for diff in diffs:
        assert parse(diff.inline).select("del") == []
        outside_insertions = re.sub(r"<ins>.*?</ins>", "", str(diff.inline), flags=re.S)
        assert not re.search(r"\w", parse(outside_insertions).text)
    assert marked(field(diffs, "Title").inline, "ins") == ["Ketamine"]


def test_unchanged_fields_are_left_out():
    assert compare(version(), version()) == []
    assert [d.label for d in compare(version(), version(summary="Other."))] == ["Summary"]


def test_topics_list_added_and_removed_names():
    old = version(topics=["Depression", "Esketamine"])
    new = version(topics=["Depression", "Treatment-resistant depression"])
    topics = field(compare(old, new), "Topics")
    assert parse(topics.inline).text == "Depression, Esketamine, Treatment-resistant depression"
    assert marked(topics.inline, "del") == ["Esketamine"]
    assert marked(topics.inline, "ins") == ["Treatment-resistant depression"]


def test_title_and_summary_markup_shows_as_text():
    old = version(title="Ketamine <b>now</b>", summary="Safe & <i>fast</i>")
    new = version(title="Ketamine <script>alert(1)</script>", summary="Safe & <i>slow</i>")
    for diff in compare(old, new):
        for html in (diff.inline, diff.before, diff.after):
            assert {e.tag for e in parse(html).descendants()} <= {"ins", "del"}
    title = field(compare(old, new), "Title")
    assert parse(title.after).text == "Ketamine <script>alert(1)</script>"


def _hostile(html):
    # <ins> is the diff's own element, allowed here on top of the pipeline's policy.
    return [p for p in problems(str(html)) if "element 'ins' is not allowed" not in p]


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_hostile_body_stays_inert_in_every_view(vector):
    old = version("A safe first paragraph.\n\nStays.")
    new = version(f"A safe first paragraph {vector}\n\n{vector}\n\nStays.")
    for diff in compare(old, new) + compare(None, new) + compare(new, old):
        for html in (diff.inline, diff.before, diff.after):
            assert _hostile(html) == []


def test_ids_are_dropped_so_the_page_never_repeats_one():
    body = field(compare(None, version()), "Body")
    for html in (body.inline, body.before, body.after):
        page = parse(html)
        assert [e for e in page.descendants() if "id" in e.attrs] == []
        assert [e for e in page.descendants() if "aria-labelledby" in e.attrs] == []


def test_very_different_long_paragraph_is_shown_replaced_whole():
    # Word by word, 200,000 characters of different text would take minutes; past the
    # budget the paragraph is shown removed and added whole.
    old = " ".join(f"alpha{i % 97} beta" for i in range(20_000))
    new = " ".join(f"gamma{i % 89} beta" for i in range(20_000))
    body = field(compare(version(old), version(new)), "Body")
    assert len(marked(body.inline, "del")) == 1
    assert len(marked(body.inline, "ins")) == 1


def test_long_paragraph_with_one_changed_word_is_still_compared_word_by_word():
    old = " ".join(f"word{i}" for i in range(40_000))
    new = old.replace("word20000 ", "changed ")
    body = field(compare(version(old), version(new)), "Body")
    assert (marked(body.inline, "del"), marked(body.inline, "ins")) == (["word20000"], ["changed"])


# --- the partial ---------------------------------------------------------------------------


def render_partial(diff):
    html = render_to_string(
        "admin/articles/article/_diff.html",
        {"diff": diff, "diff_base_label": "Changes since version 1, submitted on 3 Dec 2026"},
    )
    return parse(html)


def test_partial_shows_the_heading_and_each_changed_field_inline():
    new = version(BODY.replace("some people", "some adults"), summary="What it is <b>not</b>.")
    page = render_partial(compare(version(), new))
    section = page.one("section.article-diff")
    assert (
        section.one("#article-diff-heading").text
        == "Changes since version 1, submitted on 3 Dec 2026"
    )
    inline = section.one(".article-diff__inline")
    assert [h.text for h in inline.select("h3")] == ["Summary", "Body"]
    assert marked(inline.inner_html, "ins") == ["is <b>not</b>.", "adults"]
    assert inline.select("b") == []


def test_partial_offers_side_by_side_without_script():
    page = render_partial(compare(version(), version(BODY.replace("fast", "quickly"))))
    side_by_side = page.one("details.article-diff__side-by-side")
    assert side_by_side.one("summary").text == "Side by side: before and after"
    columns = side_by_side.one(".article-diff__columns")
    assert [h.text for h in columns.select(".article-diff__side")] == ["Before", "After"]
    before, after = columns.select(".article-diff__column")
    assert (marked(before.inner_html, "del"), marked(before.inner_html, "ins")) == (["fast."], [])
    assert (marked(after.inner_html, "del"), marked(after.inner_html, "ins")) == ([], ["quickly."])
    assert page.select("script") == [] and page.select("[style]") == []


def test_partial_renders_nothing_when_nothing_changed():
    assert render_partial([]).text == ""
