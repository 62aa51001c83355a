"""System checks: `manage.py check --deploy --database default` fails on stale cards."""

from django.core.checks import Error

from . import upkeep


def cards_rendered_current(app_configs=None, databases=None, **kwargs) -> list[Error]:
    """The stored cards were rendered as cards are rendered now (upkeep's fingerprint).

    `migrate` re-renders them itself; this catches a deploy that changed the card
    template, the URL prefix or the time zone and skipped `migrate`.
    """
    if not databases or "default" not in databases:
        return []
    if not upkeep.fingerprints_table_exists():
        return [
            Error(
                "The database is not migrated: cards cannot be checked.",
                hint="Run `python manage.py migrate`.",
                id="articles.E002",
            )
        ]
    if upkeep.cards_current():
        return []
    return [
        Error(
            "Article cards were rendered with another card template, URL prefix or time zone.",
            hint="Run `python manage.py migrate` or `python manage.py rerender_content`.",
            id="articles.E001",
        )
    ]
