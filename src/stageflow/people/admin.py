from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from stageflow.people.models import ApiToken, Office, Role, RolePermission, User


@admin.register(User)
class StageflowUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,  # type: ignore[misc]
        ("Stageflow", {"fields": ("offices", "roles", "language")}),
    )
    filter_horizontal = ("offices", "roles", "groups", "user_permissions")
    list_display = ("username", "first_name", "last_name", "email", "is_active")


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


class RolePermissionInline(admin.TabularInline):
    model = RolePermission
    extra = 0


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "is_builtin", "manages_workspace")
    inlines = [RolePermissionInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")
