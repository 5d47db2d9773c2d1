"""Changes the configuration editor makes to a pipeline definition held as file data (a dict).

Each function takes the definition's data (as `engine.to_dict` gives it) and returns a changed
copy; the argument is never modified. The editor then builds a definition from the result
(`engine.from_dict`) and stores it as the draft. No Django here, so these are unit-tested alone.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

Data = dict[str, Any]
Item = dict[str, Any]

# The list sections of a definition file that the editor edits item by item.
SECTIONS: Final = ("stage_groups", "stages", "steps", "transitions", "entries", "follow_ons")
# Flags at most one stage may carry; setting one on a stage clears it on the others.
EXCLUSIVE_STAGE_FLAGS: Final = ("is_default", "is_conversion_end_stage")
POSITION_STEP: Final = 10
_PATH: Final = re.compile(r"(?P<section>[a-z_]+)\[(?P<index>\d+)\](?:\.(?P<rest>.+))?")


class EditRefused(ValueError):
    """The change cannot be made; `fields` maps a field name to the reason."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in fields.items()))
        self.fields = dict(fields)


def _check_section(section: str) -> None:
    if section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}")


def items(data: Mapping[str, Any], section: str) -> list[Item]:
    """The items of a section (a fresh list of the same dicts; empty when absent)."""
    _check_section(section)
    value = data.get(section)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def find(data: Mapping[str, Any], section: str, key: str) -> Item | None:
    return next((item for item in items(data, section) if item.get("key") == key), None)


def keys(data: Mapping[str, Any], section: str) -> list[str]:
    return [str(item.get("key")) for item in items(data, section)]


def stage_order(data: Mapping[str, Any]) -> list[str]:
    """Stage keys by position; equal positions keep the order of the file (like the engine)."""
    stages = items(data, "stages")
    ordered = sorted(enumerate(stages), key=lambda pair: (_position(pair[1]), pair[0]))
    return [str(stage.get("key")) for _number, stage in ordered]


def _position(stage: Mapping[str, Any]) -> int:
    value = stage.get("position", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def suggest_key(name: str, taken: Iterable[str], fallback: str = "item") -> str:
    """A valid, unused key made from a name: 'Proposal Sent' -> 'proposal_sent'."""
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:60] or fallback
    used = set(taken)
    key, number = base, 2
    while key in used:
        key = f"{base}_{number}"
        number += 1
    return key


def _clean(item: Item) -> Item:
    """Leave out unset values so the stored file stays in its short, canonical form."""
    return {name: value for name, value in item.items() if value is not None and value != ""}


def put_item(data: Mapping[str, Any], section: str, values: Mapping[str, Any], *,
             key: str | None = None) -> Data:
    """Add an item (`key` None) or change the item `key`, keeping fields `values` leaves out.

    A value of None or "" removes that field. Keys never change once created.
    """
    _check_section(section)
    result: Data = copy.deepcopy(dict(data))
    section_items = items(result, section)
    if key is None:
        new_key = str(values.get("key") or "")
        if not new_key:
            raise EditRefused({"key": "is required"})
        if new_key in keys(result, section):
            raise EditRefused({"key": f"'{new_key}' is already used"})
        item = _clean(dict(values))
        if section == "stages" and "position" not in item:
            item["position"] = _next_position(section_items)
        section_items.append(item)
    else:
        old = find(result, section, key)
        if old is None:
            raise EditRefused({"key": f"no {section} item '{key}'"})
        merged = {**old, **{name: value for name, value in values.items() if name != "key"}}
        item = _clean({"key": key, **merged})
        section_items[section_items.index(old)] = item
    result[section] = section_items
    if section == "stages":
        _clear_other_flags(result, item)
    return result


def _next_position(stages: list[Item]) -> int:
    return max((_position(stage) for stage in stages), default=0) + POSITION_STEP


def _clear_other_flags(data: Data, changed: Item) -> None:
    for flag in EXCLUSIVE_STAGE_FLAGS:
        if changed.get(flag):
            for stage in items(data, "stages"):
                if stage is not changed:
                    stage.pop(flag, None)


def delete_item(data: Mapping[str, Any], section: str, key: str) -> Data:
    """Remove an item; a removed stage also leaves the other stages' allowed next stages."""
    _check_section(section)
    result: Data = copy.deepcopy(dict(data))
    remaining = [item for item in items(result, section) if item.get("key") != key]
    if len(remaining) == len(items(result, section)):
        raise EditRefused({"key": f"no {section} item '{key}'"})
    result[section] = remaining
    if section == "stages":
        for stage in remaining:
            allowed = stage.get("allowed_next")
            if isinstance(allowed, list) and key in allowed:
                stage["allowed_next"] = [other for other in allowed if other != key]
                if not stage["allowed_next"]:
                    del stage["allowed_next"]
    return result


def references_to(data: Mapping[str, Any], section: str, key: str) -> list[str]:
    """What still names the item, e.g. ["steps[2].stage", "transitions[0].to"], in file order."""
    found: list[str] = []
    if section == "stages":
        for number, stage in enumerate(items(data, "stages")):
            if key in (stage.get("allowed_next") or []):
                found.append(f"stages[{number}].allowed_next")
        found += [f"steps[{n}].stage" for n, step in enumerate(items(data, "steps"))
                  if step.get("stage") == key]
    elif section == "stage_groups":
        found += [f"stages[{n}].group" for n, stage in enumerate(items(data, "stages"))
                  if stage.get("group") == key]
    elif section == "steps":
        for number, transition in enumerate(items(data, "transitions")):
            found += [f"transitions[{number}].{end}" for end in ("from", "to")
                      if transition.get(end) == key]
        for start in ("entries", "follow_ons"):
            found += [f"{start}[{n}].step" for n, item in enumerate(items(data, start))
                      if item.get("step") == key]
    return found


def reorder_stages(data: Mapping[str, Any], order: Iterable[str]) -> Data:
    """Put the stages in `order` (funnel first); unnamed stages follow in their old order.

    Positions become 10, 20, 30… and the list itself is sorted, so the file reads in order.
    """
    wanted = [key for key in dict.fromkeys(order) if key in keys(data, "stages")]
    rest = [key for key in stage_order(data) if key not in wanted]
    result: Data = copy.deepcopy(dict(data))
    by_key = {str(stage.get("key")): stage for stage in items(result, "stages")}
    ordered = [by_key[key] for key in wanted + rest]
    for number, stage in enumerate(ordered, start=1):
        stage["position"] = number * POSITION_STEP
    result["stages"] = ordered
    return result


def move_stage(data: Mapping[str, Any], key: str, offset: int) -> Data:
    """Move one stage `offset` places along the funnel (-1 up, +1 down), within the ends."""
    order = stage_order(data)
    if key not in order:
        raise EditRefused({"key": f"no stage '{key}'"})
    old = order.index(key)
    new = min(max(old + offset, 0), len(order) - 1)
    order.insert(new, order.pop(old))
    return reorder_stages(data, order)


def locate(path: str) -> tuple[str, int, str] | None:
    """Split a problem path like 'transitions[3].to' into ('transitions', 3, 'to')."""
    match = _PATH.fullmatch(path)
    if match is None or match["section"] not in SECTIONS:
        return None
    return match["section"], int(match["index"]), match["rest"] or ""


def item_at(data: Mapping[str, Any], section: str, index: int) -> Item | None:
    section_items = items(data, section)
    return section_items[index] if 0 <= index < len(section_items) else None


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """Lines 'key: label' (or just 'label') as pairs; blank lines are skipped."""
    pairs: list[tuple[str, str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        key, separator, label = line.partition(":")
        if not separator:
            label = key
            key = suggest_key(key, [pair[0] for pair in pairs], fallback="value")
        pairs.append((key.strip(), label.strip() or key.strip()))
    return pairs
