"""Import pages: upload → map columns → preview → dry run → import → result → undo."""

from __future__ import annotations

from itertools import islice
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from stageflow.core import clock
from stageflow.core.errors import Conflict, StageflowError
from stageflow.core.tabular import table_response
from stageflow.imports import parsing, selectors, services
from stageflow.imports.fields import FieldOption, field_options
from stageflow.imports.models import Duplicates, ImportBatch, Kind
from stageflow.imports.planning import PERMISSION_TYPE, Planner, RowPlan
from stageflow.people import permissions
from stageflow.people.models import User
from stageflow.web.views import signed_in_user

PAGE_SIZE = 25
PREVIEW_ROWS = 10
SHOWN_PROBLEMS = 200


def importable_kinds(user: User) -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Kind.choices
            if permissions.may_at_all(user, PERMISSION_TYPE[value], "create")]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("The file holds"))
    file = forms.FileField(label=gettext_lazy("CSV (UTF-8) or XLSX file, at most 25 MB"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = importable_kinds(user)


class MappingForm(forms.Form):
    duplicates = forms.ChoiceField(
        label=gettext_lazy("When a row matches an existing record (same email, phone or name)"),
        choices=Duplicates.choices, widget=forms.RadioSelect)
    good_rows_only = forms.BooleanField(
        label=gettext_lazy("Import the good rows and report the others"), required=False,
        help_text=gettext_lazy("Off: one bad row stops the import and nothing is written."))
    run_rules = forms.BooleanField(
        label=gettext_lazy("Run the “created” automation rules for imported records"),
        required=False,
        help_text=gettext_lazy("Off by default, so migrating old records sends no emails or "
                               "messages."))

    def __init__(self, *args: Any, batch: ImportBatch, options: list[FieldOption],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— ignore this column —"))] + [
            (option.key, f"{option.label}{' *' if option.required else ''}")
            for option in options]
        self.column_names = []
        for index, header in enumerate(batch.headers):
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(label=header or _("(no header)"),
                                                  choices=choices, required=False)
            self.column_names.append(name)
        if batch.kind not in ("lead", "opportunity"):
            del self.fields["run_rules"]

    def columns(self) -> list[forms.BoundField]:
        return [self[name] for name in self.column_names]

    def mapping(self) -> list[str]:
        return [self.cleaned_data[name] for name in self.column_names]


def _batch(request: HttpRequest, batch_id: int) -> ImportBatch:
    return selectors.access_batch(signed_in_user(request), batch_id)


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    """The imports so far (who, when, counts) and the form to upload a new file."""
    user = signed_in_user(request)
    form = UploadForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.batch_create(actor=user, kind=form.cleaned_data["kind"],
                                          upload=form.cleaned_data["file"])
        except StageflowError as error:
            form.add_error("file" if "file" in error.fields else None, error.message)
        else:
            return redirect("imports:mapping", batch_id=batch.pk)
    page = Paginator(selectors.batches_for(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/imports/list.html", {
        "form": form, "page": page, "may_import": bool(importable_kinds(user)),
        "max_mb": parsing.MAX_BYTES // 2**20})


def _samples(batch: ImportBatch, count: int) -> list[tuple[int, list[str]]]:
    with batch.file.open("rb") as stream:
        table = parsing.read_table(stream, batch.file.name or "", batch.file.size,
                                   batch.delimiter)
    return list(islice(table.rows(), count))


@login_required
def import_mapping(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Step 2: a field for each column, guessed or remembered, and the duplicate choices."""
    batch = _batch(request, batch_id)
    if batch.state not in (ImportBatch.State.MAPPING, ImportBatch.State.CHECKED,
                           ImportBatch.State.FAILED):
        return redirect("imports:detail", batch_id=batch.pk)
    options = field_options(batch.kind)
    initial = {f"column_{index}": key for index, key in enumerate(batch.mapping)}
    initial.update(duplicates=batch.duplicates, good_rows_only=batch.good_rows_only,
                   run_rules=batch.run_rules)
    form = MappingForm(request.POST or None, batch=batch, options=options, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.batch_set_mapping(
                actor=signed_in_user(request), batch=batch, mapping=form.mapping(),
                duplicates=form.cleaned_data["duplicates"],
                good_rows_only=form.cleaned_data["good_rows_only"],
                run_rules=form.cleaned_data.get("run_rules", False))
        except StageflowError as error:
            form.add_error(None, error.message)
            for column, why in error.fields.items():
                form.add_error(None, f"{column}: {why}")
        else:
            return redirect("imports:preview", batch_id=batch.pk)
    samples = _samples(batch, 3)
    columns = [(field, [cells[index] for _number, cells in samples])
               for index, field in enumerate(form.columns())]
    return render(request, "web/imports/mapping.html", {
        "batch": batch, "form": form, "columns": columns})


def _preview_rows(batch: ImportBatch, user: User) -> tuple[list[str], list[dict[str, Any]]]:
    """The first rows as they would be imported: cleaned values, the action and problems."""
    mapped = [(index, key) for index, key in enumerate(batch.mapping) if key]
    labels = {option.key: str(option.label) for option in field_options(batch.kind)}
    planner = Planner(actor=user, kind=batch.kind, headers=batch.headers,
                      mapping=batch.mapping, duplicates=batch.duplicates, now=clock.now())
    samples = _samples(batch, PREVIEW_ROWS)
    plans: list[RowPlan] = planner.plan_chunk(samples)
    rows = []
    for (_number, cells), plan in zip(samples, plans, strict=True):
        rows.append({"plan": plan, "cells": [cells[index] for index, _key in mapped]})
    return [labels.get(key, key) for _index, key in mapped], rows


@login_required
def import_preview(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Step 3: the first rows as they would be imported, before the dry run."""
    batch = _batch(request, batch_id)
    headers, rows = _preview_rows(batch, signed_in_user(request))
    return render(request, "web/imports/preview.html", {
        "batch": batch, "headers": headers, "rows": rows, "preview_rows": PREVIEW_ROWS})


@login_required
@require_POST
def import_start(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Start the dry run (`dry_run=1`) or the import; a small file is done when this returns."""
    batch = _batch(request, batch_id)
    try:
        services.batch_start(actor=signed_in_user(request), batch=batch,
                             dry_run=request.POST.get("dry_run") == "1")
    except StageflowError as error:
        messages.error(request, error.message)
    return redirect("imports:detail", batch_id=batch.pk)


@login_required
def import_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Progress while it runs, then the counts and the rows with problems."""
    batch = _batch(request, batch_id)
    return render(request, "web/imports/detail.html", {
        "batch": batch, "problems": batch.problems[:SHOWN_PROBLEMS],
        "shown_problems": SHOWN_PROBLEMS})


@login_required
def import_progress(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The progress bar, polled by htmx; once the batch is done the page reloads."""
    batch = _batch(request, batch_id)
    response = render(request, "web/imports/_progress.html", {"batch": batch})
    if not batch.busy:
        response["HX-Refresh"] = "true"
    return response


@login_required
def import_problems(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    return table_response("csv", f"import-{batch.pk}-problems", selectors.PROBLEM_HEADER,
                          selectors.problem_rows(batch))


@login_required
def import_undo(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Confirm, then remove what the import created and restore what it updated."""
    batch = _batch(request, batch_id)
    refusal = ""
    if request.method == "POST":
        try:
            batch = services.batch_undo(actor=signed_in_user(request), batch=batch,
                                        keep_changed=request.POST.get("keep_changed") == "1")
        except StageflowError as error:
            if isinstance(error, Conflict) and error.code == "changed_since":
                refusal = error.message
            else:
                messages.error(request, error.message)
                return redirect("imports:detail", batch_id=batch.pk)
        else:
            messages.success(request, batch.message)
            return redirect("imports:detail", batch_id=batch.pk)
    return render(request, "web/imports/undo.html", {
        "batch": batch, "refusal": refusal, "cancel_url": reverse("imports:detail",
                                                                  args=[batch.pk])})
