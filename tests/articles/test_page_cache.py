"""Whole public pages from the cache (articles/cache.py): fast, and never stale.

The cache is on here (local memory, one process); every change readers could see must
show on the very next request.
"""

import datetime
import io
import re
import time

import pytest
from django.contrib import admin
from django.core.cache import cache, caches
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from accounts.models import User
from articles import cache as page_cache
from articles import workflow
from articles.models import Article, Page, Status
from tests.articles.topic_review_helpers import press_step
from tests.articles.workflow_helpers import approve, article_in_state
from tests.factories import (
    ArticleFactory,
    ClinicianFactory,
    EditorFactory,
    PublishedArticleFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]


@pytest.fixture
def topic():
    return TopicFactory(name="Ketamine", slug="ketamine", definition="An anaesthetic.")


@pytest.fixture
def article(topic):
    author = ClinicianFactory(username="writer")
    return PublishedArticleFactory(
        title="Ketamine clinics explained", slug="clinics", author=author, topics=[topic]
    )


def public_urls(article, topic) -> list[str]:
    Page.objects.update_or_create(slug="funding", defaults={"title": "Funding", "body": "x"})
    return [
        "/",
        "/topics/",
        topic.get_absolute_url(),
        f"{topic.get_absolute_url()}?page=1",
        article.get_absolute_url(),
        article.author.get_absolute_url(),
        "/feed/",
        "/feed/atom/",
        f"{topic.get_absolute_url()}feed/",
        f"{topic.get_absolute_url()}feed/atom/",
        "/sitemap.xml",
        "/robots.txt",
        "/about/funding/",
    ]


def body(response) -> str:
    return response.content.decode()


# --- served from the cache ------------------------------------------------------------------


def test_second_anonymous_request_runs_no_query_when_page_is_public(
    client, article, topic, django_assert_num_queries
):
    for url in public_urls(article, topic):
        first = client.get(url)
        assert first.status_code == 200, url
        with django_assert_num_queries(0):
            second = client.get(url)
        assert second.status_code == 200, url
        assert second.content == first.content, url
        assert second["Content-Type"] == first["Content-Type"], url


def test_cached_page_keeps_the_security_headers_of_the_original(client, article):
    first = client.get(article.get_absolute_url())
    second = client.get(article.get_absolute_url())
    for header in ("Content-Security-Policy", "X-Frame-Options", "ETag", "Last-Modified"):
        assert second[header] == first[header], header
    assert second["X-Content-Type-Options"] == "nosniff"
    assert "Age" in second


def test_cached_page_carries_no_cookie_nor_csrf_token_when_served(client, article):
    client.get(article.get_absolute_url())
    second = client.get(article.get_absolute_url())
    assert not second.cookies
    assert "Set-Cookie" not in second
    assert "csrfmiddlewaretoken" not in body(second)


def test_head_is_answered_from_the_cache_when_page_was_fetched(
    client, article, django_assert_num_queries
):
    assert client.head(article.get_absolute_url()).status_code == 200  # a miss, rendered
    client.get(article.get_absolute_url())
    with django_assert_num_queries(0):
        response = client.head(article.get_absolute_url())
    assert response.status_code == 200
    assert response.content == b""
    assert response["ETag"]


def test_search_is_not_cached_by_default(client, article, django_assert_num_queries):
    client.get("/search/", {"q": "ketamine"})
    response = client.get("/search/", {"q": "ketamine"})
    assert response.status_code == 200
    assert "Age" not in response


def test_report_a_problem_page_is_never_stored(client, article):
    url = f"/report-a-problem/?article={article.slug}"
    client.get(url)
    second = client.get(url)
    assert "csrfmiddlewaretoken" in body(second)
    assert "Age" not in second
    assert "no-store" in second["Cache-Control"]


def test_healthz_is_never_stored(client, django_assert_num_queries):
    client.get("/healthz")
    with django_assert_num_queries(1):
        client.get("/healthz")


def test_query_string_is_part_of_the_page(client, topic):
    for n in range(3):
        PublishedArticleFactory(title=f"For clinicians {n}", audience="clinicians", topics=[topic])
    PublishedArticleFactory(title="For patients", audience="patients", topics=[topic])
    everyone = body(client.get(topic.get_absolute_url()))
    clinicians = body(client.get(topic.get_absolute_url(), {"audience": "clinicians"}))
    assert "For patients" in everyone
    assert "For patients" not in clinicians


def test_host_is_part_of_the_page(client, article, settings):
    settings.ALLOWED_HOSTS = ["testserver", "mirror.example"]
    client.get(article.get_absolute_url())
    other = client.get(article.get_absolute_url(), HTTP_HOST="mirror.example")
    assert "http://mirror.example/articles/clinics/" in body(other)


def test_scheme_is_part_of_the_page(client, article):
    client.get(article.get_absolute_url())
    secure = client.get(article.get_absolute_url(), secure=True)
    assert "Age" not in secure
    assert "https://testserver/articles/clinics/" in body(secure)


# --- staff and personal pages ---------------------------------------------------------------


def test_staff_never_get_a_cached_page_nor_store_one(client, article, editor):
    url = article.get_absolute_url()
    client.get(url)  # an anonymous reader stores the page
    client.force_login(editor)
    response = client.get(url)
    assert "Age" not in response  # rendered for them, not taken from the cache
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    cache.clear()
    client.get(url)  # staff render it: nothing is stored
    client.logout()
    assert "Age" not in client.get(url)


def test_admin_pages_are_private_and_never_stored(client, editor):
    client.force_login(editor)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def _middleware_answer(view_response) -> tuple[HttpResponse, bool]:
    """Run one anonymous request through the middleware; was its answer stored?"""
    request = RequestFactory().get("/somewhere/")
    middleware = page_cache.PageCacheMiddleware(lambda req: view_response(req))
    response = middleware(request)
    key = page_cache.page_key(page_cache.generation(), request)
    return response, cache.get(key) is not None


def _marked(response: HttpResponse) -> HttpResponse:
    response.public_page = True
    return response


def test_public_answer_is_stored_when_nothing_in_it_is_personal():
    _, stored = _middleware_answer(lambda request: _marked(HttpResponse("hello")))
    assert stored


def test_answer_of_an_unmarked_view_is_never_stored():
    _, stored = _middleware_answer(lambda request: HttpResponse("hello"))
    assert not stored


def test_answer_that_sets_a_cookie_is_never_stored():
    def view(request):
        response = _marked(HttpResponse("hello"))
        response.set_cookie("seen", "1")
        return response

    response, stored = _middleware_answer(view)
    assert not stored
    assert "no-store" in response["Cache-Control"]


def test_answer_that_used_the_csrf_token_is_never_stored():
    def view(request):
        get_token(request)
        return _marked(HttpResponse("a form"))

    _, stored = _middleware_answer(view)
    assert not stored


def test_answer_that_varies_on_cookie_is_never_stored():
    def view(request):
        response = _marked(HttpResponse("hello"))
        response["Vary"] = "Cookie"
        return response

    _, stored = _middleware_answer(view)
    assert not stored


def test_error_answer_is_never_stored():
    _, stored = _middleware_answer(lambda request: _marked(HttpResponse("gone", status=404)))
    assert not stored


# --- invalidation ---------------------------------------------------------------------------


def test_archived_article_vanishes_everywhere_on_the_next_request(
    client, article, topic, editor, on_commit
):
    pages = [
        topic.get_absolute_url(),
        "/",
        "/feed/",
        f"{topic.get_absolute_url()}feed/",
        "/sitemap.xml",
        article.author.get_absolute_url(),
    ]
    for url in [*pages, article.get_absolute_url()]:
        client.get(url)
        assert "Age" in client.get(url), url  # cached

    with on_commit():
        workflow.archive(article=article, by=editor, comment="Retracted.")

    for url in pages:
        assert "clinics" not in body(client.get(url)), url
    assert client.get(article.get_absolute_url()).status_code == 404
    assert "Ketamine clinics explained" not in body(client.get("/search/", {"q": "clinics"}))


def test_publish_appears_at_once(client, topic, editor, on_commit):
    author = ClinicianFactory()
    article = ArticleFactory(title="Nasal spray news", author=author, topics=[topic])
    workflow.submit_for_review(article=article, by=author)
    for url in (topic.get_absolute_url(), "/", "/feed/"):
        client.get(url)

    with on_commit():
        approve(article=article, by=editor)

    for url in (topic.get_absolute_url(), "/", "/feed/"):
        assert "Nasal spray news" in body(client.get(url)), url
    assert client.get(f"/articles/{article.slug}/").status_code == 200


def test_topic_edit_shows_once_approved_and_not_before(
    client, article, topic, on_commit, medical_editor
):
    client.get(topic.get_absolute_url())
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    with on_commit():
        response = client.post(
            f"/admin/articles/topic/{topic.pk}/change/",
            {
                "name": "Ketamine",
                "headline": "Ketamine: the new headline",
                "definition": "An anaesthetic.",
                "aliases": "",
                "intro": "",
                "safety_notice": "",
                "is_featured": "",
                # The related-topics list, left as it is (none).
                "related_links-TOTAL_FORMS": "0",
                "related_links-INITIAL_FORMS": "0",
                # The medical codes inline (the API's lookup), empty.
                "codes-TOTAL_FORMS": "0",
                "codes-INITIAL_FORMS": "0",
            },
        )
    assert response.status_code == 302, response.content[:2000]
    client.logout()
    assert "Ketamine: the new headline" not in body(client.get(topic.get_absolute_url()))
    client.force_login(medical_editor)
    with on_commit():
        assert press_step(client, topic, "approve_topic").status_code == 302
    client.logout()
    assert "Ketamine: the new headline" in body(client.get(topic.get_absolute_url()))


def test_policy_page_edit_through_the_admin_shows_at_once(client, on_commit):
    page, _ = Page.objects.update_or_create(
        slug="funding", defaults={"title": "Funding", "body": "Old words."}
    )
    client.get("/about/funding/")
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    with on_commit():
        response = client.post(
            f"/admin/articles/page/{page.pk}/change/",
            {"title": "Funding", "slug": "funding", "body": "New words."},
        )
    assert response.status_code == 302
    client.logout()
    assert "New words." in body(client.get("/about/funding/"))


def test_review_reconfirmed_shows_at_once(client, article, editor, on_commit):
    Article.objects.filter(pk=article.pk).update(last_reviewed=datetime.date(2020, 1, 2))
    cache.clear()
    assert "2 January 2020" in body(client.get(article.get_absolute_url()))
    with on_commit():
        workflow.reconfirm_review(article=article, by=editor)
    assert "2 January 2020" not in body(client.get(article.get_absolute_url()))


def test_restored_article_stays_hidden_and_pages_are_fresh(client, article, editor, on_commit):
    with on_commit():
        workflow.archive(article=article, by=editor)
    client.get("/")
    with on_commit():
        workflow.restore(article=article, by=editor)
    article.refresh_from_db()
    assert article.status == Status.DRAFT
    assert "Age" not in client.get("/")  # the generation moved on


def test_a_change_retires_its_keys_once_and_only_after_commit(editor, article, on_commit):
    gen, before = page_cache.clock()
    with on_commit():
        workflow.archive(article=article, by=editor)
        assert page_cache.clock() == (gen, before)  # not before the commit
    # One retirement (two would make it + 2), and the generation stays: other pages stay.
    assert page_cache.clock() == (gen, before + 1)


def test_lost_generation_starts_afresh_never_at_an_old_number(client, article):
    client.get("/")
    old = page_cache.generation()
    cache.delete(page_cache.GENERATION_KEY)  # evicted
    assert page_cache.generation() > old
    assert "Age" not in client.get("/")


# --- time --------------------------------------------------------------------------------------


def test_page_is_kept_no_longer_than_the_next_scheduled_publication(topic, settings, monkeypatch):
    settings.PAGE_CACHE_SECONDS = 7200
    noon = datetime.datetime(2030, 5, 1, 12, 0, tzinfo=datetime.UTC)
    PublishedArticleFactory(topics=[topic], published_at=noon + datetime.timedelta(hours=1))
    monkeypatch.setattr(timezone, "now", lambda: noon)
    assert page_cache.page_timeout(page_cache.generation()) == 3600


def test_scheduling_an_article_shortens_how_long_pages_are_kept_at_once(
    settings, clinician, editor, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 7200
    gen = page_cache.generation()
    assert page_cache.page_timeout(gen) > 60  # nothing scheduled: read and remembered
    article = article_in_state(Status.IN_REVIEW, author=clinician)

    with django_capture_on_commit_callbacks(execute=True):
        approve(article=article, by=editor, at=timezone.now() + datetime.timedelta(seconds=60))

    assert page_cache.generation() == gen  # a publish retires keys, not the generation
    assert page_cache.page_timeout(gen) <= 60


def test_cdn_may_keep_a_page_no_longer_than_the_next_scheduled_publication(client, topic):
    PublishedArticleFactory(
        topics=[topic], published_at=timezone.now() + datetime.timedelta(seconds=10)
    )
    response = client.get(topic.get_absolute_url())
    s_maxage = int(re.search(r"s-maxage=(\d+)", response["Cache-Control"]).group(1))
    assert 1 <= s_maxage < 10


def test_scheduled_article_appears_when_its_time_comes(client, topic, django_assert_num_queries):
    scheduled = PublishedArticleFactory(
        title="Coming soon",
        topics=[topic],
        published_at=timezone.now() + datetime.timedelta(seconds=2),
    )
    url = topic.get_absolute_url()
    assert "Coming soon" not in body(client.get(url))
    stored = cache.get(page_cache.page_key(page_cache.generation(), client.get(url).wsgi_request))
    assert stored is not None
    # Its time comes (moved here rather than waited for); nothing is written that would
    # empty the cache, and the page stays as stored until the capped timeout runs out.
    Article.objects.filter(pk=scheduled.pk).update(
        published_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    with django_assert_num_queries(0):
        assert "Coming soon" not in body(client.get(url))
    time.sleep(2.1)
    assert "Coming soon" in body(client.get(url))


def test_page_is_not_stored_when_a_publication_is_due_within_a_second(client, topic):
    PublishedArticleFactory(
        topics=[topic], published_at=timezone.now() + datetime.timedelta(milliseconds=500)
    )
    client.get(topic.get_absolute_url())
    assert "Age" not in client.get(topic.get_absolute_url())


def test_page_is_kept_no_longer_than_midnight(topic, monkeypatch):
    # Midnight where the site is (TIME_ZONE): in a London May, 23:00 UTC.
    almost = timezone.make_aware(datetime.datetime(2030, 5, 1, 23, 59, 30))
    monkeypatch.setattr(timezone, "now", lambda: almost)
    assert page_cache.page_timeout(page_cache.generation()) == 30


UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "hub.cache_backends.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
    }
}


def test_pages_still_render_when_the_shared_cache_is_down(client, settings, article):
    settings.CACHES = UNREACHABLE_REDIS
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "Ketamine clinics explained" in response.content.decode()


def test_publishing_still_succeeds_when_the_shared_cache_is_down(settings, on_commit):
    author, editor = ClinicianFactory(username="a"), EditorFactory(username="e")
    draft = ArticleFactory(author=author)
    workflow.submit_for_review(article=draft, by=author)
    settings.CACHES = UNREACHABLE_REDIS
    with on_commit():
        approve(article=draft, by=editor)
    assert Article.objects.get(pk=draft.pk).status == Status.PUBLISHED


def test_page_is_served_but_not_stored_when_the_database_fails_after_rendering(
    client, article, monkeypatch
):
    def database_gone(gen):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(page_cache, "next_scheduled_publication", database_gone)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    monkeypatch.undo()
    # Nothing was stored: the next request renders the page again.
    with CaptureQueriesContext(connection) as queries:
        assert client.get(article.get_absolute_url()).status_code == 200
    assert len(queries) > 0


# --- a bump the cache refused --------------------------------------------------------------


@pytest.fixture
def flaky_bump(monkeypatch):
    """The cache refuses the next `failures` bumps of the generation or retirements of
    page keys, then answers again."""
    state = {"failures": 0}
    shared = caches["default"]
    real_incr = shared.incr

    def incr(key, *args, **kwargs):
        if key in (page_cache.GENERATION_KEY, page_cache.RETIRED_KEY) and state["failures"]:
            state["failures"] -= 1
            raise RedisConnectionError("Connection reset by peer")
        return real_incr(key, *args, **kwargs)

    monkeypatch.setattr(shared, "incr", incr)
    monkeypatch.setattr(page_cache, "BUMP_RETRY_DELAYS", (0, 0))
    yield state
    page_cache.forget_owed_bump()


def test_archived_article_vanishes_when_the_first_bumps_are_refused(
    client, article, topic, editor, on_commit, flaky_bump
):
    assert "Ketamine clinics explained" in client.get(topic.get_absolute_url()).content.decode()
    flaky_bump["failures"] = 2  # the retries get it through

    with on_commit():
        workflow.archive(article=article, by=editor, comment="Retracted.")

    assert not page_cache.bump_owed()
    assert "Ketamine clinics explained" not in client.get(topic.get_absolute_url()).content.decode()


def test_a_refused_bump_is_owed_and_no_cached_page_is_served_until_it_is_paid(
    client, article, topic, editor, on_commit, flaky_bump
):
    url = topic.get_absolute_url()
    assert "Ketamine clinics explained" in client.get(url).content.decode()
    flaky_bump["failures"] = 4  # all three attempts fail, and the first request's too

    with on_commit():
        workflow.archive(article=article, by=editor, comment="Retracted.")
    assert page_cache.bump_owed()

    response = client.get(url)  # the cache still refuses the bump: rendered, not from it
    assert "Age" not in response and "Ketamine clinics explained" not in response.content.decode()
    assert page_cache.bump_owed()

    before = page_cache.generation()
    response = client.get(url)  # the cache answers: the bump is paid first
    assert not page_cache.bump_owed()
    assert page_cache.generation() == before + 1
    assert "Ketamine clinics explained" not in response.content.decode()


def test_a_signed_in_request_pays_an_owed_bump_too(admin_client, flaky_bump, on_commit):
    flaky_bump["failures"] = 3
    with on_commit():
        page_cache.content_changed()  # refused three times
    assert page_cache.bump_owed()

    admin_client.get("/admin/")

    assert not page_cache.bump_owed()


# A command commits as it goes, as in production; the rollback keeps the migrated rows.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_command_whose_change_did_not_reach_the_cache_fails(flaky_bump):
    flaky_bump["failures"] = 3
    with pytest.raises(CommandError, match="did not answer"):
        call_command("rerender_content", "--skip-vectors", stdout=io.StringIO())


def test_author_profile_edit_through_the_admin_shows_at_once(client, article, on_commit, rf):
    author = article.author
    author_url = author.get_absolute_url()
    client.get(author_url)
    author.bio = "Now a consultant in Leeds."
    request = rf.post("/admin/")
    request.user = UserFactory(username="root", is_superuser=True, is_staff=True)
    with on_commit():
        admin.site.get_model_admin(User).save_model(request, author, form=None, change=True)

    assert "Now a consultant in Leeds." in body(client.get(author_url))
