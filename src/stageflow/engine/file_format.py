"""Reading and writing pipeline definition files (YAML or JSON).

A file is data, never code: YAML goes through `yaml.safe_load` only, and input is bounded in
size, nesting depth, number of values and number of items per collection, so a hostile file
costs little to refuse. Reading checks shape and types only and reports every problem with its
path at once; consistency (references, defaults, dead ends) is `validation.validate`'s job.

`to_dict` leaves out values equal to their defaults, so for a file written in that canonical
form `to_dict(from_dict(data)) == data`, and for any definition `from_dict(to_dict(d)) == d`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import MISSING, fields, is_dataclass
from functools import cache
from typing import Any, Final, Literal, TypeVar, cast

import yaml

from .definitions import (
    ATTRIBUTE_TYPES,
    CHANNELS,
    RECORD_TYPES,
    STAGE_STATUSES,
    TEMPLATE_KINDS,
    AttributeDefinition,
    AttributeType,
    Channel,
    Choice,
    Communication,
    Entry,
    FollowOn,
    PipelineDefinition,
    RecordType,
    Stage,
    StageGroup,
    StageStatus,
    Step,
    TemplateKind,
    TemplateRef,
    Transition,
    Trigger,
)
from .problems import DefinitionError, Problem

FileFormat = Literal["yaml", "json"]

MAX_INPUT_BYTES: Final = 1_000_000
MAX_DEPTH: Final = 20
# Bounds the walk over YAML aliases, which can share one list many times over.
MAX_VALUES: Final = 200_000
MAX_TEXT_LENGTH: Final = 10_000
MAX_ITEMS: Final[Mapping[str, int]] = {
    "stage_groups": 200,
    "stages": 500,
    "steps": 2000,
    "transitions": 5000,
    "entries": 200,
    "follow_ons": 200,
    "attributes": 1000,
    "lookups": 200,
    "lookup_values": 1000,
    "rules": 2000,
}

# File field names that differ from the dataclass attribute names.
_FILE_NAMES: Final[Mapping[str, str]] = {"from_step": "from", "to_step": "to"}

T = TypeVar("T")


def loads(text: str | bytes, *, format: FileFormat = "yaml") -> PipelineDefinition:
    """Parse a definition file; raise DefinitionError listing every problem found."""
    return from_dict(_parse(text, format))


def dumps(definition: PipelineDefinition, format: FileFormat = "yaml") -> str:
    """Write a definition in its canonical file form (defaults left out)."""
    data = to_dict(definition)
    if format == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    if yaml.safe_load(text) != data:
        # PyYAML writes a few rare characters (e.g. U+0085 in a key) in a form it cannot read
        # back; escaping everything non-ASCII is always faithful, if less pleasant to read.
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=False, width=100)
    return text


def _problem(path: str, code: str, message: str) -> Problem:
    return Problem("error", path, code, message)


def _parse(text: str | bytes, format: FileFormat) -> object:
    if len(text) > MAX_INPUT_BYTES or (
        isinstance(text, str) and len(text.encode("utf-8", "surrogatepass")) > MAX_INPUT_BYTES
    ):
        raise DefinitionError(
            [_problem("", "too_large", f"the file is larger than {MAX_INPUT_BYTES} bytes")]
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise DefinitionError(
                [_problem("", "encoding", f"the file is not UTF-8 (byte {error.start})")]
            ) from None
    if format == "json":
        return _parse_json(text)
    if format != "yaml":
        raise DefinitionError([_problem("", "format", "format must be one of yaml, json")])
    return _parse_yaml(text)


def _parse_json(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        message = f"line {error.lineno}, column {error.colno}: {error.msg}"
        raise DefinitionError([_problem("", "syntax", message)]) from None
    except RecursionError:
        raise DefinitionError([_too_deep("")]) from None


def _parse_yaml(text: str) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = error.problem or error.context or "invalid YAML"
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise DefinitionError([_problem("", "syntax", f"{where}{what}")]) from None
    except RecursionError:
        raise DefinitionError([_too_deep("")]) from None
    except Exception as error:
        # The parser is third-party code; whatever else it raises (an over-long integer, a
        # bad timestamp) still only means the text is not a usable file.
        raise DefinitionError([_problem("", "syntax", f"invalid YAML: {error}")]) from None


def _too_deep(path: str) -> Problem:
    return _problem(path, "too_deep", f"values are nested more than {MAX_DEPTH} levels deep")


def _check_bounds(data: object) -> list[Problem]:
    """Refuse data nested deeper than MAX_DEPTH or holding more than MAX_VALUES values."""
    count = 0
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            return [
                _problem("", "too_many_values", f"the file holds more than {MAX_VALUES} values")
            ]
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return [_too_deep("")]
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return []


def _join(path: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


def _type_name(value: object) -> str:
    if value is None:
        return "nothing"
    names = {bool: "true/false", int: "a whole number", float: "a decimal number", str: "text"}
    names |= {list: "a list", dict: "a mapping"}
    return names.get(type(value), type(value).__name__)


class _Fields:
    """Typed access to one mapping of the file, collecting problems instead of raising."""

    def __init__(
        self,
        problems: list[Problem],
        data: Mapping[str, object],
        path: str,
        allowed: tuple[str, ...],
    ) -> None:
        self.problems = problems
        self.data = data
        self.path = path
        for name in data:
            if name not in allowed:
                self.error(
                    _join(path, str(name)),
                    "unknown_field",
                    f"unknown field; expected one of {', '.join(allowed)}",
                )

    def error(self, path: str, code: str, message: str) -> None:
        self.problems.append(_problem(path, code, message))

    def _get(self, name: str, required: bool) -> object:
        if name not in self.data or self.data[name] is None:
            if required:
                self.error(_join(self.path, name), "required", "is required")
            return None
        return self.data[name]

    def _wrong(self, name: str, expected: str, value: object) -> None:
        self.error(
            _join(self.path, name), "wrong_type", f"must be {expected}, not {_type_name(value)}"
        )

    def text(self, name: str, *, required: bool = False, default: str = "") -> str:
        value = self._get(name, required)
        if value is None:
            return default
        if not isinstance(value, str):
            self._wrong(name, "text", value)
            return default
        if len(value) > MAX_TEXT_LENGTH:
            self.error(
                _join(self.path, name),
                "too_long",
                f"must be at most {MAX_TEXT_LENGTH} characters",
            )
        return value

    def optional_text(self, name: str) -> str | None:
        return self.text(name) if self._get(name, False) is not None else None

    def integer(self, name: str, default: int) -> int:
        value = self.optional_integer(name)
        return default if value is None else value

    def optional_integer(self, name: str) -> int | None:
        value = self._get(name, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong(name, "a whole number", value)
            return None
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self._get(name, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            self._wrong(name, "true or false", value)
            return default
        return value

    def one_of(self, name: str, options: tuple[str, ...], default: str, *, required: bool) -> str:
        value = self._get(name, required)
        if value is None:
            return default
        if value not in options:
            self.error(
                _join(self.path, name), "invalid_choice", f"must be one of {', '.join(options)}"
            )
            return default
        return str(value)

    def names(self, name: str) -> dict[str, str]:
        value = self._get(name, False)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self._wrong(name, "a mapping of language to text", value)
            return {}
        result: dict[str, str] = {}
        for lang, text in value.items():
            if not isinstance(lang, str) or not isinstance(text, str):
                self.error(
                    _join(_join(self.path, name), str(lang)),
                    "wrong_type",
                    "must map a language code to text",
                )
                continue
            result[lang] = text
        return result

    def keys(self, name: str) -> tuple[str, ...]:
        result: list[str] = []
        for path, value in self.items(name, limit=MAX_ITEMS["transitions"]):
            if isinstance(value, str):
                result.append(value)
            else:
                self.error(path, "wrong_type", f"must be text, not {_type_name(value)}")
        return tuple(result)

    def items(self, name: str, *, limit: int) -> list[tuple[str, object]]:
        """The entries of a list field with their paths; at most `limit` are accepted."""
        value = self._get(name, False)
        if value is None:
            return []
        if not isinstance(value, list):
            self._wrong(name, "a list", value)
            return []
        path = _join(self.path, name)
        if len(value) > limit:
            self.error(path, "too_many", f"at most {limit} allowed, got {len(value)}")
            return []
        return [(_join(path, number), item) for number, item in enumerate(value)]

    def data_mapping(self, name: str) -> dict[str, object]:
        value = self._get(name, False)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self._wrong(name, "a mapping", value)
            return {}
        plain = _plain_data(value, _join(self.path, name), self.problems)
        return cast(dict[str, object], plain)


def _plain_data(value: object, path: str, problems: list[Problem]) -> object:
    """Copy JSON-compatible data (so it survives YAML and JSON alike); report anything else."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            problems.append(_problem(path, "wrong_type", "must be a finite number"))
        return value
    if isinstance(value, list):
        return [_plain_data(item, _join(path, n), problems) for n, item in enumerate(value)]
    if isinstance(value, dict):
        result: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                problems.append(_problem(_join(path, str(key)), "wrong_type", "keys must be text"))
                continue
            result[key] = _plain_data(item, _join(path, key), problems)
        return result
    problems.append(
        _problem(
            path,
            "wrong_type",
            f"must be plain data (text, number, list, mapping), not {_type_name(value)}",
        )
    )
    return None


@cache
def _allowed(cls: type) -> tuple[str, ...]:
    return tuple(_FILE_NAMES.get(f.name, f.name) for f in fields(cls) if not f.name.startswith("_"))


def _read_list(
    problems: list[Problem],
    items: list[tuple[str, object]],
    cls: type,
    build: Callable[[_Fields], T],
) -> tuple[T, ...]:
    result: list[T] = []
    for path, item in items:
        if not isinstance(item, dict):
            problems.append(
                _problem(path, "wrong_type", f"must be a mapping, not {_type_name(item)}")
            )
            continue
        result.append(build(_Fields(problems, item, path, _allowed(cls))))
    return tuple(result)


def _choice(f: _Fields) -> Choice:
    return Choice(
        key=f.text("key", required=True),
        label=f.text("label", required=True),
        active=f.boolean("active", True),
    )


def _template(f: _Fields) -> TemplateRef:
    return TemplateRef(
        kind=cast(TemplateKind, f.one_of("kind", TEMPLATE_KINDS, "email", required=True)),
        key=f.text("key", required=True),
    )


def _stage_group(f: _Fields) -> StageGroup:
    return StageGroup(key=f.text("key", required=True), names=f.names("names"))


def _stage(f: _Fields) -> Stage:
    return Stage(
        key=f.text("key", required=True),
        names=f.names("names"),
        position=f.integer("position", 0),
        status=cast(StageStatus, f.one_of("status", STAGE_STATUSES, "open", required=False)),
        active=f.boolean("active", True),
        is_default=f.boolean("is_default", False),
        is_end_stage=f.boolean("is_end_stage", False),
        is_conversion_end_stage=f.boolean("is_conversion_end_stage", False),
        colour=f.optional_text("colour"),
        code=f.optional_text("code"),
        group=f.optional_text("group"),
        probability=f.optional_integer("probability"),
        procedure=f.optional_text("procedure"),
        instructions=f.text("instructions"),
        allowed_next=f.keys("allowed_next"),
        templates=_read_list(f.problems, f.items("templates", limit=100), TemplateRef, _template),
    )


def _step(f: _Fields) -> Step:
    return Step(
        key=f.text("key", required=True),
        name=f.text("name", required=True),
        stage=f.text("stage", required=True),
        attributes=f.keys("attributes"),
    )


def _trigger(f: _Fields) -> Trigger:
    return Trigger(action=f.text("action", required=True), params=f.data_mapping("params"))


def _communication(f: _Fields) -> Communication:
    return Communication(
        channel=cast(Channel, f.one_of("channel", CHANNELS, "email", required=True)),
        template=f.text("template", required=True),
        to=f.text("to", required=True),
    )


def _transition(f: _Fields) -> Transition:
    return Transition(
        key=f.text("key", required=True),
        name=f.text("name", required=True),
        from_step=f.text("from", required=True),
        to_step=f.text("to", required=True),
        required=f.keys("required"),
        triggers=_read_list(f.problems, f.items("triggers", limit=100), Trigger, _trigger),
        communications=_read_list(
            f.problems, f.items("communications", limit=100), Communication, _communication
        ),
    )


def _entry(f: _Fields) -> Entry:
    return Entry(
        key=f.text("key", required=True),
        name=f.text("name", required=True),
        step=f.text("step", required=True),
        for_existing_account=f.boolean("for_existing_account", False),
    )


def _follow_on(f: _Fields) -> FollowOn:
    return FollowOn(
        key=f.text("key", required=True),
        name=f.text("name", required=True),
        step=f.text("step", required=True),
    )


def _attribute(f: _Fields) -> AttributeDefinition:
    return AttributeDefinition(
        key=f.text("key", required=True),
        type=cast(AttributeType, f.one_of("type", ATTRIBUTE_TYPES, "text", required=True)),
        labels=f.names("labels"),
        choices=_read_list(
            f.problems, f.items("choices", limit=MAX_ITEMS["lookup_values"]), Choice, _choice
        ),
        lookup=f.optional_text("lookup"),
        help=f.names("help"),
        required_on_create=f.boolean("required_on_create", False),
        shown_in_lists=f.boolean("shown_in_lists", False),
    )


def _lookups(f: _Fields) -> dict[str, tuple[Choice, ...]]:
    value = f.data.get("lookups")
    if value is None:
        return {}
    if not isinstance(value, dict):
        f.error("lookups", "wrong_type", f"must be a mapping, not {_type_name(value)}")
        return {}
    if len(value) > MAX_ITEMS["lookups"]:
        f.error("lookups", "too_many", f"at most {MAX_ITEMS['lookups']} allowed, got {len(value)}")
        return {}
    tables: dict[str, tuple[Choice, ...]] = {}
    for name, values in value.items():
        path = _join("lookups", str(name))
        if not isinstance(name, str):
            f.error(path, "wrong_type", "table names must be text")
            continue
        if not isinstance(values, list):
            f.error(path, "wrong_type", f"must be a list, not {_type_name(values)}")
            continue
        limit = MAX_ITEMS["lookup_values"]
        if len(values) > limit:
            f.error(path, "too_many", f"at most {limit} allowed, got {len(values)}")
            continue
        items = [(_join(path, n), item) for n, item in enumerate(values)]
        tables[name] = _read_list(f.problems, items, Choice, _choice)
    return tables


def _rules(f: _Fields) -> tuple[Mapping[str, object], ...]:
    rules: list[Mapping[str, object]] = []
    for path, item in f.items("rules", limit=MAX_ITEMS["rules"]):
        if not isinstance(item, dict):
            f.error(path, "wrong_type", f"must be a mapping, not {_type_name(item)}")
            continue
        rules.append(cast(dict[str, object], _plain_data(item, path, f.problems)))
    return tuple(rules)


def from_dict(data: object) -> PipelineDefinition:
    """Build a definition from parsed file data; raise DefinitionError listing every problem."""
    if not isinstance(data, dict):
        raise DefinitionError(
            [_problem("", "wrong_type", f"the file must hold a mapping, not {_type_name(data)}")]
        )
    bounds = _check_bounds(data)
    if bounds:
        raise DefinitionError(bounds)
    problems: list[Problem] = []
    f = _Fields(problems, data, "", _allowed(PipelineDefinition))

    def section(name: str, cls: type, build: Callable[[_Fields], T]) -> tuple[T, ...]:
        return _read_list(problems, f.items(name, limit=MAX_ITEMS[name]), cls, build)

    definition = PipelineDefinition(
        key=f.text("key", required=True),
        record_type=cast(RecordType, f.one_of("record_type", RECORD_TYPES, "lead", required=True)),
        name=f.text("name", required=True),
        version=f.integer("version", 1),
        stage_groups=section("stage_groups", StageGroup, _stage_group),
        stages=section("stages", Stage, _stage),
        steps=section("steps", Step, _step),
        transitions=section("transitions", Transition, _transition),
        entries=section("entries", Entry, _entry),
        follow_ons=section("follow_ons", FollowOn, _follow_on),
        attributes=section("attributes", AttributeDefinition, _attribute),
        lookups=_lookups(f),
        rules=_rules(f),
    )
    if problems:
        raise DefinitionError(problems)
    return definition


def _default_of(spec: object) -> object:
    default = getattr(spec, "default", MISSING)
    if default is not MISSING:
        return default
    factory = getattr(spec, "default_factory", MISSING)
    return factory() if factory is not MISSING else MISSING


def _export(value: object) -> object:
    if is_dataclass(value) and not isinstance(value, type):
        result: dict[str, object] = {}
        for spec in fields(value):
            if spec.name.startswith("_"):
                continue
            item = getattr(value, spec.name)
            default = _default_of(spec)
            # Defaults are left out so hand-written files round-trip unchanged.
            if default is not MISSING and item == default:
                continue
            result[_FILE_NAMES.get(spec.name, spec.name)] = _export(item)
        return result
    if isinstance(value, Mapping):
        return {str(key): _export(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_export(item) for item in value]
    return value


def to_dict(definition: PipelineDefinition) -> dict[str, Any]:
    """The canonical file data of a definition: plain dicts/lists, defaults left out."""
    return cast(dict[str, Any], _export(definition))
