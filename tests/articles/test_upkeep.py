"""Derived data kept current however a change is made (articles/upkeep.py)."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from accounts.models import CLINICIANS
from articles import cards, upkeep
from articles.models import Article, Page, RenderFingerprint
from tests.factories import ClinicianFactory, PublishedArticleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]


def served_from_cache(client, url: str) -> bool:
    return "Age" in client.get(url)


@pytest.fixture
def article():
    author = ClinicianFactory(username="writer", first_name="Ana", last_name="Ruiz")
    return PublishedArticleFactory(title="Esketamine explained", slug="esk", author=author)


# --- cards rendered another way are rendered again --------------------------------------------


def stale_cards(article):
    """As after a deploy that changed the card template: other cards, another fingerprint."""
    Article.objects.filter(pk=article.pk).update(card_html="<article>old card</article>")
    RenderFingerprint.objects.update_or_create(what="article cards", defaults={"digest": "old"})


def test_migrate_renders_every_card_again_when_cards_were_rendered_another_way(
    client, article, on_commit
):
    stale_cards(article)

    with on_commit():
        call_command("migrate", verbosity=0)

    card = Article.objects.values_list("card_html", flat=True).get(pk=article.pk)
    assert "old card" not in card
    assert "Esketamine explained" in card
    assert "Esketamine explained" in client.get("/").content.decode()


def test_migrate_leaves_cards_alone_when_they_are_current(article):
    call_command("migrate", verbosity=0)  # stores the current fingerprint, if not yet
    Article.objects.filter(pk=article.pk).update(card_html="<article>kept</article>")

    call_command("migrate", verbosity=0)

    assert Article.objects.values_list("card_html", flat=True).get(pk=article.pk) == (
        "<article>kept</article>"
    )


def test_deploy_check_fails_while_cards_are_stale_and_passes_once_rendered(article):
    stale_cards(article)

    # The database checks alone: others depend on the environment the tests run in.
    check = ["check", "--deploy", "--tag", "database", "--database", "default"]
    with pytest.raises(SystemCheckError, match="articles.E001"):
        call_command(*check)

    call_command("rerender_content", verbosity=0, skip_vectors=True)
    call_command(*check)


def stale_pages(article):
    """As after a deploy that changed the Markdown pipeline: other HTML, another fingerprint."""
    Article.objects.filter(pk=article.pk).update(body_html="<p>rendered the old way</p>")
    RenderFingerprint.objects.update_or_create(
        what=upkeep.PAGES, defaults={"digest": "old pipeline"}
    )


def test_migrate_renders_bodies_again_when_the_pipeline_changed(client, article, on_commit):
    stale_pages(article)

    with on_commit():
        call_command("migrate", verbosity=0)

    body = Article.objects.values_list("body_html", flat=True).get(pk=article.pk)
    assert "the old way" not in body and "<p>" in body
    assert upkeep.pages_current()


def test_deploy_check_fails_while_bodies_are_stale_and_passes_once_rendered(article):
    stale_pages(article)
    check = ["check", "--deploy", "--tag", "database", "--database", "default"]
    with pytest.raises(SystemCheckError, match="articles.E003"):
        call_command(*check)

    call_command("rerender_content", verbosity=0, skip_vectors=True)
    call_command(*check)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("FORCE_SCRIPT_NAME", "/health/"),
        ("TIME_ZONE", "UTC"),  # the default, Europe/London, has the same offset in winter
        ("LANGUAGE_CODE", "en-us"),
    ],
)
def test_a_setting_that_changes_cards_changes_the_fingerprint(settings, setting, value):
    before = upkeep.cards_fingerprint()
    setattr(settings, setting, value)
    assert upkeep.cards_fingerprint() != before


def test_the_way_authors_are_named_is_part_of_the_fingerprint():
    assert cards.fingerprint(author_name="A") != cards.fingerprint(author_name="A, MD")


# --- profiles, roles and policy pages, however they are saved ----------------------------------


def test_profile_saved_outside_the_admin_retires_the_cached_author_page(client, article, on_commit):
    url = article.author.get_absolute_url()
    client.get(url)
    assert served_from_cache(client, url)

    with on_commit():
        article.author.bio = "Consultant psychiatrist, 20 years in mood disorders."
        article.author.save()

    response = client.get(url)
    assert "Age" not in response
    assert "Consultant psychiatrist, 20 years in mood disorders." in response.content.decode()


def test_signing_in_keeps_the_cached_pages(client, article, on_commit):
    client.get("/")
    with on_commit():
        article.author.save(update_fields=["last_login"])
    assert served_from_cache(client, "/")


def test_leaving_the_clinicians_removes_the_author_page_at_once(client, article, on_commit):
    url = article.author.get_absolute_url()
    assert client.get(url).status_code == 200
    with on_commit():
        article.author.groups.remove(Group.objects.get(name=CLINICIANS))
    assert client.get(url).status_code == 404


def test_policy_page_saved_in_code_shows_at_once(client, on_commit):
    page, _ = Page.objects.update_or_create(
        slug="funding", defaults={"title": "Funding", "body": "Old words."}
    )
    client.get("/about/funding/")
    with on_commit():
        page.body = "New words."
        page.save()
    assert "New words." in client.get("/about/funding/").content.decode()
