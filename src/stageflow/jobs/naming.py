"""Naming a job (sub-account) from the workspace's template, such as "{last_name} - {product}".

Placeholders (decision 4):
- `{name}`: the customer account's name;
- `{last_name}`: the last name of the opportunity's main contact, or else the last word of the
  customer's name ("Jane Doe" → "Doe"), since households are often named after a person;
- `{title}`: the opportunity's title;
- `{<attribute key>}`: any custom attribute of opportunities, shown by its label for choices
  and lookups (`{product}` → "Furnace Replacement").
Built-in names win over an attribute with the same key. A template is only ever read as text
with holes: placeholders are plain names (no attributes, indexes, conversions or formats), an
unknown one is refused by name, and nothing in it is evaluated.
"""

from __future__ import annotations

import re
import string
from typing import Any

from django.utils.translation import gettext as _

from stageflow.core import workspace
from stageflow.core.errors import InvalidInput
from stageflow.pipelines.models import CustomAttribute, LookupValue
from stageflow.sales.models import Opportunity

BUILT_IN_PLACEHOLDERS = ("name", "last_name", "title")
MAX_NAME = 200
_PLAIN_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def template_parts(template: str) -> list[tuple[str, str | None]]:
    """The template as (literal text, placeholder or None) pairs; ValueError when malformed."""
    parts = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        raise ValueError(_("Unbalanced braces: write placeholders as {name}.")) from error
    for literal, field, format_spec, conversion in parsed:
        if field is not None and (not _PLAIN_NAME.match(field) or format_spec or conversion):
            raise ValueError(_("“{%(field)s}” is not a placeholder: use plain names such as "
                               "{last_name}.") % {"field": field})
        parts.append((literal, field))
    return parts


def known_placeholders() -> set[str]:
    return {*BUILT_IN_PLACEHOLDERS, *CustomAttribute.objects.filter(
        record_type="opportunity").values_list("key", flat=True)}


def check_template(value: Any) -> str:
    """A value normaliser for the workspace setting: the template, or ValueError naming
    every unknown placeholder."""
    template = str(value or "").strip()
    fields = [field for _literal, field in template_parts(template) if field is not None]
    unknown = sorted(set(fields) - known_placeholders())
    if unknown:
        raise ValueError(_("Unknown placeholders: %(names)s. Known: %(known)s.") % {
            "names": ", ".join(f"{{{name}}}" for name in unknown),
            "known": ", ".join(f"{{{name}}}" for name in sorted(known_placeholders()))})
    return template


def _last_name(opportunity: Opportunity) -> str:
    if opportunity.contact is not None and opportunity.contact.last_name:
        return opportunity.contact.last_name
    words = opportunity.account.name.split() if opportunity.account else []
    return words[-1] if words else ""


def _attribute_text(attribute: CustomAttribute, value: Any) -> str:
    """How an attribute value reads in a name: choices and lookups by their label."""
    keys = value if isinstance(value, list) else [value]
    if attribute.lookup:
        labels = dict(LookupValue.objects.filter(
            record_type="opportunity", table=attribute.lookup,
            key__in=[str(k) for k in keys]).values_list("key", "label"))
    else:
        labels = {str(c.get("key")): str(c.get("label") or c.get("key"))
                  for c in attribute.choices}
    return ", ".join(labels.get(str(key), str(key)) for key in keys)


def _placeholder_value(opportunity: Opportunity, field: str,
                       attributes: dict[str, CustomAttribute]) -> str:
    if field == "name":
        return opportunity.account.name if opportunity.account else ""
    if field == "last_name":
        return _last_name(opportunity)
    if field == "title":
        return opportunity.title
    value = (opportunity.attributes or {}).get(field)
    if value in (None, "", []):
        return ""
    attribute = attributes.get(field)
    return _attribute_text(attribute, value) if attribute is not None else str(value)


def render_name(template: str, opportunity: Opportunity) -> str:
    """The job name for the opportunity; InvalidInput on `name` when a value is missing."""
    try:
        parts = template_parts(check_template(template))
    except ValueError as error:
        raise InvalidInput(str(error), fields={"name": str(error)}) from error
    attributes = {a.key: a for a in CustomAttribute.objects.filter(record_type="opportunity")}
    pieces, missing = [], []
    for literal, field in parts:
        pieces.append(literal)
        if field is None:
            continue
        value = _placeholder_value(opportunity, field, attributes).strip()
        if not value:
            missing.append(f"{{{field}}}")
        pieces.append(value)
    if missing:
        message = _("The job name template needs %(names)s, which this opportunity has no "
                    "value for. Type the name.") % {"names": ", ".join(missing)}
        raise InvalidInput(message, fields={"name": message})
    name = " ".join("".join(pieces).split())
    if not name or len(name) > MAX_NAME:
        message = _("The name made from the template is empty or longer than %(n)s "
                    "characters. Type the name.") % {"n": MAX_NAME}
        raise InvalidInput(message, fields={"name": message})
    return name


def job_name(opportunity: Opportunity, name: str | None = None) -> str:
    """The typed name, or else the one the workspace template makes (422 on `name` if none)."""
    typed = (name or "").strip()
    if typed:
        return typed
    template = workspace.current().sub_account_name_template.strip()
    if not template:
        message = _("Type the job's name: no naming template is set.")
        raise InvalidInput(message, fields={"name": message})
    return render_name(template, opportunity)


def suggested_name(opportunity: Opportunity) -> str:
    """What a form offers as the name: the template's result, or empty when it cannot say."""
    try:
        return job_name(opportunity)
    except InvalidInput:
        return ""
