"""The training pack in the web UI: the course catalogue with its registrations, the
Interests tab of an opportunity, the Training tokens tab of an account, and registrations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from stageflow.accounts.access import access_account_by_id, contacts_for
from stageflow.accounts.models import Contact
from stageflow.core.errors import NotFound, StageflowError
from stageflow.core.models import Via
from stageflow.packs.training import selectors, services
from stageflow.packs.training.access import (
    access_course_by_id,
    access_interest_by_id,
    courses_for,
    ensure_may_course,
    may_course,
)
from stageflow.packs.training.models import Course, Registration
from stageflow.people.models import User
from stageflow.sales.access import access_record_by_id, may_record
from stageflow.sales.models import Opportunity
from stageflow.web.forms import show_service_errors
from stageflow.web.views import signed_in_user

PAGE_SIZE = 50
PICK_LIMIT = 200


class CourseForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    starts_on = forms.DateField(label=gettext_lazy("Starts"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=gettext_lazy("Ends"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    location = forms.CharField(label=gettext_lazy("Location"), max_length=200, required=False)
    price = forms.CharField(label=gettext_lazy("Price per student"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    capacity = forms.IntegerField(label=gettext_lazy("Capacity"), min_value=1, required=False,
                                  help_text=gettext_lazy("Leave empty for no limit."))
    active = forms.BooleanField(label=gettext_lazy("Offered (active)"), required=False,
                                initial=True)
    description = forms.CharField(label=gettext_lazy("Description"), required=False,
                                  max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


# Courses -----------------------------------------------------------------------------------------

@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    q = request.GET.get("q", "")
    show = request.GET.get("show", "active")
    courses = selectors.course_list(user, q=q, active=None if show == "all" else True)
    page = Paginator(courses, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/training/course_list.html", {
        "page": page, "q": q, "show": show, "may_create": may_course(user, "create")})


def _course_form_page(request: HttpRequest, course: Course | None) -> HttpResponse:
    user = signed_in_user(request)
    initial = {name: getattr(course, name) for name in services.COURSE_FIELDS} if course \
        else None
    form = CourseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {**form.cleaned_data, "price": form.cleaned_data["price"] or "0"}
        try:
            if course is None:
                course = services.course_create(actor=user, via=Via.WEB, values=values)
            else:
                version = request.POST.get("version", "")
                course = services.course_update(
                    actor=user, via=Via.WEB, course=course, values=values,
                    expected_version=int(version) if version.isdigit() else None)
        except StageflowError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Course saved."))
            return redirect(course)
    return render(request, "web/training/course_form.html", {"form": form, "course": course})


@login_required
def course_create(request: HttpRequest) -> HttpResponse:
    ensure_may_course(signed_in_user(request), "create")
    return _course_form_page(request, None)


@login_required
def course_edit(request: HttpRequest, course_id: int) -> HttpResponse:
    course = access_course_by_id(signed_in_user(request), course_id, "edit")
    return _course_form_page(request, course)


@login_required
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    user = signed_in_user(request)
    course = access_course_by_id(user, course_id)
    tab = request.GET.get("tab", "details")
    registrations = selectors.registration_list(user, course=course) \
        if tab == "registrations" else None
    return render(request, "web/training/course_detail.html", {
        "course": course, "tab": tab, "registrations": registrations,
        "registered": course.registrations.filter(
            status=Registration.Status.REGISTERED).count(),
        "may_edit": may_course(user, "edit"), "may_delete": may_course(user, "delete")})


@login_required
def course_delete(request: HttpRequest, course_id: int) -> HttpResponse:
    user = signed_in_user(request)
    course = access_course_by_id(user, course_id, "delete")
    error = ""
    if request.method == "POST":
        try:
            services.course_delete(actor=user, via=Via.WEB, course=course)
        except StageflowError as refused:
            error = refused.message
        else:
            messages.success(request, _("Course deleted."))
            return redirect("training:course_list")
    return render(request, "web/confirm_delete.html", {
        "record": course, "kind": _("course"), "error": error,
        "cancel_url": course.get_absolute_url()})


# Registrations -----------------------------------------------------------------------------------

@login_required
def registration_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    course_id = request.GET.get("course", "")
    status = request.GET.get("status", "")
    course = access_course_by_id(user, int(course_id)) if course_id.isdigit() else None
    registrations = selectors.registration_list(
        user, course=course, status=status if status in Registration.Status.values else "")
    page = Paginator(registrations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/training/registration_list.html", {
        "page": page, "course": course, "status": status,
        "statuses": Registration.Status.choices,
        "courses": courses_for(user).order_by("code")[:PICK_LIMIT]})


# The Interests tab of an opportunity -------------------------------------------------------------

def _opportunity(user: User, kind: str, record_id: int, action: str = "view") -> Opportunity:
    if kind != "opportunity":
        raise NotFound(_("No such page."))
    record = access_record_by_id(user, kind, record_id, action)
    assert isinstance(record, Opportunity)
    return record


def _student_choices(user: User, opportunity: Opportunity) -> list[Contact]:
    """The people who may be students: the opportunity's contacts and its account's."""
    condition = Q(pk__in=opportunity.contact_links.values("contact_id"))
    if opportunity.account_id is not None:
        condition |= Q(account_links__account_id=opportunity.account_id)
    return list(contacts_for(user).filter(condition).distinct().order_by(
        "last_name", "first_name")[:PICK_LIMIT])


def _interest_panel(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    opportunity = _opportunity(user, kind, record_id)
    interests = list(selectors.interests_of(opportunity))
    template = ("web/training/_interests.html" if getattr(request, "htmx", False)
                else "web/training/interests_page.html")
    return render(request, template, {
        "kind": kind, "record": opportunity, "interests": interests,
        "total": sum(interest.price for interest in interests),
        "students": _student_choices(user, opportunity),
        "courses": courses_for(user).filter(active=True).exclude(
            pk__in=[interest.course_id for interest in interests]).order_by(
            "starts_on", "code")[:PICK_LIMIT],
        "may_edit": may_record(user, "edit", opportunity)})


def _interests_done(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    if getattr(request, "htmx", False):
        return _interest_panel(request, kind, record_id)
    return redirect(reverse("records:opportunity_detail", kwargs={"record_id": record_id})
                    + "?tab=interests")


@login_required
def interest_panel(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    return _interest_panel(request, kind, record_id)


def _posted_students(user: User, request: HttpRequest) -> list[Contact]:
    ids = [int(value) for value in request.POST.getlist("students") if value.isdigit()]
    found = {contact.pk: contact for contact in contacts_for(user).filter(pk__in=ids)}
    return [found[contact_id] for contact_id in dict.fromkeys(ids) if contact_id in found]


def _interest_values(request: HttpRequest) -> dict[str, Any]:
    values: dict[str, Any] = {}
    number = request.POST.get("number_of_students", "").strip()
    if number:
        values["number_of_students"] = number
    if "price" in request.POST:
        values["price"] = request.POST["price"].strip() or None
    return values


@login_required
@require_POST
def interest_add(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    opportunity = _opportunity(user, kind, record_id, "edit")
    course_id = request.POST.get("course", "")
    try:
        if not course_id.isdigit():
            raise NotFound(_("Choose a course."))
        services.interest_add(actor=user, via=Via.WEB, opportunity=opportunity,
                              course=access_course_by_id(user, int(course_id)),
                              values=_interest_values(request),
                              students=_posted_students(user, request))
    except StageflowError as error:
        messages.error(request, _described(error))
    return _interests_done(request, kind, record_id)


@login_required
@require_POST
def interest_update(request: HttpRequest, kind: str, record_id: int,
                    interest_id: int) -> HttpResponse:
    user = signed_in_user(request)
    opportunity = _opportunity(user, kind, record_id, "edit")
    try:
        services.interest_update(actor=user, via=Via.WEB,
                                 interest=access_interest_by_id(user, opportunity, interest_id),
                                 values=_interest_values(request),
                                 students=_posted_students(user, request))
    except StageflowError as error:
        messages.error(request, _described(error))
    return _interests_done(request, kind, record_id)


@login_required
@require_POST
def interest_remove(request: HttpRequest, kind: str, record_id: int,
                    interest_id: int) -> HttpResponse:
    user = signed_in_user(request)
    opportunity = _opportunity(user, kind, record_id, "edit")
    services.interest_remove(actor=user, via=Via.WEB,
                             interest=access_interest_by_id(user, opportunity, interest_id))
    messages.success(request, _("Interest removed."))
    return _interests_done(request, kind, record_id)


@login_required
@require_POST
def interests_estimate(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    user = signed_in_user(request)
    opportunity = _opportunity(user, kind, record_id, "edit")
    try:
        estimate = services.estimate_from_interests(actor=user, via=Via.WEB,
                                                    opportunity=opportunity)
    except StageflowError as error:
        messages.error(request, _described(error))
        return _interests_done(request, kind, record_id)
    messages.success(request, _("Quotation %(number)s created from the interests, total "
                                "%(currency)s %(total)s.") % {
        "number": estimate.number, "currency": estimate.currency, "total": estimate.total})
    return _interests_done(request, kind, record_id)


def _described(error: StageflowError) -> str:
    if not error.fields:
        return error.message
    return f"{error.message} " + "; ".join(f"{name}: {reason}"
                                           for name, reason in error.fields.items())


# The Training tokens tab of an account -----------------------------------------------------------

@login_required
def token_panel(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    if kind != "account":
        raise NotFound(_("No such page."))
    account = access_account_by_id(signed_in_user(request), record_id)
    template = ("web/training/_tokens.html" if getattr(request, "htmx", False)
                else "web/training/tokens_page.html")
    return render(request, template, {"account": account,
                                      "tokens": selectors.training_tokens(account)})
