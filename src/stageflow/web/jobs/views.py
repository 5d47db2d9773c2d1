"""The Job tab of an opportunity (won → job) and the Payment methods tab of an account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stageflow.accounts import payment_methods
from stageflow.accounts.access import access_account_by_id
from stageflow.accounts.models import Account
from stageflow.core.errors import NotFound, StageflowError
from stageflow.core.models import Via
from stageflow.jobs import selectors
from stageflow.jobs.naming import suggested_name
from stageflow.jobs.services import job_create
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.sales.access import access_record_by_id
from stageflow.sales.models import Opportunity, Status
from stageflow.web.views import signed_in_user


def _opportunity(user: User, kind: str, record_id: int) -> Opportunity:
    if kind != "opportunity":
        raise NotFound(_("Jobs are created from opportunities."))
    opportunity = access_record_by_id(user, kind, record_id)
    assert isinstance(opportunity, Opportunity)
    return opportunity


def _ids(request: HttpRequest, name: str) -> list[int]:
    return [int(value) for value in request.POST.getlist(name) if value.isdigit()]


def _job_panel(request: HttpRequest, opportunity: Opportunity, *, name: str | None = None,
               error: StageflowError | None = None, status: int = 200) -> HttpResponse:
    user = signed_in_user(request)
    customer = opportunity.account
    template = ("web/jobs/_job_panel.html" if getattr(request, "htmx", False)
                else "web/jobs/job_page.html")
    return render(request, template, {
        "record": opportunity, "customer": customer, "job": selectors.job_of(opportunity),
        "is_won": opportunity.status == Status.WON,
        "may_create": customer is not None and permissions.may(
            user, "accounts", "create_sub", owner_id=customer.owner_id,
            office_id=customer.office_id),
        "name": suggested_name(opportunity) if name is None else name,
        "estimates": selectors.estimates_of(opportunity),
        "appointments": selectors.appointments_of(opportunity),
        "error": error,
    }, status=status)


@login_required
def job_panel(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    return _job_panel(request, _opportunity(signed_in_user(request), kind, record_id))


@login_required
@require_POST
def job_create_view(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    opportunity = _opportunity(user, kind, record_id)
    name = request.POST.get("name", "")
    try:
        job = job_create(actor=user, via=Via.WEB, opportunity=opportunity, name=name,
                         estimate_ids=_ids(request, "estimates"),
                         appointment_ids=_ids(request, "appointments"))
    except StageflowError as error:
        return _job_panel(request, opportunity, name=name, error=error, status=422)
    messages.success(request, _("Job “%(name)s” created.") % {"name": job.name})
    if getattr(request, "htmx", False):
        return _job_panel(request, opportunity)
    return redirect(opportunity.get_absolute_url() + "?tab=job")


# --- cards on file ---------------------------------------------------------------------------

def _account(user: User, kind: str, record_id: int, action: str = "view") -> Account:
    if kind != "account":
        raise NotFound(_("Cards are kept on accounts."))
    return access_account_by_id(user, record_id, action)


def _cards_panel(request: HttpRequest, account: Account, *,
                 error: StageflowError | None = None, status: int = 200) -> HttpResponse:
    user = signed_in_user(request)
    template = ("web/jobs/_cards_panel.html" if getattr(request, "htmx", False)
                else "web/jobs/cards_page.html")
    return render(request, template, {
        "account": account, "cards": payment_methods.payment_methods_of(account),
        "may_edit": permissions.may(user, "accounts", "edit", owner_id=account.owner_id,
                                    office_id=account.office_id),
        "providers": sorted(payment_methods.PAYMENT_PROVIDERS.values(), key=lambda p: p.key),
        "error": error, "posted": request.POST if error else {},
    }, status=status)


def _cards_done(request: HttpRequest, account: Account) -> HttpResponse:
    if getattr(request, "htmx", False):
        return _cards_panel(request, account)
    return redirect(account.get_absolute_url() + "?tab=payment-methods")


@login_required
def cards_panel(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    return _cards_panel(request, _account(signed_in_user(request), kind, record_id))


@login_required
@require_POST
def card_add(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    account = _account(user, kind, record_id, "edit")
    posted = {name: request.POST.get(name, "").strip() for name in (
        "provider", "token", "brand", "last4", "exp_month", "exp_year", "label")}
    values: dict[str, str | bool] = {name: value for name, value in posted.items() if value}
    values["is_default"] = request.POST.get("is_default") == "1"
    try:
        method = payment_methods.payment_method_add(actor=user, via=Via.WEB, account=account,
                                                    values=values)
    except StageflowError as error:
        return _cards_panel(request, account, error=error, status=422)
    messages.success(request, _("Card %(card)s kept on file.") % {"card": method})
    return _cards_done(request, account)


@login_required
@require_POST
def card_delete(request: HttpRequest, kind: str, record_id: int,
                payment_method_id: int) -> HttpResponse:
    user = signed_in_user(request)
    account = _account(user, kind, record_id, "edit")
    method = payment_methods.payment_method_of(account, payment_method_id)
    payment_methods.payment_method_delete(actor=user, via=Via.WEB, payment_method=method)
    messages.success(request, _("Card %(card)s removed.") % {"card": method})
    return _cards_done(request, account)
