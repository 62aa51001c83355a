"""PostgreSQL plans a page's repeated statements once (DB_PREPARE_THRESHOLD, hub/settings.py)."""

import importlib.util
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from articles.models import Article
from tests.factories import PublishedArticleFactory

SETTINGS = Path(__file__).resolve().parent.parent / "hub" / "settings.py"


def prepare_threshold(monkeypatch, value: str) -> int | None:
    """The prepare_threshold hub/settings.py gives PostgreSQL with DB_PREPARE_THRESHOLD=value.

    Read from a fresh copy of the settings module: the one Django uses is left alone.
    """
    monkeypatch.setenv("DATABASE_URL", "postgres://hub@127.0.0.1:5432/hub")
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("DB_PREPARE_THRESHOLD", value)
    spec = importlib.util.spec_from_file_location("settings_with_threshold", SETTINGS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.DATABASES["default"]["OPTIONS"]["prepare_threshold"]


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
def test_prepare_threshold_setting(monkeypatch, value, expected):
    assert prepare_threshold(monkeypatch, value) == expected


def test_prepare_threshold_setting_refuses_a_word_it_does_not_know(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DB_PREPARE_THRESHOLD"):
        prepare_threshold(monkeypatch, "sometimes")
