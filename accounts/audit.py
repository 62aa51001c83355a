"""Security audit log: sign-ins, failed sign-ins and role changes, with who, when and where."""

import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from hub.ratelimit import client_ip

from .models import User

log = logging.getLogger("audit")


def _ip(request) -> str | None:
    return client_ip(request) if request is not None else None


@receiver(user_logged_in)
def logged_in(sender, request, user, **kwargs):
    log.info("login", extra={"event": "login", "user": user.pk, "ip": _ip(request)})


@receiver(user_logged_out)
def logged_out(sender, request, user, **kwargs):
    log.info(
        "logout", extra={"event": "logout", "user": getattr(user, "pk", None), "ip": _ip(request)}
    )


@receiver(user_login_failed)
def login_failed(sender, credentials, request=None, **kwargs):
    # The username typed, never the password (Django strips it from `credentials`).
    log.warning(
        "login failed",
        extra={
            "event": "login_failed",
            "username": credentials.get("username"),
            "ip": _ip(request),
        },
    )


@receiver(m2m_changed, sender=User.groups.through)
def roles_changed(sender, instance, action, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    log.warning(
        "roles changed",
        extra={
            "event": "roles_changed",
            "action": action.removeprefix("post_"),
            "user": instance.pk if isinstance(instance, User) else None,
            "groups": sorted(pk_set or []),
        },
    )
