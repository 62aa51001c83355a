from django.contrib.admin.apps import AdminConfig


class HubAdminConfig(AdminConfig):
    default_site = "hub.admin_site.HubAdminSite"
