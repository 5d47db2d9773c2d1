"""The public's side of a lead form: `/f/<slug>/`, no sign-in.

`?embed=1` is the same form drawn for an `<iframe>` on the business's own website, and only it
(and what it answers) may be framed: every other page keeps the site-wide DENY. The form posts
to its own origin from inside the frame, where browsers do not send the CSRF cookie to a
framed third-party page, so the view is exempt from CSRF: it acts for nobody signed in and
changes nothing but a new lead, which the honeypot and the per-address limit guard.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from csp.decorators import csp_replace
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from stageflow.core import workspace
from stageflow.core.errors import InvalidInput, NotFound
from stageflow.core.models import Via
from stageflow.intake import selectors, services
from stageflow.intake.models import LeadForm
from stageflow.web.views import page_language


def _plain(request: HttpRequest, template: str, context: dict[str, Any],
           status: int) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# Any website may frame the embeddable form: it is where the business puts it. The decorators
# are typed for views of one argument; they pass any arguments through.
_framed = cast(Callable[..., HttpResponse], xframe_options_exempt(
    csp_replace({"frame-ancestors": ["*"]})(cast(Any, _plain))))


def _page(request: HttpRequest, template: str, context: dict[str, Any], *,
          status: int = 200) -> HttpResponse:
    embed = request.GET.get("embed") == "1"
    context = {**context, "embed": embed, "company": workspace.current()}
    return (_framed if embed else _plain)(request, template, context, status)


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _posted(request: HttpRequest, fields: list[selectors.FormField]) -> dict[str, Any]:
    """What the visitor sent for the form's fields (an unticked box sends nothing)."""
    data: dict[str, Any] = {}
    for item in fields:
        if item.kind == "multi_choice":
            data[item.key] = request.POST.getlist(item.key)
        elif item.key in request.POST:
            data[item.key] = request.POST[item.key]
    for name in (services.HONEYPOT, "consent"):
        if name in request.POST:
            data[name] = request.POST[name]
    return data


def _thanks_url(request: HttpRequest, lead_form: LeadForm) -> str:
    url = reverse("intake:public_thanks", kwargs={"slug": lead_form.slug})
    return url + "?embed=1" if request.GET.get("embed") == "1" else url


@never_cache
@csrf_exempt
def public_form(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        lead_form = selectors.public_form(slug)
    except NotFound as error:
        return _page(request, "web/intake/public_closed.html", {"message": error.message},
                     status=404)
    fields = selectors.form_fields(lead_form, page_language())
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = _posted(request, fields)
        try:
            services.form_submit(form=lead_form, data=data, ip_address=_client_ip(request),
                                 via=Via.WEB)
        except services.RateLimited as error:
            return _page(request, "web/intake/public_limited.html",
                         {"lead_form": lead_form, "message": error.message}, status=429)
        except InvalidInput as error:
            errors = error.fields
        else:
            return redirect(lead_form.redirect_url or _thanks_url(request, lead_form))
    rows = [{"field": item, "value": data.get(item.key, [] if item.kind == "multi_choice"
                                              else ""),
             "error": errors.get(item.key, "")} for item in fields]
    return _page(request, "web/intake/public_form.html", {
        "lead_form": lead_form, "rows": rows, "errors": errors,
        "consent_error": errors.get("consent", ""), "consented": bool(data.get("consent")),
        "other_errors": [reason for name, reason in errors.items()
                         if name != "consent" and name not in {f.key for f in fields}],
        "action": request.get_full_path(),
    }, status=422 if errors else 200)


@never_cache
def public_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    lead_form = LeadForm.objects.filter(slug=slug).first()
    if lead_form is None:
        return _page(request, "web/intake/public_closed.html",
                     {"message": _("This form does not exist or is no longer open.")},
                     status=404)
    return _page(request, "web/intake/public_thanks.html", {
        "lead_form": lead_form,
        "message": lead_form.confirmation_message or _("Thank you, we will be in touch.")})
