"""Signing in: password checks with lock-out after repeated failures, and API token look-up."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from stageflow.core import clock
from stageflow.people.models import ApiToken, SignInFailure, User


def _window_start() -> Any:
    return clock.now() - timedelta(minutes=settings.STAGEFLOW_SIGNIN_LOCK_MINUTES)


def is_locked_out(username: str) -> bool:
    recent = SignInFailure.objects.filter(username=username.lower(), at__gte=_window_start())
    return recent.count() >= settings.STAGEFLOW_SIGNIN_MAX_FAILURES


def _client_ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


class LockoutModelBackend(ModelBackend):
    """Django's password check, refused while a user name is locked after repeated failures."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None,
        password: str | None = None, **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username:
            return None
        if is_locked_out(username):
            # PermissionDenied stops Django trying other backends and counts as a failure.
            raise PermissionDenied("locked")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            SignInFailure.objects.create(username=username.lower(), at=clock.now(),
                                         ip_address=_client_ip(request))
        else:
            SignInFailure.objects.filter(username=username.lower()).delete()
        return user


def hash_token(secret: str) -> str:
    # Tokens carry 256 random bits, so a plain SHA-256 is enough: no brute force is possible.
    return hashlib.sha256(secret.encode()).hexdigest()


def user_for_token(secret: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
