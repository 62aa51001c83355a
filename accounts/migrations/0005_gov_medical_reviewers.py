from django.contrib.auth.management import create_permissions
from django.db import migrations

# The roles' permissions as accounts/roles.py had them when this migration was frozen
# (2026-12): historical migrations never follow the live table.
ROLE_PERMISSIONS = {
    "Clinicians": [
        ("articles", "add_article"),
        ("articles", "change_article"),
        ("articles", "view_article"),
        ("articles", "view_topic"),
        ("articles", "view_revision"),
        ("articles", "view_workflowevent"),
    ],
    "Editors": [
        ("articles", "add_article"),
        ("articles", "change_article"),
        ("articles", "view_article"),
        ("articles", "add_topic"),
        ("articles", "change_topic"),
        ("articles", "view_topic"),
        ("articles", "view_revision"),
        ("articles", "view_workflowevent"),
        ("articles", "add_page"),
        ("articles", "change_page"),
        ("articles", "view_page"),
        ("articles", "view_problemreport"),
        ("articles", "change_problemreport"),
        ("accounts", "view_user"),
    ],
    "Medical reviewers": [
        ("articles", "view_article"),
        ("articles", "change_article"),
        ("articles", "view_topic"),
        ("articles", "change_topic"),
        ("articles", "view_revision"),
        ("articles", "view_workflowevent"),
    ],
}


def sync(apps, schema_editor):
    """Create the groups and set exactly their permissions, as accounts.roles.sync_roles did."""
    for app_config in apps.get_app_configs():
        # A migration's app configs have no models module, which create_permissions skips.
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in perms
        ]
        group.permissions.set(wanted)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_public_slug"),
        ("articles", "0014_topic_mental_health"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
