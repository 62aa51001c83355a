from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .forms import UserChangeForm
from .models import User


def administers_users(user) -> bool:
    """Admins (superusers, or whoever is given the right to change accounts) manage people;
    editors may only look a colleague up, for the author and reviewer pickers."""
    return user.has_perm("accounts.change_user")


# Names, credentials and disclosures appear on author pages and every byline: the articles
# app retires cached pages when a profile is saved, however it is saved.
@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    list_display = ["username", "get_full_name", "credentials", "email", "is_staff", "roles"]
    list_filter = ["groups", "is_staff", "is_superuser", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (
            "Public profile",
            {"fields": ["public_slug", "credentials", "professional_title", "bio", "disclosures"]},
        ),
    ]
    # A "view on site" redirect would tell whoever may open this page a username (half of
    # a login), superusers' included; author pages are linked from their articles.
    view_on_site = False

    # What everyone else who may look people up sees: what a byline shows, and roles. No
    # e-mail addresses, usernames or account flags, in columns, filters, search or lookups
    # in the address (?email__startswith= would answer one letter at a time).
    colleague_list_display = ["name", "credentials", "professional_title", "roles"]
    colleague_search_fields = ["first_name", "last_name"]
    colleague_list_filter = ["groups"]
    colleague_fieldsets = [
        (None, {"fields": ["first_name", "last_name"]}),
        ("Public profile", {"fields": ["credentials", "professional_title", "bio", "disclosures"]}),
        ("Roles", {"fields": ["groups"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_list_display(self, request):
        if administers_users(request.user):
            return self.list_display
        return self.colleague_list_display

    def get_search_fields(self, request):
        if administers_users(request.user):
            return self.search_fields
        return self.colleague_search_fields

    def get_list_filter(self, request):
        if administers_users(request.user):
            return self.list_filter
        return self.colleague_list_filter

    def lookup_allowed(self, lookup, value, request=None):
        colleague = request is not None and not administers_users(request.user)
        if colleague and lookup.split("__")[0] not in self.colleague_list_filter:
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not administers_users(request.user):
            return self.colleague_fieldsets
        return super().get_fieldsets(request, obj)

    @admin.display(description="Name", ordering="last_name")
    def name(self, user):
        return user.get_full_name() or "(no name given)"

    @admin.display(description="Roles")
    def roles(self, user):
        return ", ".join(group.name for group in user.groups.all()) or "—"
