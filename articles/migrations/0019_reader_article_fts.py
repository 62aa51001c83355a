"""SQLite only: the full-text index of articles that search.py reads on the default
database (models.FTS_TABLE), filled from the articles there are, and a trigger that
removes a deleted article's row. Nothing happens on PostgreSQL, whose search vectors are
columns of the article table."""

from django.db import migrations

from articles.models import FTS_TABLE, fts_has_trigrams, refresh_fts


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    # Trigram: any three letters of a word match, so a part of a word or a misspelling can
    # be found; unicode61, whole words, where the SQLite library is older than 3.34.
    tokenizer = "trigram" if fts_has_trigrams() else "unicode61 remove_diacritics 2"
    schema_editor.execute(
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
        f"title, summary, topics, body, tokenize = '{tokenizer}')"
    )
    schema_editor.execute(
        f"CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON articles_article"
        f" BEGIN DELETE FROM {FTS_TABLE} WHERE rowid = old.id; END"
    )
    refresh_fts(None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_delete")
    schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0017_crisis_help")]

    operations = [migrations.RunPython(create, drop)]
