"""/api/v1/users, /offices, /roles and /me: the team, and what each member may do."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from stageflow.api.common import Ref, caller, ref
from stageflow.core.errors import NotFound
from stageflow.core.models import Via
from stageflow.people import permissions, services
from stageflow.people.models import Office, Role, Scope, User

router = Router(tags=["people"])


class UserOut(Schema):
    id: int
    username: str
    name: str
    email: str
    is_active: bool
    roles: list[str]
    offices: list[Ref]

    @staticmethod
    def resolve_name(user: User) -> str:
        return str(user)

    @staticmethod
    def resolve_roles(user: User) -> list[str]:
        return [role.key for role in user.roles.all()]

    @staticmethod
    def resolve_offices(user: User) -> list[dict[str, Any] | None]:
        return [ref(office) for office in user.offices.all()]


class UserCreateIn(Schema):
    username: str
    password: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    roles: list[str] = []
    offices: list[int] = []


class UserUpdateIn(Schema):
    password: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_active: bool | None = None
    roles: list[str] | None = None
    offices: list[int] | None = None


class OfficeIn(Schema):
    name: str
    code: str = ""


class OfficeOut(Schema):
    id: int
    name: str
    code: str


class GrantIO(Schema):
    record_type: str
    action: str
    scope: str


class RoleOut(Schema):
    key: str
    name: str
    description: str
    is_builtin: bool
    manages_workspace: bool
    permissions: list[GrantIO]

    @staticmethod
    def resolve_permissions(role: Role) -> list[dict[str, str]]:
        return [{"record_type": p.record_type, "action": p.action,
                 "scope": Scope(p.scope).name.lower()} for p in role.permissions.all()]


class RoleIn(Schema):
    name: str | None = None
    description: str | None = None
    manages_workspace: bool | None = None
    permissions: list[GrantIO] | None = None


class MeOut(UserOut):
    manages_workspace: bool
    permissions: dict[str, dict[str, str]]


def _user_queryset() -> QuerySet[User]:
    return User.objects.prefetch_related("roles", "offices").order_by("username")


@router.get("/me", response=MeOut, operation_id="get_me")
def get_me(request: HttpRequest) -> User:
    user = caller(request)
    user.manages_workspace = permissions.manages_workspace(user)  # type: ignore[attr-defined]
    user.permissions = {  # type: ignore[attr-defined]
        record_type.key: {action: permissions.scope_for(user, record_type.key, action).name.lower()
                          for action in record_type.actions}
        for record_type in permissions.RECORD_TYPES.values()}
    return user


@router.get("/users", response=list[UserOut], operation_id="list_users")
@paginate(LimitOffsetPagination)
def list_users(request: HttpRequest, active: bool | None = None) -> QuerySet[User]:
    users = _user_queryset()
    return users if active is None else users.filter(is_active=active)


@router.post("/users", response={201: UserOut}, operation_id="create_user")
def create_user(request: HttpRequest, payload: UserCreateIn) -> Status[User]:
    user = services.user_register(actor=caller(request), via=Via.API,
                                  values=payload.model_dump())
    return Status(201, _user_queryset().get(pk=user.pk))


@router.get("/users/{user_id}", response=UserOut, operation_id="get_user")
def get_user(request: HttpRequest, user_id: int) -> User:
    user = _user_queryset().filter(pk=user_id).first()
    if user is None:
        raise NotFound("No such user.")
    return user


@router.patch("/users/{user_id}", response=UserOut, operation_id="update_user")
def update_user(request: HttpRequest, user_id: int, payload: UserUpdateIn) -> User:
    user = get_user(request, user_id)
    services.user_change(actor=caller(request), via=Via.API, user=user,
                         values=payload.model_dump(exclude_unset=True))
    return _user_queryset().get(pk=user.pk)


@router.get("/offices", response=list[OfficeOut], operation_id="list_offices")
@paginate(LimitOffsetPagination)
def list_offices(request: HttpRequest) -> QuerySet[Office]:
    return Office.objects.order_by("name")


@router.post("/offices", response={201: OfficeOut}, operation_id="create_office")
def create_office(request: HttpRequest, payload: OfficeIn) -> Status[Office]:
    office = services.office_create(actor=caller(request), via=Via.API, name=payload.name,
                                    code=payload.code)
    return Status(201, office)


def _roles() -> QuerySet[Role]:
    return Role.objects.prefetch_related("permissions").order_by("name")


@router.get("/roles", response=list[RoleOut], operation_id="list_roles")
@paginate(LimitOffsetPagination)
def list_roles(request: HttpRequest) -> QuerySet[Role]:
    return _roles()


@router.put("/roles/{key}", response=RoleOut, operation_id="save_role")
def save_role(request: HttpRequest, key: str, payload: RoleIn) -> Role:
    """Create the role with this key, or change it; `permissions` replaces all its grants."""
    services.role_save(actor=caller(request), via=Via.API, key=key,
                       values=payload.model_dump(exclude_unset=True))
    return _roles().get(key=key)


