"""Changes to people: users, their offices and roles, and personal API tokens."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from stageflow.core import clock
from stageflow.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from stageflow.core.history import record_history
from stageflow.core.models import HistoryEntry, Via
from stageflow.people import permissions
from stageflow.people.models import ApiToken, Office, Role, RolePermission, Scope, User
from stageflow.people.signin import hash_token


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    role_keys: Iterable[str] = (),
    offices: Iterable[Office] = (),
    is_superuser: bool = False,
) -> User:
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput("This user name is taken.", fields={"username": "already taken"})
    roles = list(Role.objects.filter(key__in=list(role_keys)))
    unknown = set(role_keys) - {role.key for role in roles}
    if unknown:
        raise InvalidInput("Unknown role.",
                           fields={"roles": f"unknown: {', '.join(sorted(unknown))}"})
    user = User(username=username, email=email, first_name=first_name, last_name=last_name,
                is_superuser=is_superuser, is_staff=is_superuser)
    user.set_password(password)
    user.save()
    user.roles.set(roles)
    user.offices.set(list(offices))
    return user


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never shown again."""
    name = name.strip()
    if not name:
        raise InvalidInput("Give the token a name.", fields={"name": "required"})
    if len(name) > 100:
        raise InvalidInput("The name is too long.", fields={"name": "at most 100 characters"})
    secret = "sf_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=secret[:10],
                                    key_hash=hash_token(secret))
    return token, secret


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).first()
    if token is None:
        raise NotFound("No such token.")
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    return token


def ensure_manages_workspace(actor: User) -> None:
    if not permissions.manages_workspace(actor):
        raise NotAllowed(_("Only administrators may change the settings, users and roles of the "
                         "workspace."))


def _offices_by_id(ids: Any, errors: dict[str, str]) -> list[Office]:
    ids = list(ids or [])
    offices = list(Office.objects.filter(pk__in=[i for i in ids if isinstance(i, int)]))
    if len(offices) != len(set(ids)):
        errors["offices"] = _("Unknown office.")
    return offices


def _roles_by_key(keys: Any, errors: dict[str, str]) -> list[Role]:
    keys = list(keys or [])
    roles = list(Role.objects.filter(key__in=keys))
    if len(roles) != len(set(keys)):
        unknown = sorted(set(keys) - {role.key for role in roles})
        errors["roles"] = _("Unknown role: %(keys)s.") % {"keys": ", ".join(map(str, unknown))}
    return roles


def _check_password(password: str, user: User, errors: dict[str, str]) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        errors["password"] = " ".join(error.messages)


USER_FIELDS = ("email", "first_name", "last_name", "is_active", "language")


@transaction.atomic
def user_register(*, actor: User, via: Via, values: Mapping[str, Any]) -> User:
    """An administrator adds a person, with their roles and offices."""
    ensure_manages_workspace(actor)
    errors: dict[str, str] = {}
    username = str(values.get("username") or "").strip()
    if not username:
        errors["username"] = _("Required.")
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = _("This user name is taken.")
    user = User(username=username, **{k: values[k] for k in USER_FIELDS if k in values})
    password = str(values.get("password") or "")
    _check_password(password, user, errors)
    roles = _roles_by_key(values.get("roles"), errors)
    offices = _offices_by_id(values.get("offices"), errors)
    if errors:
        raise InvalidInput(_("Some fields need attention."), fields=errors)
    user = user_create(username=username, password=password, role_keys=[r.key for r in roles],
                       offices=offices,
                       **{k: values[k] for k in ("email", "first_name", "last_name")
                          if k in values})
    record_history(record=user, actor=actor, via=via, action=HistoryEntry.Action.CREATED,
                   summary=_("Roles: %(roles)s") % {"roles": ", ".join(r.key for r in roles)})
    return user


@transaction.atomic
def user_change(*, actor: User, via: Via, user: User, values: Mapping[str, Any]) -> User:
    ensure_manages_workspace(actor)
    errors: dict[str, str] = {}
    changes = []
    for name in USER_FIELDS:
        if name in values and getattr(user, name) != values[name]:
            changes.append({"field": name, "label": name, "old": getattr(user, name),
                            "new": values[name]})
            setattr(user, name, values[name])
    if user.pk == actor.pk and values.get("is_active") is False:
        errors["is_active"] = _("You cannot deactivate yourself.")
    if values.get("password"):
        _check_password(str(values["password"]), user, errors)
    roles = _roles_by_key(values["roles"], errors) if "roles" in values else None
    offices = _offices_by_id(values["offices"], errors) if "offices" in values else None
    if errors:
        raise InvalidInput(_("Some fields need attention."), fields=errors)
    if values.get("password"):
        user.set_password(str(values["password"]))
        changes.append({"field": "password", "label": "password", "old": None, "new": "***"})
    user.save()
    if roles is not None:
        old = sorted(user.roles.values_list("key", flat=True))
        user.roles.set(roles)
        changes.append({"field": "roles", "label": "roles", "old": ", ".join(old),
                        "new": ", ".join(sorted(r.key for r in roles))})
    if offices is not None:
        user.offices.set(offices)
        changes.append({"field": "offices", "label": "offices", "old": None,
                        "new": ", ".join(sorted(o.name for o in offices))})
    permissions.forget_cached_permissions(user)
    record_history(record=user, actor=actor, via=via, action=HistoryEntry.Action.UPDATED,
                   changes=changes)
    return user


@transaction.atomic
def office_create(*, actor: User, via: Via, name: str, code: str = "") -> Office:
    ensure_manages_workspace(actor)
    name = name.strip()
    if not name:
        raise InvalidInput(_("Give the office a name."), fields={"name": _("Required.")})
    if Office.objects.filter(name__iexact=name).exists():
        raise Conflict(_("An office with this name exists."), fields={"name": _("taken")})
    office = Office.objects.create(name=name[:120], code=code.strip()[:20])
    record_history(record=office, actor=actor, via=via, action=HistoryEntry.Action.CREATED)
    return office


def _permission_rows(role: Role, grants: Any, errors: dict[str, str]) -> list[RolePermission]:
    rows = []
    for index, grant in enumerate(grants or []):
        record_type = permissions.RECORD_TYPES.get(str(grant.get("record_type")))
        action = grant.get("action")
        scope = grant.get("scope")
        path = f"permissions[{index}]"
        if record_type is None:
            errors[f"{path}.record_type"] = _("Unknown record type.")
        elif action not in record_type.actions:
            errors[f"{path}.action"] = _("Unknown action; one of: %(actions)s.") % {
                "actions": ", ".join(record_type.actions)}
        elif not (isinstance(scope, str) and scope.upper() in Scope.names):
            errors[f"{path}.scope"] = _("One of: none, own, office, all.")
        else:
            value = Scope[scope.upper()]
            rows.append(RolePermission(role=role, record_type=record_type.key, action=action,
                                       scope=value))
    return rows


@transaction.atomic
def role_save(*, actor: User, via: Via, key: str, values: Mapping[str, Any]) -> Role:
    """Create a role or change one; `permissions`, when given, replaces all its grants."""
    ensure_manages_workspace(actor)
    role = Role.objects.filter(key=key).first()
    created = role is None
    errors: dict[str, str] = {}
    if role is None:
        if not key or not key.replace("_", "").replace("-", "").isalnum():
            errors["key"] = _("Use letters, digits, - and _ only.")
        role = Role(key=key, name=str(values.get("name") or key))
    for name in ("name", "description", "manages_workspace"):
        if name in values:
            setattr(role, name, values[name])
    if not str(role.name).strip():
        errors["name"] = _("Required.")
    if errors:
        raise InvalidInput(_("Some fields need attention."), fields=errors)
    role.save()
    if "permissions" in values:
        rows = _permission_rows(role, values["permissions"], errors)
        if errors:
            raise InvalidInput(_("Some permissions are not valid."), fields=errors)
        role.permissions.all().delete()
        RolePermission.objects.bulk_create(rows)
    record_history(record=role, actor=actor, via=via,
                   action=HistoryEntry.Action.CREATED if created else HistoryEntry.Action.UPDATED)
    return role
