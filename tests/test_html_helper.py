"""tests/html.py, the selector helper other tests read pages with."""

import pytest

from tests.html import parse

PAGE = """<!DOCTYPE html>
<html><head><title>T</title><link rel="alternate" href="/feed/"></head>
<body>
  <!-- <h1>Not a heading</h1> -->
  <h1 id="top">Amara&nbsp;Okafor, <em>MD</em></h1>
  <ul class="cards">
    <li class="card card--new"><a href="/a/" rel="next">First &amp; best</a></li>
    <li class="card"><p>Second <a href="/b/">link</a></p><br></li>
  </ul>
  <script>var x = "<a href='/c/'>not a link</a>";</script>
  </div>
</body></html>"""


def test_finds_elements_by_tag_class_id_and_attribute():
    page = parse(PAGE)
    assert page.one("#top").tag == "h1"
    assert [li.get("class") for li in page.select("li.card")] == ["card card--new", "card"]
    assert page.one("li.card--new.card a[rel=next]").get("href") == "/a/"
    assert page.one('link[rel="alternate"][href^="/fe"]').get("href") == "/feed/"
    assert page.select("a[href*=b]")[0].text == "link"


def test_child_step_needs_a_direct_parent():
    page = parse(PAGE)
    assert [a.get("href") for a in page.select("li > a")] == ["/a/"]
    assert [a.get("href") for a in page.select("li a")] == ["/a/", "/b/"]
    assert [a.get("href") for a in page.select("ul.cards > li > p > a")] == ["/b/"]


def test_text_decodes_entities_and_folds_white_space():
    page = parse(PAGE)
    assert page.one("h1").text == "Amara\xa0Okafor, MD"
    assert page.one("a[rel=next]").text == "First & best"


def test_comments_and_scripts_hold_no_elements():
    page = parse(PAGE)
    assert len(page.select("h1")) == 1
    assert [a.get("href") for a in page.select("a")] == ["/a/", "/b/"]


def test_one_fails_unless_exactly_one_element_matches():
    page = parse(PAGE)
    with pytest.raises(AssertionError, match="2 elements match"):
        page.one("li")
    with pytest.raises(AssertionError, match="0 elements match"):
        page.one("table")


def test_a_selector_it_cannot_read_fails_loudly():
    with pytest.raises(AssertionError, match="cannot read"):
        parse(PAGE).select("a:first-child")


def test_inner_html_is_the_source_as_sent():
    page = parse(PAGE)
    assert page.one("a[rel=next]").inner_html == "First &amp; best"
    assert page.select("li.card")[1].inner_html == '<p>Second <a href="/b/">link</a></p><br>'
    assert page.one("h1").inner_html == "Amara&nbsp;Okafor, <em>MD</em>"
