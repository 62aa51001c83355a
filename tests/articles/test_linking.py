"""Linked terms: the first mention of a topic links to it with its definition (linking.py)."""

import pytest
from django.core.management import call_command
from pytest_django.asserts import assertInHTML

from articles import upkeep
from articles.linking import Matcher, TopicRef
from articles.markdown import render_markdown
from articles.models import Article, Topic, current_matcher, render_linked
from tests.articles.topic_review_helpers import press_step
from tests.factories import PublishedArticleFactory, TopicFactory
from tests.html import parse

pytestmark = pytest.mark.django_db

HOSTILE = "<img src=x onerror=alert(1)>"


def linked(html: str) -> list[str]:
    """The text of each linked term, in order, as written (line breaks kept)."""
    return [link.inner_html for link in parse(html).select("a.term__link")]


@pytest.fixture
def topics(depression, trd, esketamine):
    return {"depression": depression, "trd": trd, "esketamine": esketamine}


# --- what is linked ------------------------------------------------------------------------


def test_only_the_first_mention_is_linked_when_a_topic_is_mentioned_twice(topics):
    html = render_linked("Esketamine helps. Esketamine is a spray. So is Spravato.")
    assert linked(html) == ["Esketamine"]
    assert len(parse(html).select('a[href="/topics/esketamine/"]')) == 1


def test_longest_term_wins_when_terms_overlap(topics):
    html = render_linked("It is used for treatment-resistant depression, a kind of depression.")
    assert linked(html) == ["treatment-resistant depression", "depression"]
    assert [link.get("href") for link in parse(html).select("a.term__link")] == [
        "/topics/treatment-resistant-depression/",
        "/topics/depression/",
    ]


def test_phrase_is_not_split_when_its_topic_was_already_linked(topics):
    html = render_linked("TRD is hard. Treatment-resistant depression needs a specialist.")
    assert linked(html) == ["TRD"]


def test_only_whole_words_are_linked(topics):
    html = render_linked("Depressions, predepression and esketamines are not terms here.")
    assert linked(html) == []


def test_terms_match_whatever_their_case(topics):
    assert linked(render_linked("SPRAVATO is a brand.")) == ["SPRAVATO"]


def test_term_is_linked_across_a_line_break_and_with_a_typographic_hyphen(topics):
    html = render_linked("Mainly for treatment\u2011resistant\ndepression.")
    assert linked(html) == ["treatment\u2011resistant\ndepression"]


def test_terms_in_headings_are_not_linked_but_the_next_mention_is(topics):
    html = render_linked("# Esketamine\n\n## About esketamine\n\nEsketamine is a spray.")
    assert parse(html).select("h2") and linked(html) == ["Esketamine"]
    assert len(parse(html).select("p a.term__link")) == 1  # not in a heading


@pytest.mark.parametrize(
    "text",
    [
        "See [esketamine](https://example.org/).",
        "Type `esketamine` into the box.",
        "```\nesketamine\n```",
        "    esketamine in an indented code block",
        'A raw <a href="https://example.org/">link about esketamine</a> here.',
        "Raw <code>esketamine</code> code.",
    ],
)
def test_terms_inside_links_and_code_are_not_linked(topics, text):
    assert linked(render_linked(text)) == []


def test_term_after_a_raw_link_is_linked(topics):
    html = render_linked('A <a href="https://example.org/">site</a> on esketamine.')
    assert linked(html) == ["esketamine"]


def test_sources_are_not_linked(topics):
    html = render_linked("A claim.[^1]\n\n[^1]: Smith J. Esketamine trial. BMJ. 2020.")
    assert linked(html) == []


def test_topic_intro_never_links_to_its_own_topic(topics):
    topic = topics["esketamine"]
    topic.intro = "Esketamine (Spravato) is used for depression."
    topic.save()
    assert linked(topic.intro_html) == ["depression"]
    assert "/topics/esketamine/" not in topic.intro_html


def test_article_links_its_own_topics(topics):
    article = PublishedArticleFactory(body="Esketamine is a spray.", topics=[topics["esketamine"]])
    assert linked(article.body_html) == ["Esketamine"]


def test_nothing_is_linked_without_a_matcher(topics):
    assert linked(render_markdown("Esketamine.")) == []


# --- the definition ------------------------------------------------------------------------


def test_definition_describes_the_link_for_hover_focus_and_screen_readers(topics):
    html = render_linked("Esketamine is a spray.")
    assertInHTML(
        '<span class="term"><a aria-describedby="term-def-esketamine" class="term__link" '
        'href="/topics/esketamine/">Esketamine</a><span class="term__def" '
        'id="term-def-esketamine" role="tooltip">A nasal spray form of ketamine.</span></span>',
        html,
    )


def test_link_has_no_description_when_the_topic_has_no_definition(db):
    TopicFactory(name="Insomnia", definition="")
    html = render_linked("Insomnia is common.")
    assert linked(html) == ["Insomnia"]
    assert "aria-describedby" not in html and "term__def" not in html


def test_definition_is_escaped(db):
    TopicFactory(name="Insomnia", definition='Poor sleep & "worse" <b>days</b>.')
    html = render_linked("Insomnia is common.")
    assert 'Poor sleep &amp; "worse" &lt;b&gt;days&lt;/b&gt;.' in html
    assert "<b>" not in html


def test_hostile_topic_name_and_definition_stay_inert(db):
    TopicFactory(name=HOSTILE, definition=HOSTILE, aliases=f"Sleep {HOSTILE}\nInsomnia")
    html = render_linked("Insomnia and sleep <img src=x onerror=alert(1)> problems.")
    assert "<img" not in html
    assert "onerror=alert(1)&gt;" in html  # the definition, as text
    assert linked(html) == ["Insomnia"]


def test_author_markup_that_looks_like_a_term_is_still_sanitised(topics):
    html = render_linked(
        '<span class="term__def" role="button" onclick="x()" style="color:red">Hi</span>'
    )
    assert 'role="button"' not in html and "onclick" not in html and "style" not in html


# --- the matcher --------------------------------------------------------------------------


def test_name_wins_over_another_topics_identical_alias():
    a, b = TopicRef(1, "a", "Depression", ""), TopicRef(2, "b", "Low mood", "")
    matcher = Matcher([(b, ["Low mood", "depression"]), (a, ["Depression"])])
    assert [ref.slug for *_, ref in matcher.scan("depression", set())] == ["a"]


def test_terms_that_cannot_be_whole_words_are_ignored():
    ref = TopicRef(1, "x", "x", "")
    matcher = Matcher([(ref, ["(R)-ketamine", "x", "C++", "  "])])
    assert matcher.term_count == 1  # only "C++": starts with a word character, 2+ chars
    text = "C++ here"
    assert [text[start:end] for start, end, _ in matcher.scan(text, set())] == ["C++"]


def test_matcher_is_rebuilt_when_topics_change(db):
    first = current_matcher()
    assert current_matcher() is first
    TopicFactory(name="Insomnia")
    assert current_matcher() is not first


# --- keeping pages current ------------------------------------------------------------------


def test_pages_are_linked_when_a_topic_they_mention_is_created(db):
    article = PublishedArticleFactory(body="Ask about Spravato.")
    other = TopicFactory(name="Depression", intro="Some use Spravato.")
    topic = Topic(name="Esketamine", aliases="Spravato", definition="A spray.")
    topic.save()
    assert upkeep.topic_saved(topic=topic) == 2
    article.refresh_from_db()
    other.refresh_from_db()
    assert linked(article.body_html) == ["Spravato"]
    assert linked(other.intro_html) == ["Spravato"]


def test_pages_are_rerendered_when_a_topic_is_renamed_or_redefined(topics):
    article = PublishedArticleFactory(body="Ask about Spravato.")
    topic = Topic.objects.get(pk=topics["esketamine"].pk)
    topic.definition = "A new definition."
    topic.save()
    upkeep.topic_saved(topic=topic)
    article.refresh_from_db()
    assert "A new definition." in article.body_html

    topic.aliases = ""
    topic.save()
    upkeep.topic_saved(topic=topic)
    article.refresh_from_db()
    assert linked(article.body_html) == []


def test_nothing_is_rerendered_when_the_topic_text_did_not_change(
    topics, django_assert_num_queries
):
    topic = Topic.objects.get(pk=topics["esketamine"].pk)
    topic.is_featured = True
    topic.save()
    with django_assert_num_queries(0):
        assert upkeep.topic_saved(topic=topic) == 0


def test_links_are_removed_when_a_topic_is_deleted(topics):
    article = PublishedArticleFactory(body="Ask about Spravato.")
    assert linked(article.body_html) == ["Spravato"]
    with upkeep.deleting_topics([topics["esketamine"]]):
        topics["esketamine"].delete()
    article.refresh_from_db()
    assert linked(article.body_html) == []


def test_rerender_content_links_existing_pages(db, capsys):
    article = PublishedArticleFactory(body="Ask about Spravato.")
    Topic.objects.bulk_create([Topic(name="Esketamine", slug="esketamine", aliases="Spravato")])
    Article.objects.filter(pk=article.pk).update(body_html="<p>stale</p>")
    call_command("rerender_content")
    article.refresh_from_db()
    assert linked(article.body_html) == ["Spravato"]
    assert "1 changed" in capsys.readouterr().out


def test_admin_approval_rerenders_pages_that_mention_the_topic(
    client, superuser, medical_editor, topics
):
    article = PublishedArticleFactory(body="Ask about Spravato.")
    topic = topics["esketamine"]
    client.force_login(superuser)
    response = client.post(
        f"/admin/articles/topic/{topic.pk}/change/",
        {
            "name": topic.name,
            "headline": topic.headline,
            "definition": "Changed in the admin.",
            "aliases": "Spravato",
            "intro": "",
            "safety_notice": "",
            # The related-topics list, left as it is (none).
            "related_links-TOTAL_FORMS": "0",
            "related_links-INITIAL_FORMS": "0",
            # The medical codes inline (the API's lookup), empty.
            "codes-TOTAL_FORMS": "0",
            "codes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert "Changed in the admin." not in article.body_html  # pending: not yet approved
    client.force_login(medical_editor)
    assert press_step(client, topic, "approve_topic").status_code == 302
    article.refresh_from_db()
    assert "Changed in the admin." in article.body_html
