"""Ready-made pipeline presets, one per seed document: data files and a small reader.

Each preset is a folder `<key>/` holding `preset.yaml` (what a first-run screen shows, and which
pipeline files belong to the preset) and one engine definition file per pipeline. Like the
engine, this package is pure Python and never imports Django. See README.md in this package.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, cast

import yaml

from stageflow.engine import PipelineDefinition, loads

PRESETS_DIR: Final = Path(__file__).resolve().parent
PRESET_FILE: Final = "preset.yaml"
REQUIRED_KEYS: Final = ("key", "name", "description", "seed", "industry", "pipelines")
OPTIONAL_KEYS: Final = ("tags", "work_queues", "settings", "templates")


class PresetError(ValueError):
    """A preset is unknown or its preset.yaml is malformed; `problems` lists every finding."""

    def __init__(self, key: str, problems: list[str]) -> None:
        super().__init__(f"preset '{key}': " + "; ".join(problems))
        self.key = key
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Preset:
    """One preset: its first-run texts and its pipelines by file name, in the listed order."""

    key: str
    name: str
    description: str
    seed: str
    industry: str
    pipelines: Mapping[str, PipelineDefinition]
    tags: tuple[str, ...] = ()
    work_queues: tuple[Mapping[str, object], ...] = ()
    settings: Mapping[str, object] = field(default_factory=dict)
    # Message templates the preset's rules and transitions send (see communications).
    templates: tuple[Mapping[str, object], ...] = ()


def preset_keys() -> tuple[str, ...]:
    """The keys of every preset shipped here, sorted."""
    return tuple(sorted(path.parent.name for path in PRESETS_DIR.glob(f"*/{PRESET_FILE}")))


def read_preset_meta(key: str) -> dict[str, object]:
    """The checked contents of `<key>/preset.yaml`; PresetError for an unknown key or bad file."""
    if key not in preset_keys():
        # Only known folder names are ever joined to a path.
        raise PresetError(key, ["unknown preset"])
    folder = PRESETS_DIR / key
    data = yaml.safe_load((folder / PRESET_FILE).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise PresetError(key, [f"{PRESET_FILE} must hold a mapping"])
    problems = [f"{name}: is required" for name in REQUIRED_KEYS if not data.get(name)]
    problems += [
        f"{name}: unknown field" for name in data if name not in REQUIRED_KEYS + OPTIONAL_KEYS
    ]
    for name in ("key", "name", "description", "seed", "industry"):
        if name in data and not isinstance(data[name], str):
            problems.append(f"{name}: must be text")
    if data.get("key") not in (None, key):
        problems.append(f"key: must be the folder name '{key}'")
    problems += _pipeline_file_problems(folder, data.get("pipelines"))
    if not isinstance(data.get("tags", []), list):
        problems.append("tags: must be a list")
    for name in ("work_queues", "templates"):
        items = data.get(name, [])
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            problems.append(f"{name}: must be a list of mappings")
    if not isinstance(data.get("settings", {}), dict):
        problems.append("settings: must be a mapping")
    if problems:
        raise PresetError(key, problems)
    return data


def _pipeline_file_problems(folder: Path, pipelines: object) -> list[str]:
    if not isinstance(pipelines, list) or not all(isinstance(name, str) for name in pipelines):
        return ["pipelines: must be a list of file names"]
    problems: list[str] = []
    for name in pipelines:
        if Path(name).name != name or not name.endswith(".yaml") or name == PRESET_FILE:
            problems.append(f"pipelines: '{name}' must be a pipeline .yaml file in the folder")
        elif not (folder / name).is_file():
            problems.append(f"pipelines: '{name}' does not exist")
    return problems


def load_preset(key: str) -> Preset:
    """Read a preset and every pipeline file it lists (DefinitionError for a bad pipeline file).

    Reading does not validate the definitions; callers check them with `engine.validate`.
    """
    meta = read_preset_meta(key)
    folder = PRESETS_DIR / key
    names = cast(list[str], meta["pipelines"])
    return Preset(
        key=key,
        name=str(meta["name"]),
        description=str(meta["description"]),
        seed=str(meta["seed"]),
        industry=str(meta["industry"]),
        pipelines={name: loads((folder / name).read_text(encoding="utf-8")) for name in names},
        tags=tuple(str(tag) for tag in cast(list[object], meta.get("tags", []))),
        work_queues=tuple(cast(list[dict[str, object]], meta.get("work_queues", []))),
        settings=dict(cast(dict[str, object], meta.get("settings", {}))),
        templates=tuple(cast(list[dict[str, object]], meta.get("templates", []))),
    )
