"""Domain events: services announce what happened; handlers run after the transaction commits.

Handlers (automation, notifications) register by event name in their AppConfig.ready(). An
event raised in a transaction that rolls back is never delivered.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction


@dataclass(frozen=True)
class DomainEvent:
    name: str
    payload: Mapping[str, Any] = field(default_factory=dict)


Handler = Callable[[DomainEvent], None]
HANDLERS: dict[str, list[Handler]] = defaultdict(list)


def subscribe(name: str, handler: Handler) -> None:
    HANDLERS[name].append(handler)


def emit(name: str, **payload: Any) -> DomainEvent:
    event = DomainEvent(name=name, payload=payload)
    for handler in [*HANDLERS.get(name, []), *HANDLERS.get("*", [])]:
        transaction.on_commit(functools.partial(handler, event))
    return event
