from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import User


# Names, credentials and disclosures appear on author pages and every byline: the articles
# app retires cached pages when a profile is saved, however it is saved.
@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "get_full_name", "credentials", "email", "is_staff", "roles"]
    list_filter = ["groups", "is_staff", "is_superuser", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    # A "view on site" redirect would tell whoever may open this page a username (half of
    # a login), superusers' included; author pages are linked from their articles.
    view_on_site = False
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        ("Public profile", {"fields": ["credentials", "professional_title", "bio", "disclosures"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Roles")
    def roles(self, user):
        return ", ".join(group.name for group in user.groups.all()) or "—"
