"""Templates people write, rendered in Jinja2's sandbox against a record's merge fields.

Only plain data (strings, numbers, dates, dicts of them) reaches a template: never a model,
so no template can call a method that reads or writes the database. Emails and text messages
are plain text (no escaping); documents are HTML, where every merged value is escaped.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from stageflow import engine
from stageflow.accounts.models import Account, Contact
from stageflow.communications.models import MessageTemplate, TemplateRecordType
from stageflow.communications.recipients import account_of, primary_contact, record_kind
from stageflow.core import clock, workspace
from stageflow.core.errors import InvalidInput
from stageflow.pipelines.models import CustomAttribute, Pipeline, PipelineVersion
from stageflow.pipelines.selectors import definition_of
from stageflow.sales.models import Lead, Opportunity, Status

# Bounds that keep one template from exhausting memory: "x" * 10**9 and 10**10**10 refuse.
MAX_REPEAT_LENGTH = 100_000
MAX_EXPONENT = 100


class MessageSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            if isinstance(right, int | float | Decimal) and abs(float(right)) > MAX_EXPONENT:
                raise SecurityError(_("the exponent is too large"))
            return operator.pow(left, right)
        if operator_name == "*":
            for sequence, count in ((left, right), (right, left)):
                if (isinstance(sequence, str | list | tuple) and isinstance(count, int)
                        and len(sequence) * count > MAX_REPEAT_LENGTH):
                    raise SecurityError(_("the repeated text is too long"))
            return operator.mul(left, right)
        return super().call_binop(context, operator_name, left, right)


def _blank_none(value: Any) -> Any:
    # An empty field prints as nothing, not as "None".
    return "" if value is None else value


def _date_filter(value: Any, format_name: str = "DATE_FORMAT") -> str:
    """`{{ record.expected_close_date|date }}`: a date in the reader's language."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return formats.date_format(value, format_name)
    return str(value)


def _money_filter(value: Any, currency: str = "") -> str:
    """`{{ record.value|money(record.currency) }}`: an amount with two decimals."""
    if value in (None, ""):
        return ""
    amount = formats.number_format(Decimal(str(value)), decimal_pos=2, force_grouping=True)
    return f"{currency} {amount}".strip()


def _environment(*, autoescape: bool) -> MessageSandbox:
    environment = MessageSandbox(autoescape=autoescape, undefined=StrictUndefined,
                                 finalize=_blank_none, keep_trailing_newline=True)
    # lipsum can be asked for unbounded text; no template needs it.
    environment.globals.pop("lipsum", None)
    environment.filters["date"] = _date_filter
    environment.filters["money"] = _money_filter
    return environment


TEXT_ENVIRONMENT = _environment(autoescape=False)
HTML_ENVIRONMENT = _environment(autoescape=True)


def environment_for(kind: str) -> MessageSandbox:
    return HTML_ENVIRONMENT if kind == MessageTemplate.Kind.DOCUMENT else TEXT_ENVIRONMENT


# --- the merge fields ------------------------------------------------------------------------

WORKFLOW_FIELDS = ("id", "reference", "title", "description", "stage", "stage_key", "step",
                   "step_key", "status", "source", "category", "priority", "pipeline",
                   "created_at", "url")
OPPORTUNITY_FIELDS = ("value", "currency", "expected_close_date", "probability",
                      "close_reason", "close_date", "proposed_solution")
ADDRESS_PARTS = ("street", "city", "postcode", "region", "country")
ACCOUNT_FIELDS = ("id", "name", "customer_status", "email", "phone", "phone_alt", "website",
                  "billing_address", *(f"billing_{part}" for part in ADDRESS_PARTS),
                  "service_address", *(f"service_{part}" for part in ADDRESS_PARTS), "url")
CONTACT_FIELDS = ("id", "name", "first_name", "last_name", "title", "email", "email_alt",
                  "phone", "mobile", "url")
OWNER_FIELDS = ("name", "first_name", "last_name", "email")
COMPANY_FIELDS = ("name", "email", "phone", "address", "website", "terms")
RECORD_TYPES = tuple(TemplateRecordType.values)
# Methods a template may call on a group of fields, e.g. record.attributes.items().
MAPPING_METHODS = frozenset({"items", "keys", "values", "get"})

Schema = dict[str, "Schema | None"]


def _leaves(names: tuple[str, ...] | list[str]) -> Schema:
    return dict.fromkeys(names)


# Groups of merge fields that other apps fill in for the messages they send, such as the
# `appointment` of a "your visit is planned" email; registered from their AppConfig.ready().
MERGE_GROUPS: dict[str, tuple[str, ...]] = {}


def register_merge_group(name: str, fields: tuple[str, ...]) -> None:
    MERGE_GROUPS[name] = fields


def attribute_keys(record_type: str) -> list[str]:
    """Custom attribute keys of a record type: the workspace's and its live pipelines'."""
    keys = list(CustomAttribute.objects.filter(record_type=record_type)
                .values_list("key", flat=True))
    if record_type in (TemplateRecordType.LEAD, TemplateRecordType.OPPORTUNITY):
        for pipeline in Pipeline.objects.filter(record_type=record_type,
                                                live_version__isnull=False).select_related(
                                                    "live_version"):
            assert pipeline.live_version is not None
            keys += [a.key for a in definition_of(pipeline.live_version).attributes]
    return list(dict.fromkeys(keys))


def _record_schema(record_type: str, attributes: Mapping[str, list[str]]) -> Schema:
    if record_type == TemplateRecordType.ACCOUNT:
        fields = _leaves(ACCOUNT_FIELDS)
    elif record_type == TemplateRecordType.CONTACT:
        fields = _leaves(CONTACT_FIELDS)
    elif record_type == TemplateRecordType.OPPORTUNITY:
        fields = _leaves((*WORKFLOW_FIELDS, *OPPORTUNITY_FIELDS))
    else:
        fields = _leaves(WORKFLOW_FIELDS)
    return {**fields, "attributes": _leaves(attributes[record_type])}


def merge_schema(record_type: str) -> Schema:
    """Every merge field a template for `record_type` ("" = any type) may use, as a tree."""
    types = [record_type] if record_type else list(RECORD_TYPES)
    attributes = {kind: attribute_keys(kind)
                  for kind in {*types, TemplateRecordType.ACCOUNT, TemplateRecordType.CONTACT}}
    record: Schema = {}
    for kind in types:
        for name, sub in _record_schema(kind, attributes).items():
            if isinstance(sub, dict) and isinstance(record.get(name), dict):
                record[name] = {**record[name], **sub}  # type: ignore[dict-item]
            else:
                record[name] = sub
    return {
        "record": record,
        "account": _record_schema(TemplateRecordType.ACCOUNT, attributes),
        "contact": _record_schema(TemplateRecordType.CONTACT, attributes),
        "owner": _leaves(OWNER_FIELDS),
        "company": _leaves(COMPANY_FIELDS),
        "today": None,
        **{name: _leaves(fields) for name, fields in MERGE_GROUPS.items()},
    }


def cheat_sheet(record_type: str) -> list[tuple[str, list[str]]]:
    """The merge fields grouped by root, as `{{ name }}` lines for a help panel."""
    groups = []
    for root, sub in merge_schema(record_type).items():
        if sub is None:
            groups.append((root, [root]))
            continue
        names = []
        for name, child in sub.items():
            if isinstance(child, dict):
                names += [f"{root}.{name}.{key}" for key in child]
            else:
                names.append(f"{root}.{name}")
        groups.append((root, names))
    return groups


def _chains(node: nodes.Node, inner: bool = False) -> Iterator[list[str]]:
    """Every outermost `a.b.c` / `a["b"]` chain that starts at a variable name."""
    if not inner:
        path = _path(node)
        if path:
            yield path
    for child in node.iter_child_nodes():
        is_inner = isinstance(node, nodes.Getattr | nodes.Getitem) and child is node.node
        yield from _chains(child, is_inner)


def _path(node: nodes.Node) -> list[str] | None:
    if isinstance(node, nodes.Name):
        return [node.name] if node.ctx == "load" else None
    if isinstance(node, nodes.Getattr):
        base = _path(node.node)
        return None if base is None else [*base, node.attr]
    if isinstance(node, nodes.Getitem):
        base = _path(node.node)
        if base is None:
            return None
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            return [*base, node.arg.value]
        return base  # a computed key: only the part before it can be checked
    return None


def unknown_merge_fields(source: str, record_type: str) -> list[str]:
    """The merge fields `source` uses that a `record_type` template does not have, in order.

    Raises jinja2.TemplateSyntaxError when `source` cannot be parsed.
    """
    environment = TEXT_ENVIRONMENT
    tree = environment.parse(source)
    undeclared = meta.find_undeclared_variables(tree)
    schema = merge_schema(record_type)
    unknown: list[str] = []
    for path in _chains(tree):
        root = path[0]
        if root not in undeclared or root in environment.globals:
            continue  # a loop or {% set %} variable, or a built-in such as range()
        if root not in schema:
            unknown.append(root)
            continue
        level = schema[root]
        for depth, part in enumerate(path[1:], start=2):
            if level is None:
                break  # a value: its own methods and attributes (.upper(), .year) are fine
            if part not in level:
                if part not in MAPPING_METHODS:
                    unknown.append(".".join(path[:depth]))
                break
            level = level[part]
    return list(dict.fromkeys(unknown))


def check_source(source: str, record_type: str, field: str, errors: dict[str, str]) -> None:
    """Put the first problem of `source` (syntax, unknown merge fields) in `errors[field]`."""
    try:
        unknown = unknown_merge_fields(source, record_type)
    except TemplateSyntaxError as error:
        errors[field] = _("line %(line)s: %(message)s") % {"line": error.lineno,
                                                            "message": error.message}
        return
    if unknown:
        label = _("Unknown merge field: %(names)s") if len(unknown) == 1 else \
            _("Unknown merge fields: %(names)s")
        errors[field] = label % {"names": ", ".join(unknown)}


# --- the values ------------------------------------------------------------------------------

def _absolute(path: str) -> str:
    base = str(getattr(settings, "STAGEFLOW_BASE_URL", "") or "").rstrip("/")
    return base + path


def _address(record: Account, prefix: str) -> str:
    lines = [getattr(record, f"{prefix}_street"),
             " ".join(part for part in (getattr(record, f"{prefix}_postcode"),
                                        getattr(record, f"{prefix}_city")) if part),
             getattr(record, f"{prefix}_region"), getattr(record, f"{prefix}_country")]
    return "\n".join(line for line in lines if line)


def _attributes(record: models.Model | None, keys: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = dict.fromkeys(keys)
    values.update(getattr(record, "attributes", None) or {})
    return values


def _account_values(account: Account | None, keys: list[str]) -> dict[str, Any]:
    if account is None:
        return {**dict.fromkeys(ACCOUNT_FIELDS, ""), "id": None,
                "attributes": _attributes(None, keys)}
    return {
        "id": account.pk, "name": account.name,
        "customer_status": account.get_customer_status_display(),
        "email": account.email, "phone": account.phone, "phone_alt": account.phone_alt,
        "website": account.website,
        "billing_address": _address(account, "billing"),
        **{f"billing_{part}": getattr(account, f"billing_{part}") for part in ADDRESS_PARTS},
        "service_address": _address(account, "service"),
        **{f"service_{part}": getattr(account, f"service_{part}") for part in ADDRESS_PARTS},
        "url": _absolute(account.get_absolute_url()),
        "attributes": _attributes(account, keys),
    }


def _contact_values(contact: Contact | None, keys: list[str]) -> dict[str, Any]:
    if contact is None:
        return {**dict.fromkeys(CONTACT_FIELDS, ""), "id": None,
                "attributes": _attributes(None, keys)}
    return {
        "id": contact.pk, "name": str(contact), "first_name": contact.first_name,
        "last_name": contact.last_name, "title": contact.title, "email": contact.email,
        "email_alt": contact.email_alt, "phone": contact.phone, "mobile": contact.mobile,
        "url": _absolute(contact.get_absolute_url()),
        "attributes": _attributes(contact, keys),
    }


def _owner_values(owner: Any) -> dict[str, Any]:
    if owner is None:
        return dict.fromkeys(OWNER_FIELDS, "")
    return {"name": str(owner), "first_name": owner.first_name, "last_name": owner.last_name,
            "email": owner.email}


def _definition_of(record: Lead | Opportunity) -> engine.PipelineDefinition | None:
    attached = getattr(record, "definition", None)
    if isinstance(attached, engine.PipelineDefinition):
        return attached
    version = PipelineVersion.objects.filter(pipeline_id=record.pipeline_id,
                                             number=record.pipeline_version).first()
    return definition_of(version) if version is not None else None


def _workflow_values(record: Lead | Opportunity, language: str,
                     keys: list[str]) -> dict[str, Any]:
    definition = _definition_of(record)
    stage_label, step_label = record.stage, record.step
    if definition is not None:
        try:
            stage_label = engine.get_stage(definition, record.stage).label(language)
            step_label = engine.get_step(definition, record.step).name
        except engine.UnknownKeyError:
            pass  # a key the version no longer names: show the key itself
    prefix = "O" if isinstance(record, Opportunity) else "L"
    values: dict[str, Any] = {
        "id": record.pk, "reference": f"{prefix}-{record.pk}", "title": record.title,
        "description": record.description, "stage": stage_label, "stage_key": record.stage,
        "step": step_label, "step_key": record.step,
        "status": str(Status(record.status).label) if record.status in Status.values
        else record.status,
        "source": record.source, "category": record.category, "priority": record.priority,
        "pipeline": definition.name if definition is not None else "",
        "created_at": timezone.localtime(record.created_at) if record.created_at else None,
        "url": _absolute(record.get_absolute_url()),
        "attributes": _attributes(record, keys),
    }
    if isinstance(record, Opportunity):
        values.update({
            "value": record.value, "currency": record.currency,
            "expected_close_date": record.expected_close_date,
            "probability": record.probability, "close_reason": record.close_reason,
            "close_date": record.close_date, "proposed_solution": record.proposed_solution,
        })
    return values


def merge_context(record: models.Model, language: str | None = None) -> dict[str, Any]:
    """The values a template sees for `record`: record, account, contact, owner, company and
    today, in `language` (the workspace's default language when None)."""
    settings_row = workspace.current()
    language = language or settings_row.default_language or "en"
    kind = record_kind(record)
    attributes = {name: attribute_keys(name) for name in {kind, "account", "contact"}}
    account = account_of(record)
    contact = primary_contact(record)
    if isinstance(record, Lead | Opportunity):
        own = _workflow_values(record, language, attributes[kind])
    elif isinstance(record, Account):
        own = _account_values(record, attributes[kind])
    elif isinstance(record, Contact):
        own = _contact_values(record, attributes[kind])
    else:
        raise InvalidInput(_("Messages are sent from leads, opportunities, accounts and "
                             "contacts."), fields={"record_type": kind})
    return {
        "record": own,
        "account": _account_values(account, attributes["account"]),
        "contact": _contact_values(contact, attributes["contact"]),
        "owner": _owner_values(getattr(record, "owner", None)),
        "company": {"name": settings_row.company_name, "email": settings_row.company_email,
                    "phone": settings_row.company_phone,
                    "address": settings_row.company_address,
                    "website": settings_row.company_website, "terms": settings_row.terms},
        "today": timezone.localdate(clock.now()),
    }


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str


def _render_one(kind: str, source: str, context: Mapping[str, Any], field: str) -> str:
    try:
        return environment_for(kind).from_string(source).render(context)
    except TemplateSyntaxError as error:
        reason = _("line %(line)s: %(message)s") % {"line": error.lineno,
                                                     "message": error.message}
    except UndefinedError as error:
        reason = _("Unknown merge field: %(message)s") % {"message": error.message}
    except SecurityError as error:
        reason = _("Not allowed in a template: %(message)s") % {"message": error}
    except (TemplateError, ArithmeticError, TypeError, ValueError) as error:
        reason = _("The template cannot be filled in: %(message)s") % {"message": error}
    raise InvalidInput(_("The template cannot be filled in."), fields={field: reason},
                       code="template_error")


def render_text(*, kind: str, subject: str, body: str,
                context: Mapping[str, Any]) -> Rendered:
    """Fill in a subject and body; InvalidInput names the field that failed and why."""
    rendered_subject = _render_one(kind, subject, context, "subject") if subject else ""
    # A subject is one line: a line break in a merged value must not reach the mail header.
    rendered_subject = " ".join(rendered_subject.split())
    return Rendered(subject=rendered_subject, body=_render_one(kind, body, context, "body"))


def render(template: MessageTemplate, record: models.Model, language: str | None) -> Rendered:
    """The template filled in from `record`; raises InvalidInput naming subject or body."""
    return render_text(kind=template.kind, subject=template.subject, body=template.body,
                       context=merge_context(record, language))
