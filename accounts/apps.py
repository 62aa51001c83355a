from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and roles"

    def ready(self):
        from . import audit  # noqa: F401 - connects the audit log's signal receivers
