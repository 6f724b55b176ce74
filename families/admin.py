from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from grocer.admin import SoftDeleteAdmin

from .models import Family, Invitation, Membership, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "display_name", "is_active", "is_staff", "created_at")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("email", "display_name")
    readonly_fields = ("created_at", "updated_at", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name",)}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "created_at", "updated_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Family)
class FamilyAdmin(SoftDeleteAdmin):
    list_display = ("name", "created_at", "deleted_at")
    search_fields = ("name",)
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "family", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "user__display_name", "family__name")
    autocomplete_fields = ("user", "family")
    list_select_related = ("user", "family")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("family", "email", "role", "expires_at", "accepted_at", "revoked_at")
    list_filter = ("role",)
    search_fields = ("family__name", "email")
    autocomplete_fields = ("family", "created_by", "accepted_by")
    readonly_fields = ("token", "created_at", "updated_at")
    list_select_related = ("family",)
