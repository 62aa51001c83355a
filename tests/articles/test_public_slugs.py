"""Author pages by a public slug, never the login name (issue 23, finding 10).

A username is half of a staff member's credentials: no public page may show it, and the
old /authors/<username>/ addresses say nothing of accounts without a public page.
"""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from articles.models import Article
from tests.factories import (
    ClinicianFactory,
    EditorFactory,
    PublishedArticleFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

fill_public_slugs = importlib.import_module(
    "accounts.migrations.0004_user_public_slug"
).fill_public_slugs


# --- the slug ---------------------------------------------------------------------------------


def test_slug_is_made_from_the_name_when_left_empty():
    assert ClinicianFactory(
        username="zq7login", first_name="Ana", last_name="Ruiz"
    ).public_slug == ("ana-ruiz")


def test_slug_is_numbered_when_another_person_has_the_name():
    ClinicianFactory(first_name="Ana", last_name="Ruiz")
    assert ClinicianFactory(first_name="Ana", last_name="Ruiz").public_slug == "ana-ruiz-2"


def test_slug_never_spells_the_username_when_the_name_does():
    person = ClinicianFactory(username="ana-ruiz", first_name="Ana", last_name="Ruiz")
    assert person.public_slug == "ana-ruiz-2"


def test_slug_is_generic_when_person_has_no_name():
    person = ClinicianFactory(username="qv3nameless", first_name="", last_name="")
    assert person.public_slug == "author"
    assert person.display_name == "author"  # what readers see: never the login


def test_slug_stays_when_person_is_renamed():
    person = ClinicianFactory(first_name="Ana", last_name="Ruiz")
    person.last_name = "Ruiz-Okafor"
    person.save()
    person.refresh_from_db()
    assert person.public_slug == "ana-ruiz"


def test_slug_an_admin_chose_is_kept():
    assert ClinicianFactory(first_name="Ana", public_slug="dr-ana").public_slug == "dr-ana"


def test_slug_another_person_has_is_refused_with_a_message():
    ClinicianFactory(first_name="Ana", last_name="Ruiz")
    other = ClinicianFactory(first_name="Ana", last_name="Ortiz")
    other.public_slug = "ana-ruiz"
    with pytest.raises(ValidationError, match="Another person has this public address"):
        other.validate_constraints()


def test_slug_that_spells_the_username_is_refused_with_a_message():
    person = ClinicianFactory(username="zq7login", first_name="Ana", last_name="Ruiz")
    person.public_slug = "ZQ7login"
    with pytest.raises(ValidationError, match="must not be the username"):
        person.full_clean()


def test_migration_fills_slugs_from_names_in_order_of_id():
    people = [
        UserFactory(username="first", first_name="Ana", last_name="Ruiz"),
        UserFactory(username="second", first_name="Ana", last_name="Ruiz"),
        UserFactory(username="author", first_name="", last_name=""),
        UserFactory(username="kept", first_name="Kim", last_name="Lee", public_slug="dr-kim"),
    ]
    User.objects.exclude(username="kept").update(public_slug="")

    fill_public_slugs(apps, None)

    slugs = [User.objects.get(pk=p.pk).public_slug for p in people]
    assert slugs == ["ana-ruiz", "ana-ruiz-2", "author-2", "dr-kim"]


# --- the addresses ----------------------------------------------------------------------------


@pytest.fixture
def writer():
    return ClinicianFactory(username="zq7login", first_name="Ana", last_name="Ruiz")


def test_author_page_is_at_the_slug(client, writer):
    response = client.get("/authors/ana-ruiz/")
    assert response.status_code == 200
    assert "Ana Ruiz" in response.content.decode()


def test_old_address_redirects_permanently_when_person_has_a_public_page(client, writer):
    response = client.get("/authors/zq7login/")
    assert response.status_code == 301
    assert response["Location"] == "/authors/ana-ruiz/"


def test_old_address_of_someone_without_a_public_page_is_the_same_404_as_nobody(client):
    UserFactory(username="rootadmin", is_superuser=True)
    EditorFactory(username="gone", is_active=False)

    answers = []
    for address in ("/authors/rootadmin/", "/authors/gone/", "/authors/no-such-person/"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(address)
        # The page names its own address (canonical link); the rest must not differ.
        page = response.content.replace(address.encode(), b"")
        answers.append((response.status_code, page, len(queries)))
    assert answers[0][0] == 404
    assert answers[0] == answers[1] == answers[2]


@pytest.mark.parametrize(
    ("address", "status"),
    # A control character is refused before any view (hub.middleware): 400, as on any URL.
    [("/authors/%00/", 400), ("/authors/a%00b/", 400), ("/authors/a%20b/", 404)],
)
def test_old_address_that_no_username_could_have_is_not_found(client, address, status):
    assert client.get(address).status_code == status


def test_new_slug_works_at_once_and_the_old_one_is_gone(client, writer, on_commit):
    client.get(writer.get_absolute_url())
    writer.public_slug = "dr-ana-ruiz"
    with on_commit():
        writer.save()
    assert client.get("/authors/dr-ana-ruiz/").status_code == 200
    assert client.get("/authors/ana-ruiz/").status_code == 404


def test_cards_of_an_unnamed_author_follow_a_new_slug(on_commit):
    author = ClinicianFactory(username="qv3nameless", first_name="", last_name="")
    article = PublishedArticleFactory(author=author)
    author.public_slug = "guest-writer"
    with on_commit():
        author.save()
    assert "guest-writer" in Article.objects.get(pk=article.pk).card_html


# --- no username anywhere readers look --------------------------------------------------------


def test_no_public_page_shows_a_username(client):
    topic = TopicFactory(name="Asthma", slug="asthma")
    writer = ClinicianFactory(username="zq7login", first_name="Ana", last_name="Ruiz")
    reviewer = EditorFactory(username="xk9review", first_name="Ben", last_name="Okoro")
    unnamed = ClinicianFactory(username="qv3nameless", first_name="", last_name="")
    named = PublishedArticleFactory(
        title="Living with asthma",
        slug="living",
        author=writer,
        medical_reviewer=reviewer,
        topics=[topic],
    )
    PublishedArticleFactory(
        title="Asthma at work",
        slug="work",
        author=unnamed,
        medical_reviewer=reviewer,
        topics=[topic],
    )
    addresses = [
        "/",
        "/topics/",
        topic.get_absolute_url(),
        named.get_absolute_url(),
        "/articles/work/",
        writer.get_absolute_url(),
        reviewer.get_absolute_url(),
        unnamed.get_absolute_url(),
        "/feed/",
        "/feed/atom/",
        topic.get_absolute_url() + "feed/",
        "/sitemap.xml",
        "/search/?q=asthma",
    ]
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200, address
        page = response.content.decode()
        for username in ("zq7login", "xk9review", "qv3nameless"):
            assert username not in page, (address, username)
