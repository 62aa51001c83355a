"""People's public slugs: author pages by a name chosen for them, not the login name.

Filled for everyone there is, in order of id, from their first and last names alone, as
accounts.models.User fills a new person's on save: "ana-ruiz", then "ana-ruiz-2" for a
second Ana Ruiz; "author", "author-2", ... for people with no name. Never the username,
even when the name happens to spell it.
"""

import itertools

from django.db import migrations, models
from django.utils.text import slugify

# As accounts/models.py had them when this migration was frozen (2026-12).
NAMELESS_SLUG = "author"
PUBLIC_SLUG_LENGTH = 80


def _base(first_name, last_name):
    base = slugify(f"{first_name} {last_name}")[: PUBLIC_SLUG_LENGTH - 8].strip("-")
    return base or NAMELESS_SLUG


def fill_public_slugs(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    taken = set(User.objects.exclude(public_slug="").values_list("public_slug", flat=True))
    people = User.objects.filter(public_slug="").order_by("pk")
    for person in people.only("username", "first_name", "last_name"):
        base = _base(person.first_name, person.last_name)
        own_login = person.username.casefold()
        candidates = itertools.chain([base], (f"{base}-{n}" for n in itertools.count(2)))
        person.public_slug = next(s for s in candidates if s not in taken and s != own_login)
        taken.add(person.public_slug)
        person.save(update_fields=["public_slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_roles_pages_reports"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="public_slug",
            field=models.SlugField(
                blank=True,
                db_index=False,
                help_text="The author page's address, /authors/<this>/. Made from the name "
                "when left empty. Never the username.",
                max_length=80,
                verbose_name="public address",
            ),
        ),
        migrations.RunPython(fill_public_slugs, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                condition=models.Q(("public_slug", ""), _negated=True),
                fields=("public_slug",),
                name="accounts_user_public_slug_unique",
                violation_error_message="Another person has this public address.",
            ),
        ),
    ]
