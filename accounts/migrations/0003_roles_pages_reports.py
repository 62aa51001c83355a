from django.db import migrations


def sync(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_roles"),
        ("articles", "0002_trust"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
