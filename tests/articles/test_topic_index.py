"""/topics/: every topic A to Z, with how many published articles each has.

Up to views.INDEX_ONE_PAGE topics, all on one page; beyond, one letter a page, paginated.
Tests of the second mode lower the threshold and the page size rather than make hundreds
of topics.
"""

import html
import importlib
import re

import pytest
from django.apps import apps
from pytest_django.asserts import assertInHTML

from articles import views
from articles.management.commands import seed_bulk
from articles.models import Topic, index_position
from tests.articles.public_helpers import (
    LARGE,
    SMALL,
    assert_same_queries_at_two_sizes,
    published_articles,
)
from tests.factories import HIDDEN_STATES, PublishedArticleFactory, TopicFactory, hidden_article

pytestmark = pytest.mark.django_db


SECTION = re.compile(r'<h2 id="letter-[^"]*">([^<]*)</h2>(.*?)</section>', re.S)
ENTRY = re.compile(r'<li><a href="[^"]*">([^<]*)</a>')


def letters_on(response) -> dict[str, list[str]]:
    """The topic names the page lists under each letter heading, in order."""
    page = response.content.decode()
    return {
        html.unescape(letter): [html.unescape(name) for name in ENTRY.findall(section)]
        for letter, section in SECTION.findall(page)
    }


def test_index_groups_topics_by_first_letter_when_topics_exist(client):
    for name in ["Esketamine", "Depression", "electroconvulsive therapy", "Anxiety"]:
        TopicFactory(name=name)

    response = client.get("/topics/")

    assert letters_on(response) == {
        "A": ["Anxiety"],
        "D": ["Depression"],
        "E": ["electroconvulsive therapy", "Esketamine"],
    }


def test_index_files_topic_under_plain_letter_when_name_starts_with_an_accent(client):
    TopicFactory(name="Éclampsia")
    TopicFactory(name="Esketamine")
    TopicFactory(name="Depression")

    response = client.get("/topics/")

    assert letters_on(response) == {"D": ["Depression"], "E": ["Éclampsia", "Esketamine"]}


def test_index_puts_topic_under_hash_when_name_starts_with_a_digit_or_symbol(client):
    TopicFactory(name="5-HT3 antagonists")
    TopicFactory(name="$")

    response = client.get("/topics/")

    assert sorted(letters_on(response)["#"]) == ["$", "5-HT3 antagonists"]


def test_index_links_each_topic_when_topics_exist(client):
    topic = TopicFactory(name="Esketamine")

    response = client.get("/topics/")

    assert f'<a href="{topic.get_absolute_url()}">Esketamine</a>' in response.content.decode()


def test_index_counts_only_published_articles_when_topic_has_hidden_ones(client):
    topic = TopicFactory(name="Esketamine")
    PublishedArticleFactory.create_batch(2, topics=[topic])
    for state in HIDDEN_STATES:
        hidden_article(state, topics=[topic])

    response = client.get("/topics/")

    assert "(2 articles)" in response.content.decode()


def test_index_shows_aliases_when_topic_has_them(client):
    TopicFactory(name="Esketamine", aliases="Spravato\n  esketamine   nasal spray ")

    response = client.get("/topics/")

    assert "also called Spravato, esketamine nasal spray" in response.content.decode()


def test_index_says_nothing_of_aliases_that_are_only_blank_lines(client):
    # Saved without clean() (a bulk insert, a script): nothing to show, so no "also called".
    TopicFactory(name="Esketamine", aliases=" \n\u200b\n  ")

    response = client.get("/topics/")

    assert "Esketamine</a>" in response.content.decode()
    assert "also called" not in response.content.decode()


def test_index_says_one_article_or_none_in_words(client):
    PublishedArticleFactory(topics=[TopicFactory(name="Esketamine")])
    TopicFactory(name="Ketamine")

    html = client.get("/topics/").content.decode()

    assert 'Esketamine</a> <span class="muted">(1 article)</span>' in html
    assert 'Ketamine</a> <span class="muted">(0 articles)</span>' in html


def test_index_entry_shows_name_count_and_aliases_when_topic_has_them(client):
    topic = TopicFactory(name="Esketamine", aliases="Spravato\nesketamine nasal spray")
    PublishedArticleFactory.create_batch(2, topics=[topic])

    response = client.get("/topics/")

    assertInHTML(
        f'<li><a href="{topic.get_absolute_url()}">Esketamine</a>'
        ' <span class="muted">(2 articles)</span>'
        ' <span class="muted">– also called Spravato, esketamine nasal spray</span></li>',
        response.content.decode(),
        count=1,
    )


def test_index_escapes_topic_names_and_aliases(client):
    TopicFactory(name="<b>Bold</b> & co", aliases="<i>x</i>")

    html = client.get("/topics/").content.decode()

    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in html and "<b>Bold" not in html
    assert "also called &lt;i&gt;x&lt;/i&gt;" in html


def test_index_says_there_are_no_topics_when_there_are_none(client):
    response = client.get("/topics/")

    assert "There are no topics yet." in response.content.decode()


# --- where a name is filed -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "position"),
    [
        ("Éclampsia", ("E", "eclampsia")),
        ("ébola", ("E", "ebola")),
        ("anxiety", ("A", "anxiety")),
        ("DEPRESSION", ("D", "depression")),
        ("3-day fever", ("#", "3-day fever")),
        ("$", ("#", "$")),
        ("Депрессия", ("Д", "депрессия")),
    ],
)
def test_name_is_filed_by_folded_first_letter_when_indexed(name, position):
    assert index_position(name) == position


def test_key_fits_its_column_when_folding_lengthens_a_long_name():
    _, key = index_position("\ufdfa" * 100)  # each folds to 18 characters

    assert len(key) == Topic._meta.get_field("index_key").max_length


def test_topic_is_filed_when_saved():
    topic = TopicFactory(name="ébola")

    topic.refresh_from_db()

    assert (topic.index_letter, topic.index_key) == ("E", "ebola")


def test_topic_is_filed_again_when_renamed_with_update_fields():
    topic = TopicFactory(name="Zika")
    topic.name = "Éclampsia"

    topic.save(update_fields=["name"])
    topic.refresh_from_db()

    assert (topic.index_letter, topic.index_key) == ("E", "eclampsia")


def test_existing_topics_are_filed_when_migration_runs():
    topic = TopicFactory(name="Éclampsia")
    Topic.objects.update(index_letter="", index_key="")

    migration = importlib.import_module("articles.migrations.0008_topic_index_letter")
    migration.file_topics(apps, None)

    topic.refresh_from_db()
    assert (topic.index_letter, topic.index_key) == ("E", "eclampsia")


def test_bulk_loaded_topics_are_filed_when_seeded():
    # The command's topic step alone: the whole command vacuums, outside any transaction.
    seed_bulk.Command()._topics(2)

    assert set(Topic.objects.values_list("index_letter", "index_key")) == {
        ("B", "bulk topic 0"),
        ("B", "bulk topic 1"),
    }


# --- up to INDEX_ONE_PAGE topics: one page ---------------------------------------------------


def test_index_links_letters_to_their_sections_when_topics_fit_on_one_page(client):
    TopicFactory(name="Depression")
    TopicFactory(name="5-HT3 antagonists")

    html = client.get("/topics/").content.decode()

    assert '<a href="#letter-#">#</a>' in html
    assert '<a href="#letter-D">D</a>' in html
    assert 'aria-label="Pages"' not in html


def test_index_shows_every_topic_when_letter_and_page_are_asked_of_one_page(client):
    TopicFactory(name="Depression")
    TopicFactory(name="Anxiety")

    response = client.get("/topics/?letter=Q&page=abc")

    assert response.status_code == 200
    assert letters_on(response) == {"A": ["Anxiety"], "D": ["Depression"]}


# --- more than INDEX_ONE_PAGE topics: one letter a page --------------------------------------


@pytest.fixture
def many_topics(monkeypatch):
    """Eight topics, over a threshold of three; two a page: E has two pages."""
    monkeypatch.setattr(views, "INDEX_ONE_PAGE", 3)
    monkeypatch.setattr(views, "INDEX_PAGE_SIZE", 2)
    names = ["Esketamine", "Éclampsia", "ébola", "Depression", "anxiety", "3-day fever", "Zika"]
    topics = {name: TopicFactory(name=name) for name in names}
    topics["Депрессия"] = TopicFactory(name="Депрессия", aliases="Depressiya")
    return topics


def test_index_shows_only_the_first_letter_when_there_are_many_topics(client, many_topics):
    response = client.get("/topics/")

    assert letters_on(response) == {"#": ["3-day fever"]}


def test_index_shows_the_letter_asked_for_in_order_when_there_are_many_topics(client, many_topics):
    response = client.get("/topics/?letter=E")

    assert letters_on(response) == {"E": ["ébola", "Éclampsia"]}


def test_index_shows_the_rest_of_a_letter_on_its_second_page(client, many_topics):
    response = client.get("/topics/?letter=E&page=2")

    html = response.content.decode()
    assert letters_on(response) == {"E": ["Esketamine"]}
    # A letter's pages are not counted (views.topic_index): the page is named, not "of 2".
    assert '<span aria-current="page">Page 2</span>' in html
    assert 'rel="prev" href="?letter=E&amp;page=1"' in html
    assert 'rel="next"' not in html


def test_index_links_to_the_next_page_of_the_letter_when_there_is_one(client, many_topics):
    html = client.get("/topics/?letter=E").content.decode()

    assert 'rel="next" href="?letter=E&amp;page=2"' in html
    assert '<span aria-current="page">Page 1</span>' in html


def test_index_links_every_letter_with_topics_when_there_are_many_topics(client, many_topics):
    html = client.get("/topics/?letter=E").content.decode()

    for letter in ["%23", "A", "D", "Z", "%D0%94"]:  # "#" and "Д", encoded
        assert f'<a href="?letter={letter}">' in html
    assert "?letter=B" not in html


def test_index_marks_the_letter_shown_when_there_are_many_topics(client, many_topics):
    html = client.get("/topics/?letter=E").content.decode()

    assert '<a href="?letter=E" aria-current="page">E</a>' in html
    assert html.count('aria-current="page">') == 2  # the letter, and "Page 1 of 2"


def test_index_shows_counts_and_aliases_when_there_are_many_topics(client, many_topics):
    PublishedArticleFactory.create_batch(3, topics=[many_topics["Депрессия"]])

    html = client.get("/topics/?letter=%D0%94").content.decode()

    assert "(3 articles)" in html
    assert "also called Depressiya" in html


def test_index_title_names_the_letter_and_page_when_there_are_many_topics(client, many_topics):
    html = client.get("/topics/?letter=E&page=2").content.decode()

    assert "<title>Topics A–Z: E, page 2" in html


def test_index_links_no_next_page_when_a_letter_just_fills_one_page(client, many_topics):
    TopicFactory(name="Zinc")  # Z: two topics, two a page

    response = client.get("/topics/?letter=Z")

    assert letters_on(response) == {"Z": ["Zika", "Zinc"]}
    assert 'aria-label="Pages"' not in response.content.decode()
    assert client.get("/topics/?letter=Z&page=2").status_code == 404


def test_index_lists_every_topic_on_one_page_up_to_the_limit(client, monkeypatch):
    monkeypatch.setattr(views, "INDEX_ONE_PAGE", 3)
    for name in ["Anxiety", "Depression", "Zika"]:
        TopicFactory(name=name)

    response = client.get("/topics/?letter=Z")

    assert letters_on(response) == {"A": ["Anxiety"], "D": ["Depression"], "Z": ["Zika"]}


def test_index_goes_letter_by_letter_one_topic_past_the_limit(client, monkeypatch):
    monkeypatch.setattr(views, "INDEX_ONE_PAGE", 3)
    for name in ["Anxiety", "Depression", "Zika", "Zinc"]:
        TopicFactory(name=name)

    response = client.get("/topics/?letter=Z")

    assert letters_on(response) == {"Z": ["Zika", "Zinc"]}


@pytest.mark.parametrize("letter", ["B", "e", "EE", "%3Cscript%3E", "%FF"])
def test_index_is_not_found_when_no_topics_are_under_the_letter(client, many_topics, letter):
    response = client.get(f"/topics/?letter={letter}")

    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()


@pytest.mark.parametrize("page", ["abc", "3", "0", "-1", "1.5", "9" * 5000, "10001", str(10**30)])
def test_index_is_not_found_when_page_number_is_bad(client, many_topics, page):
    response = client.get(f"/topics/?letter=E&page={page}")

    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()


def test_index_shows_the_first_page_when_page_is_empty(client, many_topics):
    response = client.get("/topics/?letter=E&page=")

    assert letters_on(response) == {"E": ["ébola", "Éclampsia"]}


@pytest.mark.parametrize("one_page", [300, 3], ids=["all on one page", "one letter a page"])
def test_index_costs_the_same_queries_at_any_size(client, monkeypatch, one_page):
    monkeypatch.setattr(views, "INDEX_ONE_PAGE", one_page)
    TopicFactory.create_batch(SMALL + 3)  # more than 3: paginated at both sizes under 3
    published_articles(SMALL, topics=[TopicFactory()])

    def grow():
        topics = TopicFactory.create_batch(LARGE - SMALL)
        published_articles(LARGE - SMALL, topics=topics[:5])

    assert_same_queries_at_two_sizes(
        client,
        "/topics/",
        grow=grow,
        # 1. the letters that have topics, and whether there are more than fit on one page
        # 2. the topics shown (all, or a page of one letter's), each with its stored count
        #    of live articles less scheduled ones
        expected=2,
    )


def test_a_bulk_insert_files_topics_a_to_z_too(client):
    Topic.objects.bulk_create([Topic(name="Éclampsia", slug="eclampsia")])

    topic = Topic.objects.get(slug="eclampsia")

    assert (topic.index_letter, topic.index_key) == ("E", "eclampsia")


# --- the whole alphabet and alias entries (issue 19) ----------------------------------------


def test_index_shows_every_letter_but_links_only_letters_with_topics(client):
    TopicFactory(name="Esketamine")

    html = client.get("/topics/").content.decode()

    assert '<a href="#letter-E">E</a>' in html
    for letter in "ABCDFGHIJKLMNOPQRSTUVWXYZ":
        assert (
            f'<span class="az-nav__empty" title="No topics under {letter}">{letter}</span>' in html
        )
        assert f'href="#letter-{letter}"' not in html


def test_index_shows_every_letter_when_there_are_many_topics(client, many_topics):
    html = client.get("/topics/?letter=E").content.decode()

    assert '<span class="az-nav__empty" title="No topics under B">B</span>' in html
    assert '<a href="?letter=Z">Z</a>' in html


def test_index_lists_an_alias_under_its_own_letter_pointing_to_its_topic(client):
    topic = TopicFactory(name="Esketamine", aliases="Spravato\n\nS-ketamine")

    response = client.get("/topics/")

    see = (
        '<li class="topic-list__alias">Spravato <span class="muted">– see</span>'
        f' <a href="/topics/{topic.slug}/">Esketamine</a></li>'
    )
    assertInHTML(see, response.content.decode())
    sections = dict(SECTION.findall(response.content.decode()))
    assert "Spravato" in sections["S"] and "S-ketamine" in sections["S"]
    assert "Spravato" not in sections["E"].split("also called")[0]


def test_index_escapes_alias_entries(client):
    TopicFactory(name="Esketamine", aliases="<b>Bad</b>")

    html = client.get("/topics/").content.decode()

    assert "<b>Bad</b>" not in html
    assert "&lt;b&gt;Bad&lt;/b&gt; <span" in html


def test_index_gives_no_alias_entry_when_another_topic_has_that_name(client):
    TopicFactory(name="Ketamine")
    TopicFactory(name="Esketamine", aliases="ketamine")

    html = client.get("/topics/").content.decode()

    assert "– see</span>" not in html
