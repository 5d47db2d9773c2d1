"""What a column of an import file can be for each kind of record, and guessing it from the header.

A column maps to a built-in field by its name, to a custom attribute as `attributes.<key>`, or
to nothing (""). Related records are named, not numbered: an owner by user name, email or
full name, an account by name, a contact by email or full name, an office by name or code.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from stageflow.accounts.services import ACCOUNT_FIELDS, CONTACT_FIELDS
from stageflow.pipelines.selectors import attributes_of
from stageflow.sales.fields import EDITABLE

ATTRIBUTE_PREFIX = "attributes."
# Where a migrated lead or opportunity stands in its pipeline, and since when.
WORKFLOW_COLUMNS = ("pipeline", "stage", "status", "created_at", "stage_entered_at", "closed_at")
BUILTIN: dict[str, tuple[str, ...]] = {
    "account": ACCOUNT_FIELDS,
    "contact": (*CONTACT_FIELDS, "account", "job_title"),
    "lead": (*EDITABLE["lead"], *WORKFLOW_COLUMNS),
    "opportunity": (*EDITABLE["opportunity"], *WORKFLOW_COLUMNS),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "account": ("name",), "contact": ("last_name",), "lead": ("title",),
    "opportunity": ("title",),
}
_LABELS: dict[str, str | Promise] = {
    "name": _("Name"), "customer_status": _("Customer status"),
    "parent": _("Parent account (name)"), "owner": _("Owner (user name, email or full name)"),
    "office": _("Office (name or code)"), "email": _("Email"), "phone": _("Phone"),
    "phone_alt": _("Other phone"), "website": _("Website"), "notes": _("Notes"),
    "first_name": _("First name"), "last_name": _("Last name"), "title": _("Title"),
    "email_alt": _("Other email"), "mobile": _("Mobile"), "account": _("Account (name)"),
    "job_title": _("Job title"), "description": _("Description"),
    "contact": _("Main contact (email or full name)"), "source": _("Source"),
    "category": _("Category"), "priority": _("Priority"), "value": _("Value"),
    "currency": _("Currency"), "expected_close_date": _("Expected close date"),
    "probability": _("Probability %"), "proposed_solution": _("Proposed solution"),
    "close_reason": _("Close reason"), "close_date": _("Close date"),
    "pipeline": _("Pipeline (key or name)"), "stage": _("Stage (key or name)"),
    "status": _("Status (open, won, lost, archived)"), "created_at": _("Created on"),
    "stage_entered_at": _("In stage since"), "closed_at": _("Closed on"),
}
# Header words other systems use for our fields, compared after normalising.
_SYNONYMS: dict[str, str] = {
    "company": "name", "companyname": "name", "accountname": "name", "organisation": "name",
    "organization": "name", "emailaddress": "email", "mail": "email", "telephone": "phone",
    "phonenumber": "phone", "tel": "phone", "cell": "mobile", "mobilephone": "mobile",
    "firstname": "first_name", "givenname": "first_name", "lastname": "last_name",
    "surname": "last_name", "familyname": "last_name", "assignedto": "owner",
    "salesperson": "owner", "user": "owner", "amount": "value", "dealvalue": "value",
    "deal": "title", "dealname": "title", "subject": "title", "lead": "title",
    "opportunity": "title", "leadname": "title", "opportunityname": "title",
    "created": "created_at", "createddate": "created_at", "createdon": "created_at",
    "closed": "closed_at", "closeddate": "closed_at", "closedon": "closed_at",
    "stageentered": "stage_entered_at", "instagesince": "stage_entered_at",
    "stagedate": "stage_entered_at", "lostreason": "close_reason", "reason": "close_reason",
    "dealstage": "stage", "url": "website", "web": "website",
}


@dataclass(frozen=True, slots=True)
class FieldOption:
    key: str
    label: str | Promise
    required: bool = False


def field_options(kind: str) -> list[FieldOption]:
    """Every field a column of a `kind` file may fill, built-in fields first."""
    builtin = BUILTIN[kind]
    options = [FieldOption(key, _LABELS.get(key, key.replace("_", " ").capitalize()),
                           key in REQUIRED[kind]) for key in builtin]
    options += [FieldOption(ATTRIBUTE_PREFIX + attribute.key, attribute.label("en"),
                            attribute.required_on_create)
                for attribute in attributes_of(kind).filter(active=True)]
    return options


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def guess_mapping(kind: str, headers: list[str], options: list[FieldOption]) -> list[str]:
    """A field per column from its header (key, label or a common synonym); each field once."""
    by_name: dict[str, str] = {}
    for option in options:
        bare = option.key.removeprefix(ATTRIBUTE_PREFIX)
        for name in (bare, str(option.label), option.key):
            by_name.setdefault(_normal(name), option.key)
    if kind != "account":
        # For a contact or a record, "company" is its account.
        by_name.update({"company": "account", "companyname": "account",
                        "accountname": "account", "organisation": "account",
                        "organization": "account"})
    if kind in ("lead", "opportunity"):
        by_name["name"] = "title"
    used: set[str] = set()
    mapping = []
    for header in headers:
        normal = _normal(header)
        key = by_name.get(normal) or by_name.get(_normal(_SYNONYMS.get(normal, "")), "")
        if key in used:
            key = ""
        used.add(key)
        mapping.append(key)
    return mapping


def header_key(headers: list[str]) -> str:
    """The same header row, whatever its case and spacing, gives the same key."""
    text = "\x1f".join(_normal(header) for header in headers)
    return hashlib.sha256(text.encode()).hexdigest()
