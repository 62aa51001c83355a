"""Topic names readers could mistake for another topic's (issue 23, finding 8).

Names and aliases are stored NFKC-normalised with invisible characters removed, by every
writer (Topic.save()); the admin's form refuses a name with no letters or digits, and
one whose confusables skeleton (articles/text.py) matches another topic's name or alias,
naming that topic.
"""

import pytest

from articles.models import Topic
from articles.text import normalise_name, skeleton
from tests.factories import ArticleFactory, TopicFactory

pytestmark = pytest.mark.django_db

TOPIC_ADD = "/admin/articles/topic/add/"


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def cancer():
    return TopicFactory(name="Cancer", aliases="Carcinoma\nTumour")


def _name_errors(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return response.context["adminform"].form.errors["name"]


@pytest.mark.parametrize(
    "name",
    [
        "C\u0430ncer",  # Cyrillic а
        "\uff23\uff41\uff4e\uff43\uff45\uff52",  # fullwidth
        "\U0001d402\U0001d41a\U0001d427\U0001d41c\U0001d41e\U0001d42b",  # mathematical bold
        "Can\u00adcer",  # soft hyphen
        "Can\u200bcer\ufeff",  # zero-width space, BOM
        "\u0421\u0430n\u0441\u0435r",  # mostly Cyrillic
    ],
    ids=["cyrillic", "fullwidth", "math-bold", "soft-hyphen", "zero-width", "mixed"],
)
def test_look_alike_name_is_refused_naming_the_topic_when_it_matches_one(
    editor_client, cancer, name
):
    response = editor_client.post(TOPIC_ADD, {"name": name})

    [error] = _name_errors(response)
    assert "“Cancer”" in error
    assert Topic.objects.count() == 1


def test_look_alike_name_is_refused_naming_the_topic_when_it_matches_an_alias(
    editor_client, cancer
):
    response = editor_client.post(TOPIC_ADD, {"name": "C\u0430rcinoma"})

    assert _name_errors(response) == [
        "“Cаrcinoma” looks like “Carcinoma”, another name for the topic “Cancer”: use that "
        "topic, or a name readers cannot mistake for it."
    ]


def test_look_alike_alias_is_refused_naming_the_topic_when_it_matches_a_name(editor_client, cancer):
    response = editor_client.post(TOPIC_ADD, {"name": "Oncology", "aliases": "C\u0430ncer"})

    errors = response.context["adminform"].form.errors
    assert errors["aliases"] == [
        "“Cаncer” looks like the topic “Cancer”: use that topic, or a name readers cannot "
        "mistake for it."
    ]
    assert not Topic.objects.filter(name="Oncology").exists()


@pytest.mark.parametrize("name", ["\ufffd", "\ufffd\ufffd\ufffd", "\u00ad", "---"])
def test_name_is_refused_when_it_has_no_letters_or_digits(editor_client, name):
    response = editor_client.post(TOPIC_ADD, {"name": name})

    assert _name_errors(response) == ["Enter a name that has letters or numbers in it."]
    assert not Topic.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "Esketamine",
        "ADHD",
        "Café au lait spots",
        "Ψ-therapy",
        "Crohn’s disease",
        "5-HT3 antagonists",
        "Cancer screening",
        "Депрессия",
    ],
)
def test_name_is_accepted_when_it_is_ordinary(editor_client, cancer, name):
    response = editor_client.post(TOPIC_ADD, {"name": name})

    assert response.status_code == 302
    assert Topic.objects.filter(name=name).exists()


def test_name_and_aliases_are_normalised_when_saved_by_code():
    topic = TopicFactory(
        name="\uff2b\uff45\uff54\uff41\uff4d\uff49\uff4e\uff45\u200b",
        aliases="Spra\u00advato\n\n\U0001d412\U0001d429\U0001d42b\U0001d41a\U0001d42f\U0001d41a"
        "\U0001d42d\U0001d428 nasal",
    )

    topic.refresh_from_db()
    assert topic.name == "Ketamine"
    assert topic.aliases == "Spravato\nSpravato nasal"


def test_existing_topic_is_used_when_an_article_adds_it_by_a_look_alike_spelling():
    topic = TopicFactory(name="Cancer")
    article = ArticleFactory()

    article.topics.add("Can\u00adcer")

    assert list(article.topics.all()) == [topic]
    assert Topic.objects.count() == 1


def test_skeletons_differ_when_names_differ_to_a_reader():
    assert skeleton("Esketamine") != skeleton("Ketamine")
    assert skeleton("Café au lait spots") != skeleton("Cafe au lait spots")
    assert skeleton("COVID") == skeleton("C0VID")
    assert normalise_name("\u202eevil\u200f") == "evil"
