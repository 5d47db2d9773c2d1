"""Where the records that run on pipelines live: apps owning such records register a store.

Publishing a new version asks every store how many records sit on steps the version removes,
moves them along the administrator's mapping, and puts every record on the new version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol


class PipelineRecordStore(Protocol):
    def count_on_steps(self, *, pipeline_key: str, steps: Iterable[str]) -> dict[str, int]: ...

    def adopt_version(self, *, pipeline_key: str, mapping: Mapping[str, str], version: int,
                      actor: Any, via: Any) -> int: ...


RECORD_STORES: list[PipelineRecordStore] = []


def register_record_store(store: PipelineRecordStore) -> None:
    RECORD_STORES.append(store)
