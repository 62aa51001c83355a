"""Keep the search vectors and the card in the article's row on PostgreSQL.

Search reads the vector of each of up to a thousand candidates a query, and every list
reads cards. PostgreSQL moves a row's largest values out of line (TOAST) once the row
passes 2 kB, and the vector, which does not compress, went first: each read of it then
cost four more buffer reads (search's candidates took 6 ms instead of 1.7 ms at 100,000
articles). STORAGE MAIN keeps these columns in the row unless it could not otherwise fit
a page; the body and its HTML, read one article at a time, go out of line instead.
Existing values are rewritten so that they move: the UPDATE locks the article table for
as long as it takes (about 25 s at 100,000 articles), so run it when editors are not
publishing.
"""

from django.db import migrations

COLUMNS = {"search_vector": "''::tsvector", "search_head": "''::tsvector", "card_html": "''"}


def keep_in_row(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    alter = ", ".join(f"ALTER COLUMN {column} SET STORAGE MAIN" for column in COLUMNS)
    schema_editor.execute(f"ALTER TABLE articles_article {alter}")
    # Every row, which takes longer than the app's statement timeout on a big library
    # (about 30 s at 100,000 articles): lifted for this migration's transaction only.
    schema_editor.execute("SET LOCAL statement_timeout = 0")
    # A value written again as it was keeps its place; a new one is stored by the new rule.
    rewrite = ", ".join(f"{column} = {column} || {empty}" for column, empty in COLUMNS.items())
    schema_editor.execute(f"UPDATE articles_article SET {rewrite}")  # noqa: S608 - constants


def default_storage(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    alter = ", ".join(f"ALTER COLUMN {column} SET STORAGE EXTENDED" for column in COLUMNS)
    schema_editor.execute(f"ALTER TABLE articles_article {alter}")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_articletopic_public_from"),
    ]

    # Not elidable: a database built from a squash must keep these columns in the row too.
    operations = [migrations.RunPython(keep_in_row, default_storage)]
