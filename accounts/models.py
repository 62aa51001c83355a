from django.contrib.auth.models import AbstractUser
from django.db import models

from hub.links import url_with

CLINICIANS = "Clinicians"
EDITORS = "Editors"


def credited_name(first_name: str, last_name: str, username: str, credentials: str) -> str:
    """How a person is named on the site: "Dr Ana Ruiz, MD", or the username alone."""
    name = f"{first_name} {last_name}".strip() or username
    return f"{name}, {credentials}" if credentials else name


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

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return credited_name(self.first_name, self.last_name, self.username, "")

    @property
    def name_with_credentials(self) -> str:
        return credited_name(self.first_name, self.last_name, self.username, self.credentials)

    def get_absolute_url(self):
        return url_with("articles:author", "username", self.username)

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
