"""Changes to people: users, their offices and roles, and personal API tokens."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.db import transaction

from stageflow.core import clock
from stageflow.core.errors import InvalidInput, NotFound
from stageflow.people.models import ApiToken, Office, Role, User
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
