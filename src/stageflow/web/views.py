"""Pages: thin views that parse input, call services and selectors, and render templates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stageflow.accounts import selectors, services
from stageflow.accounts.access import access_account_by_id, access_contact_by_id
from stageflow.accounts.models import Account, Contact, CustomerStatus
from stageflow.activities.selectors import reminders
from stageflow.core.errors import StageflowError
from stageflow.core.history import history_of
from stageflow.core.models import Via
from stageflow.people import permissions
from stageflow.people.models import Office, User
from stageflow.people.selectors import assignable_users
from stageflow.people.services import (
    api_token_create,
    api_token_revoke,
    ensure_manages_workspace,
)
from stageflow.sales.access import records_for
from stageflow.sales.services import record_tag
from stageflow.web.attribute_display import attribute_rows
from stageflow.web.extensions import panel_links
from stageflow.web.forms import (
    AccountForm,
    AccountLinkForm,
    ContactForm,
    TokenForm,
    form_values,
    show_service_errors,
)
from stageflow.web.records.export import account_table, contact_table, download
from stageflow.web.reports.dashboards import dashboard

PAGE_SIZE = 25


def signed_in_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def administrator(request: HttpRequest) -> User:
    """The signed-in user, who must manage the workspace (NotAllowed otherwise)."""
    user = signed_in_user(request)
    ensure_manages_workspace(user)
    return user


class TagForm(forms.Form):
    tag = forms.CharField(label=_("Tag"), max_length=60)


def tag_bar(target: Any, tag_url: str, untag_url: str, form: forms.Form | None = None,
            *, may_edit: bool = True) -> dict[str, Any]:
    """What the tags bar of a lead, opportunity or account page shows."""
    return {"tags": list(target.tags.all()), "tag_form": form or TagForm(), "tag_url": tag_url,
            "untag_url": untag_url, "may_edit": may_edit}


def tags_response(request: HttpRequest, target: Any, tag_url: str, untag_url: str,
                  form: forms.Form | None = None, status: int = 200) -> HttpResponse:
    """After a tag change: the redrawn bar for htmx, else back to the page with any error."""
    if not getattr(request, "htmx", False):
        if form is not None and form.errors:
            messages.error(request, " ".join(str(e) for errs in form.errors.values()
                                            for e in errs))
        return redirect(target.get_absolute_url())
    return render(request, "web/_tags.html", tag_bar(target, tag_url, untag_url, form),
                  status=status)


def change_tag(request: HttpRequest, target: Any, *, add: bool, tag_url: str,
               untag_url: str) -> HttpResponse:
    """Add the posted tag to (or remove it from) a record the user may edit."""
    user = signed_in_user(request)
    form = TagForm(request.POST)
    if not form.is_valid():
        return tags_response(request, target, tag_url, untag_url, form, 422)
    try:
        record_tag(actor=user, via=Via.WEB, record=target, tag_name=form.cleaned_data["tag"],
                   add=add)
    except StageflowError as error:
        show_service_errors(form, error)
        return tags_response(request, target, tag_url, untag_url, form, 422)
    return tags_response(request, target, tag_url, untag_url)


def page_language() -> str:
    """The language of the page being drawn, as labels are keyed: "en", "nl"."""
    return (get_language() or "en").split("-")[0]


def record_url(url_name: str, *leading: str) -> Callable[[int], str]:
    """The URL of `url_name` for any record id (passed after `leading`): reversed once for a
    list of records rather than once per row."""
    marker = "987654321"
    pattern = reverse(url_name, args=[*leading, marker])
    return lambda record_id: pattern.replace(marker, str(record_id))


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def query_without(request: HttpRequest, *names: str) -> str:
    """The request's query string without `names` (e.g. the page for an export link)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _page(request: HttpRequest, records: QuerySet[Any]) -> Page:
    return Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))


def _list_template(request: HttpRequest, full: str, partial: str) -> str:
    htmx = getattr(request, "htmx", None)
    return partial if htmx and htmx.target == "results" else full


def _edit_page(request: HttpRequest, form: AccountForm | ContactForm, *,
               save: Callable[[dict[str, Any], int | None], object], done_url: str,
               template: str, context: dict[str, Any]) -> HttpResponse:
    """An edit form: save through the service with the version the form was loaded at."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form_values(form), _int_or_none(request.POST.get("version")))
        except StageflowError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(done_url)
    return render(request, template, {"form": form, **context})


def _delete_page(request: HttpRequest, record: Account | Contact, *, kind: str,
                 delete: Callable[[], None], done_url: str) -> HttpResponse:
    """Ask first; on confirmation delete through the service, or say why it cannot be."""
    error_message = ""
    if request.method == "POST":
        try:
            delete()
        except StageflowError as error:
            error_message = error.message
        else:
            messages.success(request, _("“%(name)s” deleted.") % {"name": record})
            return redirect(done_url)
    return render(request, "web/confirm_delete.html", {
        "record": record, "kind": kind, "error": error_message,
        "cancel_url": record.get_absolute_url()})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's dashboard (see `web.reports.dashboards`) and their customers."""
    user = signed_in_user(request)
    recent = selectors.account_list(user=user, ordering="-created")[:5]
    return render(request, "web/home.html", {
        "recent_accounts": recent,
        "account_count": selectors.account_list(user=user).count(),
        "contact_count": selectors.contact_list(user=user).count(),
        "open_leads": records_for(user, "lead").filter(status="open").count(),
        "open_opportunities": records_for(user, "opportunity").filter(status="open").count(),
        "my_open_opportunities": records_for(user, "opportunity").filter(
            status="open", owner=user).count(),
        "due": reminders(user)[:8],
        "may_create_account": permissions.may_at_all(user, "accounts", "create"),
        "may_create_contact": permissions.may_at_all(user, "contacts", "create"),
        **dashboard(user, language=page_language()),
    })


def account_filters(query: Any) -> dict[str, Any]:
    """The accounts overview's filters read from its query string, as `account_list` takes
    them; the page, its export and `stageflow export accounts` share them."""
    return {
        "q": query.get("q", ""),
        "customer_status": query.get("status", ""),
        "office_id": _int_or_none(query.get("office")),
        "owner_id": _int_or_none(query.get("owner")),
        "top_level_only": query.get("top") == "1",
        "ordering": query.get("sort", "name"),
    }


def contact_filters(query: Any) -> dict[str, Any]:
    """The contacts overview's filters read from its query string, as `contact_list` takes
    them."""
    return {
        "q": query.get("q", ""),
        "office_id": _int_or_none(query.get("office")),
        "owner_id": _int_or_none(query.get("owner")),
        "ordering": query.get("sort", "name"),
    }


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    filters = account_filters(request.GET)
    page = _page(request, selectors.account_list(user=user, **filters))
    template = _list_template(request, "web/accounts/list.html", "web/accounts/_results.html")
    return render(request, template, {
        "page": page, "filters": filters, "statuses": CustomerStatus.choices,
        "offices": Office.objects.all(), "owners": assignable_users(),
        "may_create": permissions.may_at_all(user, "accounts", "create"),
        "sort": filters["ordering"], "export_query": query_without(request, "page"),
    })


@login_required
def account_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Every account the overview's filters, search and sort select, as CSV or XLSX."""
    user = signed_in_user(request)
    return download(fmt, account_table(
        selectors.account_list(user=user, **account_filters(request.GET))))


@login_required
def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    user = signed_in_user(request)
    account = access_account_by_id(user, account_id)
    tab = request.GET.get("tab", "details")
    panels = panel_links("account", account.pk, user)
    context: dict[str, Any] = {
        "account": account, "tab": tab, "panels": panels, "panel": panels.get(tab),
        "contact_links": selectors.contact_links_of_account(account, user),
        "sub_accounts": selectors.sub_accounts_of(account, user),
        "may_edit": permissions.may(user, "accounts", "edit", owner_id=account.owner_id,
                                    office_id=account.office_id),
        "may_delete": permissions.may(user, "accounts", "delete", owner_id=account.owner_id,
                                      office_id=account.office_id),
        "may_add_sub": permissions.may(user, "accounts", "create_sub",
                                       owner_id=account.owner_id, office_id=account.office_id),
        "may_add_contact": permissions.may_at_all(user, "contacts", "create"),
        "attribute_rows": attribute_rows("account", account.attributes or {},
                                         get_language() or "en"),
    }
    context.update(tag_bar(account, *_account_tag_urls(account), may_edit=context["may_edit"]))
    if tab == "history":
        context["history"] = history_of(account)[:200]
    return render(request, "web/accounts/detail.html", context)


def _account_tag_urls(account: Account) -> tuple[str, str]:
    return (reverse("web:account_tag", args=[account.pk]),
            reverse("web:account_untag", args=[account.pk]))


@login_required
@require_POST
def account_tag(request: HttpRequest, account_id: int) -> HttpResponse:
    account = access_account_by_id(signed_in_user(request), account_id, "edit")
    tag_url, untag_url = _account_tag_urls(account)
    return change_tag(request, account, add=True, tag_url=tag_url, untag_url=untag_url)


@login_required
@require_POST
def account_untag(request: HttpRequest, account_id: int) -> HttpResponse:
    account = access_account_by_id(signed_in_user(request), account_id, "edit")
    tag_url, untag_url = _account_tag_urls(account)
    return change_tag(request, account, add=False, tag_url=tag_url, untag_url=untag_url)


def _duplicates_block(form: AccountForm | ContactForm, duplicates: list[Any]) -> bool:
    """True when the form must be shown again so the user can confirm a possible duplicate."""
    return bool(duplicates) and not form.cleaned_data.get("confirm_duplicate")


@login_required
def account_create(request: HttpRequest, parent_id: int | None = None) -> HttpResponse:
    user = signed_in_user(request)
    parent = access_account_by_id(user, parent_id, "view") if parent_id else None
    form = AccountForm(request.POST or None, initial={
        "owner": user.pk, "office": permissions.default_office_id(user),
        "parent": parent.pk if parent else None})
    duplicates: list[Any] = []
    if request.method == "POST" and form.is_valid():
        values = form_values(form)
        if parent is not None:
            values["parent"] = parent.pk
        duplicates = selectors.duplicate_accounts_for_values(user=user, values=values)
        if not _duplicates_block(form, duplicates):
            try:
                account = services.account_create(actor=user, via=Via.WEB, values=values)
            except StageflowError as error:
                show_service_errors(form, error)
            else:
                messages.success(request, _("Account “%(name)s” created.") % {"name": account})
                return redirect("web:account_detail", account_id=account.pk)
    return render(request, "web/accounts/form.html", {
        "form": form, "parent": parent, "duplicates": duplicates,
        "title": _("New sub-account of %(name)s") % {"name": parent} if parent
        else _("New account")})


@login_required
def account_edit(request: HttpRequest, account_id: int) -> HttpResponse:
    user = signed_in_user(request)
    account = access_account_by_id(user, account_id, "edit")
    return _edit_page(
        request, AccountForm(request.POST or None, instance=account),
        save=lambda values, version: services.account_update(
            actor=user, via=Via.WEB, account=account, values=values, expected_version=version),
        done_url=account.get_absolute_url(), template="web/accounts/form.html",
        context={"account": account, "title": _("Edit %(name)s") % {"name": account}})


@login_required
def account_delete(request: HttpRequest, account_id: int) -> HttpResponse:
    user = signed_in_user(request)
    account = access_account_by_id(user, account_id, "delete")
    return _delete_page(
        request, account, kind=_("account"), done_url=reverse("web:account_list"),
        delete=lambda: services.account_delete(actor=user, via=Via.WEB, account=account))


@login_required
def account_lookup(request: HttpRequest) -> HttpResponse:
    """Search results for pickers that choose an account (parent, link to a contact)."""
    query = request.GET.get("account_search", "").strip()
    results = selectors.account_list(user=signed_in_user(request), q=query)[:10] if query else []
    return render(request, "web/accounts/_lookup.html", {
        "results": results, "query": query, "target": request.GET.get("target", "parent")})


@login_required
def contact_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    filters = contact_filters(request.GET)
    page = _page(request, selectors.contact_list(user=user, **filters))
    links = selectors.account_links_of_contacts(page.object_list, user)
    for contact in page.object_list:
        contact.visible_account_links = links[contact.pk]
    template = _list_template(request, "web/contacts/list.html", "web/contacts/_results.html")
    return render(request, template, {
        "page": page, "filters": filters, "offices": Office.objects.all(),
        "owners": assignable_users(), "sort": filters["ordering"],
        "may_create": permissions.may_at_all(user, "contacts", "create"),
        "export_query": query_without(request, "page"),
    })


@login_required
def contact_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Every contact the overview's filters, search and sort select, as CSV or XLSX."""
    user = signed_in_user(request)
    return download(fmt, contact_table(
        selectors.contact_list(user=user, **contact_filters(request.GET)), user))


@login_required
def contact_detail(request: HttpRequest, contact_id: int) -> HttpResponse:
    user = signed_in_user(request)
    contact = access_contact_by_id(user, contact_id)
    tab = request.GET.get("tab", "details")
    may_edit = permissions.may(user, "contacts", "edit", owner_id=contact.owner_id,
                               office_id=contact.office_id)
    context: dict[str, Any] = {
        "contact": contact, "tab": tab, "may_edit": may_edit,
        "may_delete": permissions.may(user, "contacts", "delete", owner_id=contact.owner_id,
                                      office_id=contact.office_id),
        "account_links": selectors.account_links_of_contacts([contact], user)[contact.pk],
        "link_form": AccountLinkForm() if may_edit else None,
        "attribute_rows": attribute_rows("contact", contact.attributes or {},
                                         get_language() or "en"),
    }
    if tab == "history":
        context["history"] = history_of(contact)[:200]
    return render(request, "web/contacts/detail.html", context)


@login_required
def contact_create(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    account_id = _int_or_none(request.GET.get("account") or request.POST.get("account"))
    account = access_account_by_id(user, account_id) if account_id else None
    form = ContactForm(request.POST or None, initial={
        "owner": user.pk, "office": permissions.default_office_id(user)})
    duplicates: list[Any] = []
    if request.method == "POST" and form.is_valid():
        values = form_values(form)
        duplicates = selectors.duplicate_contacts_for_values(user=user, values=values)
        if not _duplicates_block(form, duplicates):
            try:
                contact = services.contact_create(
                    actor=user, via=Via.WEB, values=values, account=account,
                    job_title=request.POST.get("job_title", ""))
            except StageflowError as error:
                show_service_errors(form, error)
            else:
                messages.success(request, _("Contact “%(name)s” created.") % {"name": contact})
                return redirect("web:contact_detail", contact_id=contact.pk)
    return render(request, "web/contacts/form.html", {
        "form": form, "account": account, "duplicates": duplicates,
        "title": _("New contact")})


@login_required
def contact_edit(request: HttpRequest, contact_id: int) -> HttpResponse:
    user = signed_in_user(request)
    contact = access_contact_by_id(user, contact_id, "edit")
    return _edit_page(
        request, ContactForm(request.POST or None, instance=contact),
        save=lambda values, version: services.contact_update(
            actor=user, via=Via.WEB, contact=contact, values=values, expected_version=version),
        done_url=contact.get_absolute_url(), template="web/contacts/form.html",
        context={"contact": contact, "title": _("Edit %(name)s") % {"name": contact}})


@login_required
def contact_delete(request: HttpRequest, contact_id: int) -> HttpResponse:
    user = signed_in_user(request)
    contact = access_contact_by_id(user, contact_id, "delete")
    return _delete_page(
        request, contact, kind=_("contact"), done_url=reverse("web:contact_list"),
        delete=lambda: services.contact_delete(actor=user, via=Via.WEB, contact=contact))


@login_required
@require_POST
def contact_link(request: HttpRequest, contact_id: int) -> HttpResponse:
    user = signed_in_user(request)
    contact = access_contact_by_id(user, contact_id, "edit")
    form = AccountLinkForm(request.POST)
    if form.is_valid():
        try:
            account = access_account_by_id(user, form.cleaned_data["account"])
            services.contact_link_account(actor=user, via=Via.WEB, contact=contact,
                                          account=account,
                                          job_title=form.cleaned_data["job_title"])
        except StageflowError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Linked to %(name)s.") % {"name": account})
    else:
        messages.error(request, _("Choose an account from the search results first."))
    return redirect("web:contact_detail", contact_id=contact.pk)


@login_required
@require_POST
def contact_unlink(request: HttpRequest, contact_id: int, account_id: int) -> HttpResponse:
    user = signed_in_user(request)
    contact = access_contact_by_id(user, contact_id, "edit")
    account = access_account_by_id(user, account_id)
    services.contact_unlink_account(actor=user, via=Via.WEB, contact=contact, account=account)
    messages.success(request, _("No longer linked to %(name)s.") % {"name": account})
    return redirect("web:contact_detail", contact_id=contact.pk)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = TokenForm(request.POST or None)
    new_secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_secret = api_token_create(user=user, name=form.cleaned_data["name"])
        except StageflowError as error:
            show_service_errors(form, error)
        else:
            form = TokenForm()
    return render(request, "web/profile.html", {
        "form": form, "new_secret": new_secret, "tokens": user.api_tokens.all(),
        "roles": user.roles.all(), "offices": user.offices.all()})


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = api_token_revoke(user=signed_in_user(request), token_id=token_id)
    except StageflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("web:profile")
