"""Security events: requests that could only come from someone forging a form.

A forged field (`status=published` posted to an article's change form) or a made-up
workflow action is already ignored or refused; this leaves the trace. Events go to the
`hub.security` logger as WARNING, with the person, the client address, the path and the
names involved — never the values posted, which may hold anything.
"""

import logging
from collections.abc import Iterable

from django import forms
from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.admin.utils import flatten_fieldsets
from django.http import HttpRequest

from .ratelimit import client_ip

log = logging.getLogger("hub.security")

# What a browser posts with any admin change form besides the fields: the CSRF token and
# the name of the button pressed, or the popup markers.
ADMIN_FORM_EXTRAS = frozenset(
    {"csrfmiddlewaretoken", "_save", "_continue", "_addanother", "_saveasnew"}
    | {IS_POPUP_VAR, TO_FIELD_VAR}
)
# Names are the sender's choice: a bounded few, each cut short and printable, so that a
# forged request cannot flood or forge log lines.
MOST_NAMES, LONGEST_NAME = 20, 80


def posted_names(form: forms.BaseForm) -> set[str]:
    """Every name the form's widgets can post: "publish_at_0" and "_1" for a split
    date and time, "file-clear" for a clearable file, "initial-x" for hidden initials.
    Declared fields count even where this instance dropped one (a checkbox list shown
    only when there is something to tick)."""
    names = set()
    for name, field in {**form.base_fields, **form.fields}.items():
        html_name = form.add_prefix(name)
        widget = getattr(field.widget, "widget", field.widget)  # the admin's "+" wrapper
        suffixes = getattr(widget, "widgets_names", None) or [""]
        names.update(html_name + suffix for suffix in suffixes)
        if hasattr(widget, "clear_checkbox_name"):
            names.add(widget.clear_checkbox_name(html_name))
        if field.show_hidden_initial:
            names.add(form.add_initial_prefix(name))
    return names


def unexpected_fields(form: forms.BaseForm, data, known: Iterable[str] = ()) -> list[str]:
    """The names in posted `data` that no field of `form` (nor `known`) accounts for."""
    expected = posted_names(form) | set(known)
    return sorted(name for name in data if name not in expected)


def _printable(name: str) -> str:
    name = "".join(ch if ch.isprintable() else "?" for ch in str(name))
    return name if len(name) <= LONGEST_NAME else name[: LONGEST_NAME - 1] + "…"


def report_tampering(
    request: HttpRequest, *, fields: Iterable[str] = (), action: str | None = None
) -> None:
    """Log one security event: forged `fields` (names only) and/or a made-up `action`."""
    names = sorted({_printable(name) for name in fields})
    what = []
    if names:
        shown = names[:MOST_NAMES]
        more = f" and {len(names) - MOST_NAMES} more" if len(names) > MOST_NAMES else ""
        what.append(f"unexpected fields {', '.join(shown)}{more}")
        names = shown
    if action is not None:
        action = _printable(action)
        what.append(f"unknown action {action}")
    if not what:
        return
    # Several hooks may see the same forged request (a form built twice): one event each.
    seen = request.__dict__.setdefault("_tampering_reported", set())
    if (key := (tuple(names), action)) in seen:
        return
    seen.add(key)
    user = getattr(request, "user", None)
    log.warning(
        "tampering: %s",
        "; ".join(what),
        extra={
            "event": "tampering",
            "actor": getattr(user, "pk", None),
            "ip": client_ip(request),
            "method": request.method,
            "path": request.path,
            "fields": names,
            "action": action,
        },
    )


class ReportForgedFields:
    """A ModelAdmin mixin: a posted change or add form carrying names none of its fields
    has (an `author` always shown read-only, a `status` never shown) is a security event.

    Django already ignores those names; this only reports them. A field that is read-only
    only in some states (get_readonly_fields) is not reported: a page opened before the
    state changed still sends it. Inputs the page adds beside the model form's fields
    (buttons, other forms sharing the <form>) are named by extra_posted_names().
    """

    def extra_posted_names(self, request, obj) -> Iterable[str]:
        return ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if request.method != "POST":
            return form
        # The attributes, not get_fieldsets(): with no fieldsets that calls get_form.
        declared = set(flatten_fieldsets(self.fieldsets or ())) | set(self.fields or ())
        known = ADMIN_FORM_EXTRAS | (declared - set(self.readonly_fields))
        known |= set(self.extra_posted_names(request, obj))

        class Checked(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                if self.is_bound:
                    forged = unexpected_fields(self, self.data, known)
                    if forged:
                        report_tampering(request, fields=forged)

        Checked.__name__ = form.__name__
        return Checked
