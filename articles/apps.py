from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Health content"

    def ready(self):
        from django.core.checks import Tags, register

        from . import checks, upkeep

        upkeep.connect()
        register(checks.cards_rendered_current, Tags.database, deploy=True)
        register(checks.redis_memory_bounded, Tags.caches, deploy=True)
        register(checks.site_url_https, Tags.security, deploy=True)
