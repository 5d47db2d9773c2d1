"""Taking in leads and opportunities: the quick intake form and the 3-step creation wizard
(account, contact, record). The wizard keeps its choices in the session and writes everything
in one transaction at the end."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from stageflow.accounts.access import accounts_for, contacts_for
from stageflow.accounts.models import Account, AccountContact, Contact
from stageflow.core.errors import StageflowError
from stageflow.core.models import Via
from stageflow.people.models import User
from stageflow.pipelines.selectors import definition_of
from stageflow.sales import selectors, services
from stageflow.sales.models import Lead, Opportunity
from stageflow.web.forms import show_service_errors
from stageflow.web.records.forms import (
    AccountStepForm,
    ContactStepForm,
    QuickCreateForm,
    RecordStepForm,
    live_pipelines,
    service_values,
)
from stageflow.web.records.kinds import RecordKind, kind_named
from stageflow.web.views import signed_in_user


def _int(value: Any) -> int | None:
    return int(value) if str(value or "").isdigit() else None


def _visible_account(user: User, account_id: Any) -> Account | None:
    pk = _int(account_id)
    return accounts_for(user).filter(pk=pk).first() if pk else None


def _visible_contact(user: User, contact_id: Any) -> Contact | None:
    pk = _int(contact_id)
    return contacts_for(user).filter(pk=pk).first() if pk else None


@login_required
def record_create(request: HttpRequest, kind: str) -> HttpResponse:
    user = signed_in_user(request)
    record_kind = kind_named(kind)
    pipelines = live_pipelines(kind)
    if not pipelines:
        return render(request, "web/records/no_pipeline.html", {"kind": record_kind})
    definitions = {p.key: definition_of(p.live_version) for p in pipelines
                   if p.live_version is not None}
    came_from = _visible_account(user, request.GET.get("account"))
    form = QuickCreateForm(request.POST or None, kind=kind, pipelines=pipelines,
                           definitions=definitions,
                           initial={"owner": user.pk,
                                    "account": came_from.pk if came_from else None})
    form.fields["owner"].required = True
    if request.method == "POST" and form.is_valid():
        try:
            record = services.record_create_with_main_contact(
                actor=user, via=Via.WEB, kind=kind,  # type: ignore[arg-type]
                values=service_values(form),
                pipeline_key=form.cleaned_data.get("pipeline") or None,
                entry=form.cleaned_data.get("entry") or None)
        except StageflowError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("“%(title)s” created.") % {"title": record.title})
            return redirect(record.get_absolute_url())
    data = form.data if form.is_bound else form.initial
    return render(request, "web/records/create.html", {
        "kind": record_kind, "form": form,
        "chosen_account": _visible_account(user, data.get("account")),
        "chosen_contact": _visible_contact(user, data.get("contact"))})


# The wizard ----------------------------------------------------------------------------------

def _state_key(kind: str) -> str:
    return f"record_wizard:{kind}"


def _state(request: HttpRequest, kind: str) -> dict[str, Any]:
    state: dict[str, Any] = request.session.get(_state_key(kind), {})
    return state


def _save_state(request: HttpRequest, kind: str, state: dict[str, Any]) -> None:
    request.session[_state_key(kind)] = state


def _copyable(user: User, kind: str, state: dict[str, Any]) -> list[Lead | Opportunity]:
    """The records of this kind the chosen (existing) contact already has."""
    existing = state.get("contact_mode") == "existing"
    return selectors.copyable_records(user, kind, state.get("contact_id") if existing else None)


@login_required
def record_wizard(request: HttpRequest, kind: str, step: int = 0) -> HttpResponse:
    """Step 0 starts afresh (optionally from an account page), then steps 1 to 3."""
    user = signed_in_user(request)
    record_kind = kind_named(kind)
    if not live_pipelines(kind):
        return render(request, "web/records/no_pipeline.html", {"kind": record_kind})
    if step == 0:
        came_from = _visible_account(user, request.GET.get("account"))
        _save_state(request, kind, {"came_from": came_from.pk if came_from else None})
        step = 1
    state = _state(request, kind)
    if (step > 1 and "account_mode" not in state) or (step > 2 and "contact_mode" not in state):
        return redirect(record_kind.url("wizard"))
    if step == 1:
        return _account_step(request, user, record_kind, state)
    if step == 2:
        if state.get("account_mode") == "none":
            return redirect(record_kind.url("wizard_step"), step=3)
        return _contact_step(request, user, record_kind, state)
    return _record_step(request, user, record_kind, state)


def _render_step(request: HttpRequest, kind: RecordKind, step: int, form: Any,
                 **context: Any) -> HttpResponse:
    status = 422 if request.method == "POST" else 200
    return render(request, "web/records/wizard.html", {
        "kind": kind, "step": step, "form": form, "steps": (
            (1, _("Account")), (2, _("Contact")), (3, kind.singular)), **context},
        status=status)


def _account_step(request: HttpRequest, user: User, kind: RecordKind,
                  state: dict[str, Any]) -> HttpResponse:
    came_from = _visible_account(user, state.get("came_from"))
    initial = {"mode": state.get("account_mode") or ("current" if came_from else "existing"),
               "account": state.get("account_id"), "name": state.get("account_name", "")}
    form = AccountStepForm(request.POST or None, kind=kind.key, came_from=came_from,
                           initial=initial)
    if request.method == "POST" and form.is_valid():
        mode = form.cleaned_data["mode"]
        account = (came_from if mode == "current"
                   else _visible_account(user, form.cleaned_data["account"])
                   if mode == "existing" else None)
        if mode in ("current", "existing") and account is None:
            form.add_error("account", _("Choose an account from the search results."))
        else:
            state.update({"account_mode": mode, "account_id": account.pk if account else None,
                          "account_name": form.cleaned_data["name"].strip()})
            if mode == "none":
                state.update({"contact_mode": "none", "contact_id": None})
            _save_state(request, kind.key, state)
            return redirect(kind.url("wizard_step"), step=3 if mode == "none" else 2)
    data = form.data if form.is_bound else initial
    return _render_step(request, kind, 1, form,
                        chosen_account=_visible_account(user, data.get("account")))


def _contact_step(request: HttpRequest, user: User, kind: RecordKind,
                  state: dict[str, Any]) -> HttpResponse:
    initial = {"mode": state.get("contact_mode") or "existing",
               "contact": state.get("contact_id"),
               **{k: state.get(k, "") for k in ("first_name", "last_name", "email", "phone")}}
    form = ContactStepForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        mode = form.cleaned_data["mode"]
        contact = _visible_contact(user, form.cleaned_data["contact"]) if mode == "existing" \
            else None
        if mode == "existing" and contact is None:
            form.add_error("contact", _("Choose a contact from the search results."))
        else:
            state.update({"contact_mode": mode, "contact_id": contact.pk if contact else None,
                          **{k: form.cleaned_data[k] or "" for k in
                             ("first_name", "last_name", "email", "phone")}})
            _save_state(request, kind.key, state)
            return redirect(kind.url("wizard_step"), step=3)
    account = _visible_account(user, state.get("account_id"))
    account_contacts = ([link.contact for link in AccountContact.objects.filter(
        account=account, contact__in=contacts_for(user)).select_related("contact")[:20]]
        if account else [])
    data = form.data if form.is_bound else initial
    return _render_step(request, kind, 2, form, account=account,
                        account_contacts=account_contacts,
                        chosen_contact=_visible_contact(user, data.get("contact")))


def _record_step(request: HttpRequest, user: User, kind: RecordKind,
                 state: dict[str, Any]) -> HttpResponse:
    copyable = _copyable(user, kind.key, state)
    form = RecordStepForm(request.POST or None, kind=kind.key, copyable=copyable,
                          initial={"start": "empty", "owner": user.pk})
    if request.method == "POST" and form.is_valid():
        source = None
        if form.cleaned_data["start"] == "copy":
            source = next((r for r in copyable if str(r.pk) == form.cleaned_data["copy_of"]),
                          None)
        try:
            record = _wizard_create(user, kind.key, state, form, source)
        except StageflowError as error:
            show_service_errors(form, error)
        else:
            request.session.pop(_state_key(kind.key), None)
            messages.success(request, _("“%(title)s” created.") % {"title": record.title})
            return redirect(record.get_absolute_url())
    back = 1 if state.get("account_mode") == "none" else 2
    return _render_step(request, kind, 3, form, copyable=copyable, back=back,
                        summary=_summary(user, state))


def _summary(user: User, state: dict[str, Any]) -> dict[str, str]:
    """What steps 1 and 2 chose, in words."""
    account = _visible_account(user, state.get("account_id"))
    contact = _visible_contact(user, state.get("contact_id"))
    name = f"{state.get('first_name', '')} {state.get('last_name', '')}".strip()
    return {
        "account": str(account) if account else (
            _("new: %(name)s") % {"name": state.get("account_name")}
            if state.get("account_mode") == "new" else _("none")),
        "contact": str(contact) if contact else (
            _("new: %(name)s") % {"name": name} if state.get("contact_mode") == "new"
            else _("none")),
    }


def _wizard_create(user: User, kind: str, state: dict[str, Any], form: RecordStepForm,
                   source: Lead | Opportunity | None) -> Lead | Opportunity:
    """Everything the three steps chose, in one transaction: account, contact, record."""
    mode = state.get("account_mode")
    choice = services.WizardChoice(
        account_mode="existing" if mode == "current" else str(mode),
        account_id=state.get("account_id"), account_name=state.get("account_name", ""),
        contact_mode=state.get("contact_mode") or "none", contact_id=state.get("contact_id"),
        contact={k: state.get(k, "") for k in services.CONTACT_FIELDS})
    typed = service_values(form, keep_empty=False)
    for name in ("start", "copy_of"):
        typed.pop(name, None)
    typed["attributes"] = {k: v for k, v in (typed.get("attributes") or {}).items()
                           if v not in (None, "", [])}
    return services.record_create_with_wizard(
        actor=user, via=Via.WEB, kind=kind,  # type: ignore[arg-type]
        choice=choice, values=typed, copy_of=source.pk if source else None)
