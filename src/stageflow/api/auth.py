"""Tokens for programs: sign in for a token, list and revoke one's own tokens."""

from datetime import datetime

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema, Status

from stageflow.api.common import caller
from stageflow.api.security import API_AUTH
from stageflow.core.errors import NotSignedIn
from stageflow.people.models import ApiToken
from stageflow.people.services import api_token_create, api_token_revoke
from stageflow.people.signin import is_locked_out

router = Router(tags=["auth"])


class CredentialsIn(Schema):
    username: str
    password: str
    name: str = "API sign-in"


class TokenOut(Schema):
    token: str
    id: int
    name: str


class TokenIn(Schema):
    name: str


class TokenInfoOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@router.post("/auth/token", auth=None, response={201: TokenOut}, operation_id="create_token")
def create_token(request: HttpRequest, payload: CredentialsIn) -> Status[dict[str, object]]:
    try:
        user = authenticate(request, username=payload.username, password=payload.password)
    except PermissionDenied:
        user = None
    if user is None:
        if is_locked_out(payload.username):
            raise NotSignedIn("Too many failed sign-ins: this user name is locked for a while.",
                              code="locked")
        raise NotSignedIn("Wrong user name or password.", code="bad_credentials")
    token, secret = api_token_create(user=user, name=payload.name)
    return Status(201, {"token": secret, "id": token.pk, "name": token.name})


@router.get("/me/tokens", auth=API_AUTH, response=list[TokenInfoOut], operation_id="list_tokens")
def list_tokens(request: HttpRequest) -> list[ApiToken]:
    return list(caller(request).api_tokens.all())


@router.post("/me/tokens", auth=API_AUTH, response={201: TokenOut}, operation_id="create_my_token")
def create_my_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, object]]:
    token, secret = api_token_create(user=caller(request), name=payload.name)
    return Status(201, {"token": secret, "id": token.pk, "name": token.name})


@router.delete("/me/tokens/{token_id}", auth=API_AUTH, response={204: None},
               operation_id="revoke_token")
def revoke_token(request: HttpRequest, token_id: int) -> Status[None]:
    api_token_revoke(user=caller(request), token_id=token_id)
    return Status(204, None)


