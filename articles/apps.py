from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Health content"

    def ready(self):
        from django.core.checks import Tags, register

        # views registers the page parts (cache.page_part) a cached page may need
        # rendered before the URLconf is first loaded.
        from . import checks, upkeep, views  # noqa: F401

        upkeep.connect()
        register(checks.cards_rendered_current, Tags.database, deploy=True)
        register(checks.redis_memory_bounded, Tags.caches, deploy=True)
        register(checks.site_url_https, Tags.security, deploy=True)
