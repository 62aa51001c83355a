"""PostgreSQL plans a page's repeated statements once (DB_PREPARE_THRESHOLD, hub/settings.py)."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from articles.models import Article
from hub.settings import _prepare_threshold
from tests.factories import PublishedArticleFactory


@pytest.mark.postgres
def test_a_statement_run_again_is_prepared_and_still_answers_right(db):
    first, second = PublishedArticleFactory(), PublishedArticleFactory()
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # psycopg notices, and forgets its own list too
    found = [Article.objects.filter(slug=a.slug).first() for a in (first, second, first)]

    assert found == [first, second, first]  # the parameters still reach the statement
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "articles_article" WHERE "articles_article"."slug" = $1%'],
        )
        assert cursor.fetchone()[0] == 1


@pytest.mark.parametrize(
    ("value", "expected"), [("2", 2), ("0", 0), ("off", None), ("", None), (" None ", None)]
)
def test_prepare_threshold_setting(value, expected):
    assert _prepare_threshold(value) == expected


def test_prepare_threshold_setting_refuses_a_word_it_does_not_know():
    with pytest.raises(ImproperlyConfigured, match="DB_PREPARE_THRESHOLD"):
        _prepare_threshold("sometimes")
