"""The steps every service that changes a business record shares.

Services stay in charge of their rules; these helpers only make validation, optimistic locking
and history behave the same for every record type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from stageflow.core.errors import InvalidInput, StaleVersion
from stageflow.core.history import field_changes, record_history, snapshot
from stageflow.core.models import HistoryEntry, VersionedModel, Via

Normaliser = Callable[[Any], Any]


def check_version(record: VersionedModel, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != record.version:
        raise StaleVersion(
            _("This record was changed by someone else (now version %(current)s). "
              "Reload it and try again.") % {"current": record.version},
            fields={"version": f"expected {expected_version}, current {record.version}"},
        )


def assign_values(
    record: models.Model,
    values: Mapping[str, Any],
    *,
    editable: Iterable[str],
    normalisers: Mapping[str, Normaliser],
    errors: dict[str, str],
) -> None:
    """Set each value on `record`, normalised; collect every problem in `errors` by field."""
    allowed = set(editable)
    for name, raw in values.items():
        if name not in allowed:
            errors[name] = _("Unknown field.")
            continue
        value = raw
        if name in normalisers:
            try:
                value = normalisers[name](raw)
            except ValueError as error:
                errors[name] = str(error)
                continue
        elif isinstance(raw, str):
            value = raw.strip()
        elif raw is None and _is_text_field(record, name):
            value = ""
        setattr(record, name, value)


def _is_text_field(record: models.Model, name: str) -> bool:
    field = record._meta.get_field(name)
    return isinstance(field, models.CharField | models.TextField)


def validate_record(record: models.Model, errors: dict[str, str], *,
                    exclude: Iterable[str] = ()) -> None:
    """Run the model's own field checks (lengths, formats, choices) and raise every problem."""
    try:
        record.full_clean(exclude=[*exclude, *errors.keys()], validate_unique=False,
                          validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, " ".join(messages))
    if errors:
        raise InvalidInput(_("Some fields need attention."), fields=errors)


def save_created(record: VersionedModel, *, actor: Any, via: Via, fields: Iterable[str]) -> None:
    record.save()
    after = snapshot(record, fields)
    changes = field_changes(record, dict.fromkeys(after), after)
    record_history(record=record, actor=actor, via=via, action=HistoryEntry.Action.CREATED,
                   changes=changes)


def save_updated(record: VersionedModel, before: Mapping[str, Any], *, actor: Any, via: Via,
                 fields: Iterable[str], columns: Iterable[str] | None = None
                 ) -> list[dict[str, Any]]:
    """Save, bump the version and record what changed; a save that changes nothing is a no-op.

    `columns`, when the caller knows them, are the only fields it changed: the others are not
    written (nor their indexes)."""
    changes = field_changes(record, before, snapshot(record, fields))
    if not changes:
        return changes
    record.version += 1
    record.save(update_fields=None if columns is None
                else {*columns, "version", "updated_at"})
    record_history(record=record, actor=actor, via=via, action=HistoryEntry.Action.UPDATED,
                   changes=changes)
    return changes
