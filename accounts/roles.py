"""The editorial roles and the model permissions each one holds.

Model permissions only open the admin's doors; what a person may do to a given article
is decided by articles.workflow and the admin's per-object checks.
"""

from django.contrib.auth.management import create_permissions

from .models import CLINICIANS, EDITORS, MEDICAL_REVIEWERS

ROLE_PERMISSIONS = {
    CLINICIANS: [
        ("articles", "add_article"),
        ("articles", "change_article"),
        ("articles", "view_article"),
        ("articles", "view_topic"),
        ("articles", "view_revision"),
        ("articles", "view_workflowevent"),
        # The image library: their own uploads, and shared ones (articles.admin.ImageAdmin).
        ("articles", "add_image"),
        ("articles", "change_image"),
        ("articles", "view_image"),
    ],
    EDITORS: [
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
        # Crisis help and care cards (issue 19): editors keep the helplines readers see.
        ("articles", "add_helpline"),
        ("articles", "change_helpline"),
        ("articles", "delete_helpline"),
        ("articles", "view_helpline"),
        ("articles", "add_carecard"),
        ("articles", "change_carecard"),
        ("articles", "delete_carecard"),
        ("articles", "view_carecard"),
        ("articles", "view_crisissearchday"),
        # Readers' feedback (issue 21): "Was this page helpful?" answers, per page and each.
        ("articles", "view_helpfulnessvote"),
        ("articles", "view_helpfulnesssummary"),
        ("articles", "add_image"),
        ("articles", "change_image"),
        ("articles", "view_image"),
        ("articles", "delete_image"),
        # Read-only, for the author and reviewer autocompletes. Editors never change
        # people or groups: that would make them administrators.
        ("accounts", "view_user"),
    ],
    # They open articles and topics in review to sign them off; the text stays the
    # author's and the editors' (articles.workflow decides what each person may do).
    MEDICAL_REVIEWERS: [
        ("articles", "view_article"),
        ("articles", "change_article"),
        ("articles", "view_topic"),
        ("articles", "change_topic"),
        ("articles", "view_revision"),
        ("articles", "view_workflowevent"),
    ],
}


def sync_roles(apps) -> None:
    """Create the groups and set exactly their permissions.

    The data migrations hold frozen copies of this and of ROLE_PERMISSIONS: a change to the
    table reaches existing databases through a new data migration with its own copy.
    """
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
