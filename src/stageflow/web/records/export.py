"""Overviews as tables: leads, opportunities, accounts, contacts (and the activity and work
queue lists) for the CSV and XLSX downloads of the overview pages and for `stageflow export`.

A table is built from the queryset the overview itself lists (its scope, filters, search and
sort), and its rows are read lazily in chunks: the ordered ids first, then each chunk with its
related rows, so a download streams in a bounded number of queries per chunk and never pays for
deep OFFSET scans. Cells keep their Python types; `stageflow.core.tabular` neutralises text and
keeps numbers and dates typed in XLSX.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from stageflow.accounts.models import Account, Contact
from stageflow.accounts.selectors import account_links_of_contacts
from stageflow.activities.models import Activity
from stageflow.core.tabular import table_response
from stageflow.people.models import User
from stageflow.pipelines.models import CustomAttribute
from stageflow.pipelines.selectors import attributes_of
from stageflow.reports.base import Report
from stageflow.sales.models import Lead, Opportunity
from stageflow.sales.selectors import attach_definitions
from stageflow.web.records.display import definition, stage_label, step_label

CHUNK: Final = 500

M = TypeVar("M", bound=Model)
Row = Sequence[Any]


@dataclass(frozen=True)
class Table:
    name: str  # the download's file name, without extension
    title: str  # the worksheet's title
    header: list[str]
    rows: Iterable[Row]


def download(fmt: str, table: Table) -> HttpResponse:
    """The table as a CSV (streamed) or XLSX download; UnknownFormat for any other `fmt`."""
    return table_response(fmt, table.name, table.header, table.rows, table.title)


def _chunks(records: QuerySet[M], load: Callable[[QuerySet[M]], QuerySet[M]]) -> Iterator[list[M]]:
    """The records in their queryset's order, CHUNK at a time, each chunk read by `load`
    (which adds select_related / prefetch_related) from its ids."""
    ids = list(records.values_list("pk", flat=True))
    manager = records.model._default_manager
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        found = {row.pk: row for row in load(manager.filter(pk__in=part))}
        yield [found[pk] for pk in part if pk in found]


def _attributes(record_type: str) -> list[CustomAttribute]:
    return list(attributes_of(record_type).filter(active=True))


def _attribute_cell(attribute: CustomAttribute, value: Any) -> Any:
    """A custom attribute's stored value as a cell: dates and numbers typed when they parse,
    anything else as stored (so a malformed value is exported, never dropped)."""
    if value in (None, ""):
        return None
    if attribute.type == CustomAttribute.Type.DATE and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if attribute.type in (CustomAttribute.Type.NUMBER, CustomAttribute.Type.MONEY) \
            and not isinstance(value, bool):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return value
    return value


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(moment) if moment is not None else None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def record_table(kind: str, records: QuerySet[Any], lang: str) -> Table:
    """Leads or opportunities (`kind` "lead" or "opportunity") with stage and step names in
    `lang` and every active custom attribute."""
    attributes = _attributes(kind)
    header = ["id", "title", "pipeline", "stage", "step", "status", "owner", "office",
              "account", "contact", "source", "category", "priority"]
    if kind == "opportunity":
        header += ["value", "currency", "expected_close_date", "probability"]
    header += ["tags", "created_at", *(a.key for a in attributes)]

    def rows() -> Iterator[Row]:
        for chunk in _chunks(records, lambda found: found.select_related(
                "owner", "office", "account", "contact", "pipeline").prefetch_related("tags")):
            attach_definitions(chunk)
            for record in chunk:
                yield _record_row(kind, record, lang, attributes)

    return Table(name="leads" if kind == "lead" else "opportunities",
                 title=_("Leads") if kind == "lead" else _("Opportunities"),
                 header=header, rows=rows())


def _record_row(kind: str, record: Lead | Opportunity, lang: str,
                attributes: list[CustomAttribute]) -> Row:
    found = definition(record)
    row: list[Any] = [
        record.pk, record.title, record.pipeline.key, stage_label(found, record.stage, lang),
        step_label(found, record.step), record.status, _text(record.owner),
        _text(record.office), _text(record.account), _text(record.contact), record.source,
        record.category, record.priority]
    if isinstance(record, Opportunity):
        row += [record.value, record.currency, record.expected_close_date, record.probability]
    row += [[tag.name for tag in record.tags.all()], _local(record.created_at)]
    values = record.attributes or {}
    row += [_attribute_cell(a, values.get(a.key)) for a in attributes]
    return row


def account_table(accounts: QuerySet[Account]) -> Table:
    """Accounts with their addresses, tags and every active custom attribute."""
    attributes = _attributes("account")
    header = ["id", "name", "customer_status", "parent", "owner", "office", "email", "phone",
              "phone_alt", "website", "billing_street", "billing_city", "billing_postcode",
              "billing_region", "billing_country", "service_street", "service_city",
              "service_postcode", "service_region", "service_country", "tags", "created_at",
              *(a.key for a in attributes)]

    def rows() -> Iterator[Row]:
        for chunk in _chunks(accounts, lambda found: found.select_related(
                "owner", "office", "parent").prefetch_related("tags")):
            for account in chunk:
                values = account.attributes or {}
                yield [
                    account.pk, account.name, account.get_customer_status_display(),
                    _text(account.parent), _text(account.owner), _text(account.office),
                    account.email, account.phone, account.phone_alt, account.website,
                    account.billing_street, account.billing_city, account.billing_postcode,
                    account.billing_region, account.billing_country, account.service_street,
                    account.service_city, account.service_postcode, account.service_region,
                    account.service_country,
                    [tag.name for tag in account.tags.all()],
                    _local(account.created_at),
                    *(_attribute_cell(a, values.get(a.key)) for a in attributes)]

    return Table(name="accounts", title=_("Accounts"), header=header, rows=rows())


def contact_table(contacts: QuerySet[Contact], user: User) -> Table:
    """Contacts with the accounts they are linked to that `user` may see."""
    attributes = _attributes("contact")
    header = ["id", "title", "first_name", "last_name", "email", "email_alt", "phone",
              "mobile", "accounts", "owner", "office", "created_at",
              *(a.key for a in attributes)]

    def rows() -> Iterator[Row]:
        for chunk in _chunks(contacts, lambda found: found.select_related("owner", "office")):
            links = account_links_of_contacts(chunk, user)
            for contact in chunk:
                values = contact.attributes or {}
                yield [
                    contact.pk, contact.title, contact.first_name, contact.last_name,
                    contact.email, contact.email_alt, contact.phone, contact.mobile,
                    [link.account.name for link in links[contact.pk]], _text(contact.owner),
                    _text(contact.office), _local(contact.created_at),
                    *(_attribute_cell(a, values.get(a.key)) for a in attributes)]

    return Table(name="contacts", title=_("Contacts"), header=header, rows=rows())


def activity_table(activities: QuerySet[Activity]) -> Table:
    """Activities with the record each is on."""
    header = ["id", "kind", "subject", "due_at", "ends_at", "done_at", "assignee", "record",
              "details", "created_at"]

    def rows() -> Iterator[Row]:
        for chunk in _chunks(activities, lambda found: found.select_related(
                "assignee", "lead", "opportunity", "account", "contact")):
            for activity in chunk:
                yield [activity.pk, activity.get_kind_display(), activity.subject,
                       _local(activity.due_at), _local(activity.ends_at),
                       _local(activity.done_at), _text(activity.assignee),
                       str(activity.parent), activity.body, _local(activity.created_at)]

    return Table(name="activities", title=_("Activities"), header=header, rows=rows())


def report_table(report: Report) -> Table:
    """A built report's rows under its column labels, in the column order it declares."""
    return Table(
        name=f"report-{report.key}", title=str(report.title),
        header=[str(column.label) for column in report.columns],
        rows=[[row.get(column.key) for column in report.columns] for row in report.rows])
