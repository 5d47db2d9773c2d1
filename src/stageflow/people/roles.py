"""The built-in roles and what they grant. Administrators may edit them afterwards."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from stageflow.people.models import Role, RolePermission, Scope
from stageflow.people.permissions import RECORD_TYPES

A, OF, M, N = Scope.ALL, Scope.OFFICE, Scope.OWN, Scope.NONE

def _grants(default: tuple[Scope, Scope, Scope, Scope], **per_type: Any) -> dict[str, Any]:
    """Per record type: the (view, create, edit, delete) scopes and extra actions by name."""
    # Everyone reads the course catalogue; only administrators change it (below).
    return {"*": (default, {}), "courses": ((A, N, N, N), {}), **per_type}


BUILTIN_ROLES: dict[str, dict[str, Any]] = {
    "administrator": {
        "name": "Administrator",
        "description": "Configures the workspace and may do everything.",
        "manages_workspace": True,
        "grants": _grants((A, A, A, A), accounts=((A, A, A, A), {"create_sub": A}),
                          courses=((A, A, A, A), {})),
    },
    "sales_manager": {
        "name": "Sales manager",
        "description": "Leads the sales team: sees and edits all sales records.",
        "grants": _grants((A, A, A, OF), accounts=((A, A, A, OF), {"create_sub": A})),
    },
    "salesperson": {
        "name": "Salesperson",
        "description": "Works their own leads and opportunities; sees their office's customers.",
        "grants": _grants(
            (M, M, M, N),
            accounts=((OF, M, M, N), {"create_sub": N}),
            contacts=((OF, M, M, N), {}),
        ),
    },
    "office": {
        "name": "Office (CSR)",
        "description": "Takes enquiries, keeps customer records and creates jobs for the office.",
        "grants": _grants((OF, OF, OF, N), accounts=((OF, OF, OF, OF), {"create_sub": OF}),
                          contacts=((OF, OF, OF, OF), {})),
    },
    "marketing": {
        "name": "Marketing",
        "description": "Brings in and nurtures leads; reads opportunities.",
        "grants": _grants(
            (OF, N, N, N),
            accounts=((OF, OF, M, N), {"create_sub": N}),
            contacts=((OF, OF, M, N), {}),
            leads=((OF, OF, OF, N), {"convert": N}),
        ),
    },
    "service_manager": {
        "name": "Service manager",
        "description": "Plans the schedule and routes; reads all customers.",
        "grants": _grants((A, N, N, N), accounts=((A, N, OF, N), {"create_sub": OF}),
                          contacts=((A, N, OF, N), {})),
    },
    "technician": {
        "name": "Technician",
        "description": "Works in the field; passes on leads from customers.",
        "grants": _grants((OF, N, N, N), leads=((M, M, M, N), {}),
                          opportunities=((M, M, M, N), {})),
    },
}

# Appointments and routes: the office and salespeople book visits, the service manager plans
# every route; technicians see what is assigned to them (scheduling.access adds that).
_SCHEDULING_GRANTS: dict[str, dict[str, Any]] = {
    "sales_manager": {"routes": ((A, N, N, N), {})},
    "salesperson": {"appointments": ((M, M, M, N), {}), "routes": ((A, N, N, N), {})},
    "office": {"appointments": ((OF, OF, OF, OF), {}), "routes": ((A, N, N, N), {})},
    "marketing": {"appointments": ((N, N, N, N), {}), "routes": ((N, N, N, N), {})},
    "service_manager": {"appointments": ((A, A, A, A), {}), "routes": ((A, A, A, A), {})},
    "technician": {"appointments": ((N, N, N, N), {}), "routes": ((A, N, N, N), {})},
}
for _role, _grants_of_role in _SCHEDULING_GRANTS.items():
    BUILTIN_ROLES[_role]["grants"].update(_grants_of_role)

# An extra action a role does not list gets the scope of the base action it resembles.
EXTRA_ACTION_FALLBACK = {"convert": "edit", "create_sub": "create"}
BASE = ("view", "create", "edit", "delete")


def builtin_scope(role_key: str, record_type: str, action: str) -> Scope:
    grants = BUILTIN_ROLES[role_key]["grants"]
    base, extra = grants.get(record_type, grants["*"])
    if action in extra:
        return Scope(extra[action])
    action = EXTRA_ACTION_FALLBACK.get(action, action)
    if action in BASE:
        return Scope(base[BASE.index(action)])
    return Scope.NONE


@transaction.atomic
def ensure_builtin_roles() -> None:
    """Create missing built-in roles and permission rows; never overwrite an admin's edits."""
    for key, spec in BUILTIN_ROLES.items():
        role, _ = Role.objects.get_or_create(
            key=key,
            defaults={"name": spec["name"], "description": spec["description"],
                      "is_builtin": True,
                      "manages_workspace": spec.get("manages_workspace", False)},
        )
        existing = set(role.permissions.values_list("record_type", "action"))
        RolePermission.objects.bulk_create(
            RolePermission(role=role, record_type=record_type.key, action=action,
                           scope=builtin_scope(key, record_type.key, action))
            for record_type in RECORD_TYPES.values()
            for action in record_type.actions
            if (record_type.key, action) not in existing
        )


def ensure_builtin_roles_after_migrate(**kwargs: Any) -> None:
    ensure_builtin_roles()
