"""Users, offices, roles with their permissions, API tokens and failed sign-ins."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Office(models.Model):
    """A branch or team; drives the "my office" scope."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    code = models.CharField(_("code"), max_length=20, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")

    def __str__(self) -> str:
        return self.name


class Scope(models.IntegerChoices):
    """How far a permission reaches; larger values include the smaller ones."""

    NONE = 0, _("None")
    OWN = 1, _("Own records")
    OFFICE = 2, _("My office's records")
    ALL = 3, _("All records")


class Role(models.Model):
    key = models.SlugField(_("key"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    is_builtin = models.BooleanField(_("built in"), default=False)
    manages_workspace = models.BooleanField(
        _("manages the workspace"), default=False,
        help_text=_("May configure pipelines, roles, users and settings."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.name


class RolePermission(models.Model):
    """A role may perform `action` on records of `record_type` within `scope`."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="permissions")
    record_type = models.CharField(_("record type"), max_length=50)
    action = models.CharField(_("action"), max_length=50)
    scope = models.PositiveSmallIntegerField(_("scope"), choices=Scope.choices, default=Scope.NONE)

    class Meta:
        ordering = ["role", "record_type", "action"]
        constraints = [
            models.UniqueConstraint(fields=["role", "record_type", "action"],
                                    name="unique_role_permission"),
        ]
        verbose_name = _("role permission")
        verbose_name_plural = _("role permissions")

    def __str__(self) -> str:
        return f"{self.role}: {self.record_type}.{self.action} ({self.get_scope_display()})"


class User(AbstractUser):
    offices = models.ManyToManyField(Office, blank=True, related_name="members",
                                     verbose_name=_("offices"))
    roles = models.ManyToManyField(Role, blank=True, related_name="users", verbose_name=_("roles"))
    language = models.CharField(_("language"), max_length=10, blank=True)
    # The account automation acts as: never signs in, never offered as an owner.
    is_automation = models.BooleanField(default=False, editable=False)

    class Meta(AbstractUser.Meta):
        ordering = ["username"]
        verbose_name = _("user")  # type: ignore[assignment]
        verbose_name_plural = _("users")  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class ApiToken(models.Model):
    """A personal API token. Only a hash of the secret is stored; the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class SignInFailure(models.Model):
    username = models.CharField(max_length=150, db_index=True)
    at = models.DateTimeField(db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.username} at {self.at:%Y-%m-%d %H:%M}"
