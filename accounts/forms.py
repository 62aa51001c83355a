"""Password reset: the same work for every address, and links to SITE_URL only."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.core.mail import EmailMultiAlternatives
from django.template import loader

from .models import MEDICAL_REVIEWERS, User


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        groups = cleaned.get("groups")
        clinical = groups is not None and groups.filter(name=MEDICAL_REVIEWERS).exists()
        if clinical and not (cleaned.get("credentials") or "").strip():
            # Readers see them beside "Medically reviewed by"; without them the role is void.
            self.add_error(
                "credentials",
                "A medical reviewer needs their credentials on their profile "
                '(for example "MBBS, FRCP").',
            )
        return cleaned


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, with two changes.

    An address with no account goes through every step an account's does — the token, the
    subject and body rendered, the message built — and only the delivery is skipped:
    answering sooner told anyone which addresses are registered.

    The link's scheme, host and port come from SITE_URL. Django takes them from the
    request's Host header, which a forged request (behind a proxy that passes any Host)
    could point at an attacker's site, who would then receive the token.
    """

    def get_users(self, email):
        users = list(super().get_users(email))
        # Never saved and never sent to: it stands in so that the work is the same.
        return users or [User(email=email, is_active=True)]

    def save(self, **kwargs):
        site = urlsplit(settings.SITE_URL)
        kwargs["domain_override"] = site.netloc
        kwargs["use_https"] = site.scheme == "https"
        kwargs["extra_email_context"] = {
            "site_name": settings.SITE_NAME,
            **(kwargs.get("extra_email_context") or {}),
        }
        super().save(**kwargs)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        if context["user"].pk is not None:
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name=html_email_template_name,
            )
            return
        # The parent's steps up to delivery, for the stand-in.
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(subject, body, from_email, [to_email])
        if html_email_template_name is not None:
            html = loader.render_to_string(html_email_template_name, context)
            message.attach_alternative(html, "text/html")
        message.message()
