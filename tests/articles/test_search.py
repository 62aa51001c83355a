"""Search: /search/?q= over published articles and topics (articles/search.py).

Tests without a mark run on both databases (PostgreSQL full-text search, or SQLite's FTS5
index); those marked `postgres` need PostgreSQL's stemming, synonyms or snippet windows.
"""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from articles import crisis_help, models, reads, search, upkeep
from articles.models import Article, Status
from articles.search import START, STOP, clean_query, expansions, find, highlight
from tests.articles.public_helpers import card_titles
from tests.factories import (
    ArticleFactory,
    PublishedArticleFactory,
    ScheduledArticleFactory,
    TopicFactory,
)
from tests.html import parse

pytestmark = pytest.mark.django_db

SEARCH = "/search/"


def titles(response) -> list[str]:
    return card_titles(response)


def topic_names(response) -> list[str]:
    found = parse(response).select('section[aria-labelledby=topic-results] a[href^="/topics/"]')
    return [link.text for link in found]


# --- what is found ------------------------------------------------------------------------


def test_topic_is_listed_with_its_articles_when_its_name_matches(client, esketamine):
    PublishedArticleFactory(title="Esketamine: a guide", topics=[esketamine])
    response = client.get(SEARCH, {"q": "esketamine"})
    assert response.status_code == 200
    assert topic_names(response) == ["Esketamine"]
    assert titles(response) == ["Esketamine: a guide"]
    headings = [h2.get("id") for h2 in parse(response).select("h2[id]")]
    assert headings.index("topic-results") < headings.index("article-results")


def test_alias_finds_the_topic_and_its_articles_when_searching_a_brand_name(client, esketamine):
    PublishedArticleFactory(title="What happens at a treatment session", topics=[esketamine])
    PublishedArticleFactory(title="Sleep and mood")
    response = client.get(SEARCH, {"q": "spravato"})
    assert topic_names(response) == ["Esketamine"]
    assert titles(response) == ["What happens at a treatment session"]


def test_abbreviation_finds_treatment_resistant_depression_when_searching_trd(client, trd):
    PublishedArticleFactory(title="When antidepressants have not helped", topics=[trd])
    response = client.get(SEARCH, {"q": "TRD"})
    assert topic_names(response) == ["Treatment-resistant depression"]
    assert titles(response) == ["When antidepressants have not helped"]


def test_unpublished_articles_never_appear_when_they_match(client, clinician):
    PublishedArticleFactory(title="Ketamine: published")
    ArticleFactory(title="Ketamine: draft", author=clinician)
    ArticleFactory(title="Ketamine: in review", author=clinician, status=Status.IN_REVIEW)
    PublishedArticleFactory(
        title="Ketamine: scheduled", published_at=timezone.now() + datetime.timedelta(days=2)
    )
    PublishedArticleFactory(title="Ketamine: archived", status=Status.ARCHIVED, live=False)
    response = client.get(SEARCH, {"q": "ketamine"})
    assert titles(response) == ["Ketamine: published"]


def test_results_are_paginated_by_twenty_when_many_match(client):
    for n in range(23):
        PublishedArticleFactory(title=f"Ketamine note {n}")
    first = client.get(SEARCH, {"q": "ketamine"})
    second = client.get(SEARCH, {"q": "ketamine", "page": 2})
    assert len(titles(first)) == 20
    assert len(titles(second)) == 3
    assert "23 articles found" in first.content.decode()


def test_title_hit_ranks_above_body_hit_when_both_match(client):
    PublishedArticleFactory(
        title="Living with low mood",
        body="Ketamine is mentioned here. Ketamine again. And ketamine a third time.",
        published_at=timezone.now() - datetime.timedelta(hours=1),
    )
    PublishedArticleFactory(
        title="Ketamine explained",
        body="Nothing else to see.",
        published_at=timezone.now() - datetime.timedelta(days=30),
    )
    response = client.get(SEARCH, {"q": "ketamine"})
    assert titles(response) == ["Ketamine explained", "Living with low mood"]


def test_broad_query_ranks_its_newest_matches_up_to_the_limit_titles_first(client, monkeypatch):
    monkeypatch.setattr(search, "COUNT_LIMIT", 3)
    now = timezone.now()
    # Written in the order they were published: SQLite takes the newest written (search.py).
    for hours, title in [(5, "Note 5"), (4, "Note 4"), (3, "Ketamine explained"), (2, "Note 2"),
                         (1, "Note 1")]:  # fmt: skip
        PublishedArticleFactory(
            title=title,
            summary="About ketamine.",
            published_at=now - datetime.timedelta(hours=hours),
        )
    response = client.get(SEARCH, {"q": "ketamine"})
    assert response.context["results"].more
    assert "More than 3 articles found" in response.content.decode()
    # Only the three newest matches are ranked: the cost stays the same at any size.
    assert sorted(titles(response)) == ["Ketamine explained", "Note 1", "Note 2"]
    if connection.vendor == "postgresql":  # ranked; the fallback lists newest first
        assert titles(response)[0] == "Ketamine explained"


@pytest.mark.postgres
def test_body_words_are_found_with_stemming_on_postgresql(client):
    PublishedArticleFactory(title="A session, step by step", body="Patients are monitored closely.")
    response = client.get(SEARCH, {"q": "monitoring"})
    assert titles(response) == ["A session, step by step"]


@pytest.mark.parametrize("typo", ["ketamin", "ketamne"])
def test_misspelled_word_matches_a_title_when_close(client, typo):
    PublishedArticleFactory(title="Ketamine infusions for depression")
    response = client.get(SEARCH, {"q": typo})
    assert titles(response) == ["Ketamine infusions for depression"]


def test_close_spellings_are_looked_for_only_when_the_words_find_nothing(client):
    PublishedArticleFactory(title="Ketamine infusions", body="About infusions.")
    # Nowhere in any article's words: the titles spelled closest.
    assert titles(client.get(SEARCH, {"q": "ketamne"})) == ["Ketamine infusions"]
    PublishedArticleFactory(title="A clinic visit", body="Ketamne, as the leaflet misspells it.")
    # In an article's words: that article, not the close title.
    assert titles(client.get(SEARCH, {"q": "ketamne"})) == ["A clinic visit"]


@pytest.mark.postgres
def test_misspelled_topic_finds_the_topic_and_its_articles(client, esketamine):
    PublishedArticleFactory(title="What happens at a treatment session", topics=[esketamine])
    response = client.get(SEARCH, {"q": "esketamne"})
    assert topic_names(response) == ["Esketamine"]
    assert titles(response) == ["What happens at a treatment session"]


@pytest.mark.postgres
def test_alias_also_finds_untagged_articles_that_use_the_topic_name(client, esketamine):
    PublishedArticleFactory(title="Nasal sprays", body="Esketamine is given in a clinic.")
    response = client.get(SEARCH, {"q": "spravato"})
    assert titles(response) == ["Nasal sprays"]


def test_article_is_found_by_its_new_topic_when_topics_change(client, esketamine):
    article = PublishedArticleFactory(title="A clinic visit")
    assert titles(client.get(SEARCH, {"q": "spravato"})) == []
    article.topics.add(esketamine)
    assert titles(client.get(SEARCH, {"q": "spravato"})) == ["A clinic visit"]


@pytest.mark.postgres
def test_article_is_found_by_a_new_alias_when_its_topic_gains_one(client, esketamine):
    PublishedArticleFactory(title="A clinic visit", topics=[esketamine])
    esketamine.aliases += "\nS-ketamine"
    esketamine.save()
    upkeep.topic_saved(topic=esketamine)
    assert titles(client.get(SEARCH, {"q": "s-ketamine"})) == ["A clinic visit"]


# --- snippets -----------------------------------------------------------------------------


def snippet_of(response) -> str:
    """The snippet of the one result, as the HTML sent."""
    return parse(response).one(".card__snippet").inner_html


def test_snippet_highlights_the_hit_and_escapes_html_from_the_body(client):
    PublishedArticleFactory(
        title="Sprays",
        body='Before <script>alert(1)</script> the esketamine spray: 5 < 6 & "x" > 2 and more.',
    )
    response = client.get(SEARCH, {"q": "esketamine"})
    snippet = snippet_of(response)
    assert "<mark>esketamine</mark>" in snippet
    assert "<script" not in response.content.decode().split('id="article-results"')[1]
    assert "5 &lt; 6 &amp; &quot;x&quot; &gt; 2" in snippet


def test_sentinel_characters_in_the_body_cannot_forge_highlights(client):
    PublishedArticleFactory(title="Sprays", body=f"A {START}fake{STOP} mark near esketamine.")
    snippet = snippet_of(client.get(SEARCH, {"q": "esketamine"}))
    assert snippet.count("<mark>") == 1
    assert "<mark>esketamine</mark>" in snippet


@pytest.mark.postgres
def test_snippet_shows_a_hit_far_into_a_long_body_in_whole_words(client):
    filler = [f"x{n:05}" for n in range(600)]
    sentence = "Patients are offered esketamine by nurses."
    body = " ".join([*filler[:300], sentence, *filler[300:359], "esketamine", *filler[359:]])
    # The snippet's window starts SNIPPET_BEFORE before the first hit, 2,100 characters in,
    # and ends in the middle of the word after the second, cutting it to "x003".
    end = body.index("esketamine") - search.SNIPPET_BEFORE + search.SNIPPET_WINDOW
    assert body[end - 15 : end + 2] == "esketamine x00359"
    PublishedArticleFactory(title="Treatment options", body=body)
    snippet = snippet_of(client.get(SEARCH, {"q": "esketamine"}))
    assert "offered <mark>esketamine</mark> by nurses." in snippet
    assert snippet.endswith("<mark>esketamine</mark>")
    # The word the window cut in half is not shown.
    words = set(re.sub(r"</?mark>", "", snippet).split()) - {"…"}
    assert words <= {*filler, *sentence.split()}


@pytest.mark.postgres
def test_snippet_finds_a_stemmed_form_and_a_synonym(client, esketamine):
    PublishedArticleFactory(title="Checks", body=f"{'x ' * 600} Staff monitored you closely.")
    PublishedArticleFactory(title="Brands", body=f"{'y ' * 600} Spravato is a nasal spray.")
    assert "<mark>monitored</mark>" in snippet_of(client.get(SEARCH, {"q": "monitoring"}))
    # "esketamine" also searches for its topic's alias, Spravato (see the fixture).
    assert "<mark>Spravato</mark>" in snippet_of(client.get(SEARCH, {"q": "esketamine"}))


def test_result_is_the_articles_card_with_its_topics(client, esketamine):
    article = PublishedArticleFactory(title="Esketamine explained", topics=[esketamine])
    html = client.get(SEARCH, {"q": "esketamine"}).content.decode()
    result = html.split('id="article-results"')[1]
    card_start, meta = article.card_html.split('<p class="card__meta">')
    assert card_start in result and meta.removesuffix("</article>") in result
    results = parse(html).one("section[aria-labelledby=article-results]")
    assert results.one("article.card .card__topics").text == esketamine.name


@pytest.mark.postgres
def test_snippet_is_taken_where_a_word_of_the_query_starts_not_inside_another(client):
    filler = " ".join(["plain words here"] * 60)  # about 1,000 characters
    PublishedArticleFactory(
        title="Checks", body=f"Cardiac checks and scars come first. {filler} Good care matters."
    )
    assert "Good <mark>care</mark> matters" in snippet_of(client.get(SEARCH, {"q": "care"}))


def test_highlight_escapes_everything_but_its_own_marks():
    assert highlight(f'<b>"x"</b> & {START}dose{STOP}') == (
        "&lt;b&gt;&quot;x&quot;&lt;/b&gt; &amp; <mark>dose</mark>"
    )
    assert highlight("no hit here") == ""


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "!!! ??? ...",
        "'; DROP TABLE articles_article;--",
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "x" * 5000,
        "ketamine\t",
        "\u202eenimatek",
        "-",
        '"',
        "a | b & !c :*",
    ],
)
def test_bad_input_gets_a_page_never_an_error_when_searching(client, query):
    PublishedArticleFactory(title="Ketamine explained")
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html


def test_a_control_character_in_the_query_is_a_400_never_an_error(client):
    # No keyboard types one: hub.middleware answers before search sees it.
    response = client.get(SEARCH, {"q": "ketamine\x00"})
    assert response.status_code == 400


@pytest.mark.parametrize("query", ["", "!!!", "\u200b", "—"])
def test_clear_message_is_shown_when_the_query_has_no_words(client, query):
    html = client.get(SEARCH, {"q": query}).content.decode()
    if query:
        assert "Please type a word to search for" in html
    else:
        assert "Type a condition, a treatment or a medicine name." in html


def test_long_query_is_shortened_with_a_message(client):
    html = client.get(SEARCH, {"q": "ketamine " * 600}).content.decode()
    assert "only its first 200 characters were used" in html


def test_query_is_escaped_when_shown_back(client):
    html = client.get(SEARCH, {"q": "<b>ketamine</b>"}).content.decode()
    assert "<b>ketamine</b>" not in html
    assert "&lt;b&gt;ketamine&lt;/b&gt;" in html


def test_bytes_that_are_not_utf8_get_a_message(client):
    response = client.get(f"{SEARCH}?q=%FF%FE")
    assert response.status_code == 200
    assert "Please type a word to search for" in response.content.decode()


def test_first_query_is_used_when_q_is_repeated(client):
    PublishedArticleFactory(title="Ketamine explained")
    response = client.get(f"{SEARCH}?q=ketamine&q=zzzz")
    assert response.context["query"] == "ketamine"
    assert titles(response) == ["Ketamine explained"]


@pytest.mark.parametrize("page", ["abc", "0", "-1", "999", "1.5", "%FF", "9" * 30])
def test_bad_page_number_still_gets_a_page(client, page):
    PublishedArticleFactory(title="Ketamine explained")
    response = client.get(f"{SEARCH}?q=ketamine&page={page}")
    assert response.status_code == 200
    assert titles(response) == ["Ketamine explained"]


def test_clean_query_drops_control_and_replacement_characters():
    assert clean_query("  keta\x00mine\ufffd  \n ") == "ketamine"
    assert clean_query("\ufffd\ufffd") == ""
    assert len(clean_query("y" * 5000)) == 200


def test_find_returns_no_results_and_a_message_for_punctuation():
    results = find("?!")
    assert results.query == "" and results.page is None and results.topics == []
    assert results.message


# --- query counts -----------------------------------------------------------------------


@pytest.mark.parametrize("matches", [2, 25])
def test_query_count_is_fixed_whatever_the_number_of_results(
    client, django_assert_num_queries, esketamine, matches
):
    for n in range(matches):
        PublishedArticleFactory(title=f"Esketamine note {n}", topics=[esketamine])
    crisis_help.active_lines()  # the "Get help now" card's lines, kept once read
    # PostgreSQL: 1 topics, 2 the count, the ranked page, its snippets and topics.
    # SQLite: 1 topics, 2 the count, 3 the page's cards, 4 their topics.
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 4):
        response = client.get(SEARCH, {"q": "esketamine"})
    assert len(titles(response)) == min(matches, 20)


def test_no_query_is_run_when_there_is_nothing_to_search_for(client, django_assert_num_queries):
    crisis_help.active_lines()  # the "Get help now" card's lines, kept once read
    with django_assert_num_queries(0):
        client.get(SEARCH, {"q": "!!!"})


# --- related articles ---------------------------------------------------------------------


def test_related_articles_share_the_most_topics_newest_first(esketamine, trd):
    other = TopicFactory(name="Sleep")
    now = timezone.now()
    article = PublishedArticleFactory(title="Main", topics=[esketamine, trd, other])
    PublishedArticleFactory(
        title="Two shared, older",
        topics=[esketamine, trd],
        published_at=now - datetime.timedelta(days=9),
    )
    PublishedArticleFactory(
        title="Two shared, newer",
        topics=[trd, other],
        published_at=now - datetime.timedelta(days=2),
    )
    PublishedArticleFactory(title="One shared", topics=[esketamine])
    ArticleFactory(title="Draft, shared", topics=[esketamine, trd, other])
    ScheduledArticleFactory(title="Scheduled, shared", topics=[esketamine, trd, other])
    PublishedArticleFactory(title="Nothing shared", topics=[TopicFactory(name="Bones")])
    related = reads.related([esketamine.pk, trd.pk, other.pk], limit=5)
    assert related[0][:2] == (article.pk, 3)  # its page leaves it out
    assert card_titles([card for _, _, card in related]) == [
        "Main",
        "Two shared, newer",
        "Two shared, older",
        "One shared",
    ]


def test_related_articles_cost_one_query_and_stop_at_the_limit(
    esketamine, django_assert_num_queries
):
    for _ in range(7):
        PublishedArticleFactory(topics=[esketamine])
    with django_assert_num_queries(1):
        related = reads.related([esketamine.pk], limit=6)
    assert len(related) == 6
    assert all(parse(card).one("article.card") for _, _, card in related)


def test_article_page_lists_five_related_articles_and_never_itself(
    client, esketamine, page_cache_on
):
    for n in range(7):
        PublishedArticleFactory(title=f"Other {n}", topics=[esketamine])
    newest = PublishedArticleFactory(title="Main", topics=[esketamine])
    oldest = Article.objects.get(title="Other 0")

    for shown in (newest, oldest):  # one cached list of the topic's articles serves both
        html = client.get(shown.get_absolute_url()).content.decode()
        titles = card_titles([parse(html).one("section.related-articles").inner_html])
        assert len(titles) == 5
        assert shown.title not in titles


def test_article_page_lists_related_articles(client, esketamine):
    article = PublishedArticleFactory(title="Main", topics=[esketamine])
    PublishedArticleFactory(title="A related one", topics=[esketamine])
    html = client.get(reverse("articles:detail", kwargs={"slug": article.slug})).content.decode()
    related = parse(html).one("section.related-articles")
    assert card_titles([related.inner_html]) == ["A related one"]
    assert "Main" not in related.inner_html


def test_related_articles_are_empty_for_no_topics(django_assert_num_queries):
    PublishedArticleFactory()
    PublishedArticleFactory()
    with django_assert_num_queries(0):
        assert reads.related([], limit=5) == []


# --- synonyms -------------------------------------------------------------------------------


def test_synonyms_that_find_nothing_more_are_left_out_of_the_query():
    def topic(name, aliases, word_hit=True, similarity=0.0):
        return SimpleNamespace(
            name=name, alias_list=aliases, word_hit=word_hit, similarity=similarity
        )

    trd = topic("Treatment-resistant depression", ["TRD", "treatment resistant depression"])
    assert expansions("TRD", [trd]) == [
        "Treatment-resistant depression",
        "treatment resistant depression",
    ]
    depression = topic("Depression", ["clinical depression", "MDD"])
    assert expansions("depression", [depression]) == ["MDD"]
    esketamine = topic("Esketamine", ["Spravato", "esketamine nasal spray"])
    assert expansions("spravato", [esketamine]) == ["Esketamine"]
    # A close spelling stands in only when nothing matched the words themselves.
    close = topic("Esketamine", ["Spravato"], word_hit=False, similarity=0.8)
    assert expansions("esketamne", [close]) == ["Esketamine", "Spravato"]
    assert expansions("esketamne", [close, topic("Other", [], word_hit=True)]) == []


@pytest.mark.postgres
def test_search_vectors_refresh_for_more_articles_than_one_statement_takes(monkeypatch):
    monkeypatch.setattr(models, "MAX_IDS_PER_STATEMENT", 2)
    articles = [PublishedArticleFactory(title=f"Numbered {n}") for n in range(5)]
    Article.objects.update(search_vector=None, search_head=None)

    assert models.refresh_search_vectors(a.pk for a in articles) == 5
    assert not Article.objects.filter(search_vector__isnull=True).exists()


# --- on both databases: body text, bad input, an index kept current (issue 19) ------------

SIDE_EFFECTS_BODY = """Ketamine is given in a clinic.

## Side effects and safety

Most people feel dizzy or detached for an hour or two."""


def test_body_text_is_found_when_the_words_are_only_in_the_body(client):
    PublishedArticleFactory(title="Ketamine and esketamine", summary="How they compare.",
                            body=SIDE_EFFECTS_BODY)  # fmt: skip
    PublishedArticleFactory(title="Ketamine clinics", summary="Where to go.", body="Addresses.")

    response = client.get(SEARCH, {"q": "ketamine side effects"})

    assert titles(response) == ["Ketamine and esketamine"]
    assert "<mark>" in snippet_of(response)


def test_results_are_ranked_by_relevance_not_date(client):
    now = timezone.now()
    PublishedArticleFactory(title="Sleep", body="Dizzy once.", published_at=now)
    PublishedArticleFactory(
        title="Feeling dizzy after treatment",
        body="Dizzy spells are common.",
        published_at=now - datetime.timedelta(days=60),
    )

    assert titles(client.get(SEARCH, {"q": "dizzy"})) == ["Feeling dizzy after treatment", "Sleep"]


@pytest.mark.parametrize(
    ("query", "found"),
    [('"', False), ('"ketamine', True), ("ketamine*", True), ("*", False),
     ("NEAR(ketamine dose)", False), ("ketamine NEAR dose", False), ("^ketamine", True),
     ("title:ketamine", False), ("ketamine:dose", True), ("ketamine OR", True),
     ("AND", False), ("{title}: x", False), ("k" * 5_000, False), ("(ketamine", True),
     ("ketamine - -", True)],
)  # fmt: skip
def test_search_syntax_characters_are_plain_text_and_never_an_error(client, query, found):
    # Every word is text to find, never an operator.
    PublishedArticleFactory(title="Ketamine dose", body="About the dose.")

    response = client.get(SEARCH, {"q": query})

    assert response.status_code == 200
    if found:  # otherwise each database may list close spellings, or nothing
        assert titles(response) == ["Ketamine dose"]


def test_misspelled_word_finds_the_article_by_its_topic(client, esketamine):
    PublishedArticleFactory(title="What happens at a treatment session", topics=[esketamine])
    PublishedArticleFactory(title="Sleep and mood")

    assert titles(client.get(SEARCH, {"q": "esketamne"})) == ["What happens at a treatment session"]


def test_unrelated_word_finds_nothing_however_common_its_letters(client):
    PublishedArticleFactory(title="Ketamine infusions for depression")

    assert titles(client.get(SEARCH, {"q": "xylophone"})) == []


def test_edited_body_is_searched_as_it_now_reads(client):
    # The summary is set: the factory's is random English and may say "friend" too.
    article = PublishedArticleFactory(
        title="A clinic visit", summary="What to bring.", body="Bring a friend."
    )
    article.body = "Bring your glasses."
    article.save()

    assert titles(client.get(SEARCH, {"q": "glasses"})) == ["A clinic visit"]
    assert titles(client.get(SEARCH, {"q": "friend"})) == []


def test_renamed_topic_is_searched_by_its_new_name(client):
    topic = TopicFactory(name="Low mood")
    PublishedArticleFactory(title="A clinic visit", topics=[topic])
    topic.name = "Melancholia"
    topic.save()
    upkeep.topic_saved(topic=topic)

    assert titles(client.get(SEARCH, {"q": "melancholia"})) == ["A clinic visit"]


def test_deleted_article_leaves_nothing_behind_in_the_index(client):
    article = PublishedArticleFactory(title="Ketamine explained")
    article.delete()
    PublishedArticleFactory(title="Ketamine again")

    assert titles(client.get(SEARCH, {"q": "ketamine"})) == ["Ketamine again"]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {models.FTS_TABLE}")  # noqa: S608
            assert cursor.fetchone()[0] == 1


def test_snippet_marks_whole_words_rather_than_the_inside_of_others(client):
    PublishedArticleFactory(
        title="Sprays", body="Esketamine is related to ketamine, the older drug."
    )

    snippet = snippet_of(client.get(SEARCH, {"q": "ketamine"}))

    assert "<mark>ketamine</mark>, the older" in snippet
    assert "Es<mark>" not in snippet
