"""Which record types exist, and how far a user's roles let them act on each.

Every app registers its record types in `AppConfig.ready()`; scopes are resolved once per user
object and reused for the rest of the request.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stageflow.people.models import Role, Scope, User

BASE_ACTIONS = ("view", "create", "edit", "delete")
MANAGE_KEY = ("*", "manage")


@dataclass(frozen=True, slots=True)
class RecordType:
    key: str
    label: str
    actions: tuple[str, ...]


RECORD_TYPES: dict[str, RecordType] = {}


def register_record_type(key: str, label: str, *, extra_actions: tuple[str, ...] = ()) -> None:
    RECORD_TYPES[key] = RecordType(key=key, label=label, actions=BASE_ACTIONS + extra_actions)


def _scopes(user: User) -> dict[tuple[str, str], int]:
    """The widest scope per (record type, action) over the user's roles, read in one query.

    The key `("*", "manage")` holds whether a role lets the user manage the workspace.
    """
    cached: dict[tuple[str, str], int] | None = getattr(user, "_stageflow_scopes", None)
    if cached is None:
        cached = {}
        rows = Role.objects.filter(users=user).values_list(
            "manages_workspace", "permissions__record_type", "permissions__action",
            "permissions__scope")
        for manages, record_type, action, scope in rows:
            if manages:
                cached[MANAGE_KEY] = Scope.ALL
            if record_type is not None:
                key = (record_type, action)
                cached[key] = max(cached.get(key, Scope.NONE), scope)
        user._stageflow_scopes = cached  # type: ignore[attr-defined]
    return cached


def office_ids(user: User) -> frozenset[int]:
    cached: frozenset[int] | None = getattr(user, "_stageflow_office_ids", None)
    if cached is None:
        cached = frozenset(user.offices.values_list("id", flat=True))
        user._stageflow_office_ids = cached  # type: ignore[attr-defined]
    return cached


def forget_cached_permissions(user: User) -> None:
    for attribute in ("_stageflow_scopes", "_stageflow_office_ids"):
        if hasattr(user, attribute):
            delattr(user, attribute)


def scope_for(user: User, record_type: str, action: str) -> Scope:
    if not user.is_active:
        return Scope.NONE
    if user.is_superuser:
        return Scope.ALL
    return Scope(_scopes(user).get((record_type, action), Scope.NONE))


def scope_filter(user: User, record_type: str, action: str = "view") -> Q | None:
    """A filter selecting the records `user` may act on, or None when they may act on none."""
    scope = scope_for(user, record_type, action)
    if scope == Scope.ALL:
        return Q()
    if scope == Scope.OFFICE:
        return Q(office_id__in=office_ids(user)) | Q(owner_id=user.pk)
    if scope == Scope.OWN:
        return Q(owner_id=user.pk)
    return None


def may(user: User, record_type: str, action: str, *, owner_id: int | None,
        office_id: int | None) -> bool:
    """Whether `user` may perform `action` on a record with this owner and office."""
    scope = scope_for(user, record_type, action)
    if scope == Scope.ALL:
        return True
    if scope == Scope.OFFICE and (office_id in office_ids(user) or owner_id == user.pk):
        return True
    return scope >= Scope.OWN and owner_id == user.pk


def may_at_all(user: User, record_type: str, action: str) -> bool:
    return scope_for(user, record_type, action) > Scope.NONE


def manages_workspace(user: User) -> bool:
    return user.is_active and (user.is_superuser or MANAGE_KEY in _scopes(user))


def default_office_id(user: User) -> int | None:
    ids = office_ids(user)
    return min(ids) if ids else None


REFUSALS = {
    "view": _("Your role does not let you see this record."),
    "create": _("Your role does not let you create this record."),
    "edit": _("Your role does not let you change this record."),
    "delete": _("Your role does not let you delete this record."),
    "create_sub": _("Your role does not let you add sub-accounts here."),
    "convert": _("Your role does not let you convert leads."),
}


def refusal(action: str) -> str:
    """The sentence that tells someone their role does not allow `action`."""
    return str(REFUSALS.get(action, REFUSALS["edit"]))
