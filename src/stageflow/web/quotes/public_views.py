"""The client's page for an estimate, `/q/<token>`: no sign-in, nothing but that estimate.

Every way a link can fail (unknown, revoked, expired, the estimate no longer sent) answers with
the same 404 page, so the page tells nobody which tokens or estimates exist. The pages are
never cached and send no referrer, so the token does not leak to other sites or proxies.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.utils.decorators import decorator_from_middleware
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from stageflow.core.errors import StageflowError
from stageflow.core.models import Via
from stageflow.quotes import pdf, public, services
from stageflow.quotes.models import EstimateLink


class _NoReferrerCsrf(CsrfViewMiddleware):
    """Django's CSRF check (cookie and form token) for a page sent with `no-referrer`: its
    browser names the form's origin "null", which the site-wide check would refuse."""

    def _origin_verified(self, request: HttpRequest) -> bool:
        return (request.META.get("HTTP_ORIGIN") == "null"
                or super()._origin_verified(request))  # type: ignore[misc]


# The site-wide middleware skips these views (csrf_exempt) because this check runs instead.
client_csrf_protect = decorator_from_middleware(_NoReferrerCsrf)


def _private(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _not_found(request: HttpRequest) -> HttpResponse:
    return _private(render(request, "web/quotes/public_not_found.html",
                           {"message": public.NOT_FOUND_MESSAGE}, status=404))


def _page(request: HttpRequest, link: EstimateLink, token: str, *,
          error: StageflowError | None = None, status: int = 200) -> HttpResponse:
    estimate = link.estimate
    return _private(render(request, "web/quotes/public_quote.html", {
        **pdf.document_context(estimate), "token": token, "error": error,
        "typed_name": request.POST.get("signature", ""),
        "typed_reason": request.POST.get("reason", "")}, status=status))


@never_cache
def quote(request: HttpRequest, token: str) -> HttpResponse:
    link = public.link_for_token(token)
    if link is None:
        return _not_found(request)
    public.link_opened(link)
    return _page(request, link, token)


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@never_cache
@csrf_exempt
@client_csrf_protect
@require_POST
def accept(request: HttpRequest, token: str) -> HttpResponse:
    link = public.link_for_token(token)
    if link is None:
        return _not_found(request)
    try:
        services.estimate_accept(link=link, signature=request.POST.get("signature", ""),
                                 consent=request.POST.get("consent") == "yes",
                                 ip_address=_client_ip(request), via=Via.WEB)
    except StageflowError as error:
        return _page(request, link, token, error=error, status=422)
    return _private(redirect("quotes:public", token=token))


@never_cache
@csrf_exempt
@client_csrf_protect
@require_POST
def decline(request: HttpRequest, token: str) -> HttpResponse:
    link = public.link_for_token(token)
    if link is None:
        return _not_found(request)
    try:
        services.estimate_decline(link=link, reason=request.POST.get("reason", ""),
                                  ip_address=_client_ip(request), via=Via.WEB)
    except StageflowError as error:
        return _page(request, link, token, error=error, status=422)
    return _private(redirect("quotes:public", token=token))
