import itertools
from collections.abc import Iterator

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.text import slugify

from hub.links import url_with

CLINICIANS = "Clinicians"
EDITORS = "Editors"
# Clinically qualified people whose sign-off readers see as "Medically reviewed by".
MEDICAL_REVIEWERS = "Medical reviewers"


# A public slug made from nothing but a person's name; for someone with no name, this.
NAMELESS_SLUG = "author"
PUBLIC_SLUG_LENGTH = 80


def credited_name(first_name: str, last_name: str, fallback: str, credentials: str) -> str:
    """How a person is named on the site: "Dr Ana Ruiz, MD", or `fallback` with no name."""
    name = f"{first_name} {last_name}".strip() or fallback
    return f"{name}, {credentials}" if credentials else name


def slug_base(first_name: str, last_name: str) -> str:
    """A person's public slug before any de-duplication: "ana-ruiz" for Ana Ruiz
    (migration 0004 keeps a frozen copy)."""
    base = slugify(f"{first_name} {last_name}")[: PUBLIC_SLUG_LENGTH - 8].strip("-")
    return base or NAMELESS_SLUG


def slug_candidates(base: str) -> Iterator[str]:
    """ "ana-ruiz", "ana-ruiz-2", "ana-ruiz-3", ..."""
    yield base
    yield from (f"{base}-{n}" for n in itertools.count(2))


class User(AbstractUser):
    """A person who signs in: clinicians write, editors review, superusers administer."""

    credentials = models.CharField(
        max_length=80, blank=True, help_text='Post-nominal letters, for example "MD, PhD".'
    )
    professional_title = models.CharField(
        max_length=120, blank=True, help_text='For example "Consultant psychiatrist".'
    )
    bio = models.TextField(blank=True, max_length=2000, help_text="A few plain sentences.")
    disclosures = models.TextField(
        "conflicts of interest",
        blank=True,
        max_length=2000,
        help_text='Funding, shares, paid talks. Write "None declared" if there are none.',
    )

    # The author page's address. Never the username, which is half of a login.
    public_slug = models.SlugField(
        "public address",
        max_length=PUBLIC_SLUG_LENGTH,
        blank=True,
        db_index=False,  # the unique constraint's index serves the look-ups
        help_text="The author page's address, /authors/<this>/. Made from the name when "
        "left empty. Never the username.",
    )

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            models.UniqueConstraint(
                fields=["public_slug"],
                condition=~Q(public_slug=""),
                name="accounts_user_public_slug_unique",
                violation_error_message="Another person has this public address.",
            ),
        ]

    def __str__(self):
        # Staff-facing (the admin): with no name, the username tells people apart.
        return credited_name(self.first_name, self.last_name, self.username, "")

    @property
    def display_name(self) -> str:
        """The name readers see; the public slug, never the username, for someone unnamed."""
        return credited_name(self.first_name, self.last_name, self.public_slug, "")

    @property
    def name_with_credentials(self) -> str:
        return credited_name(self.first_name, self.last_name, self.public_slug, self.credentials)

    def get_absolute_url(self):
        return url_with("articles:author", "slug", self.public_slug)

    def clean(self):
        super().clean()
        if self.public_slug and self.public_slug.casefold() == self.username.casefold():
            raise ValidationError(
                {
                    "public_slug": "The public address must not be the username: that is half "
                    "of a login. Leave it empty to make one from the name."
                }
            )

    def save(self, *args, **kwargs):
        if not self.public_slug:
            self.public_slug = self._unused_slug()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "public_slug"}
        super().save(*args, **kwargs)

    def _unused_slug(self) -> str:
        """The first of slug_candidates() nobody else has, and not this person's username
        (a login name is never shown, even when the name happens to spell it)."""
        base = slug_base(self.first_name, self.last_name)
        taken = set(
            User.objects.filter(public_slug__startswith=base)
            .exclude(pk=self.pk)
            .values_list("public_slug", flat=True)
        )
        taken.add(self.username.casefold())
        return next(slug for slug in slug_candidates(base) if slug not in taken)

    def in_group(self, name: str) -> bool:
        # Group membership is read often per request (admin buttons, guards);
        # cache the names once per user object.
        if not hasattr(self, "_group_names"):
            self._group_names = set(self.groups.values_list("name", flat=True))
        return name in self._group_names

    @property
    def is_clinician(self) -> bool:
        return self.is_active and self.in_group(CLINICIANS)

    @property
    def is_editor(self) -> bool:
        return self.is_active and (self.is_superuser or self.in_group(EDITORS))

    @property
    def is_medical_reviewer(self) -> bool:
        """In the role and with the credentials readers are shown beside the sign-off: a
        superuser is not clinically qualified by being one."""
        return (
            self.is_active and self.in_group(MEDICAL_REVIEWERS) and bool(self.credentials.strip())
        )
