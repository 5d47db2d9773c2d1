"""Domain events: services announce what happened; handlers run after the transaction commits.

Handlers register by event name in their AppConfig.ready(). Most run after the transaction
commits, so an event raised in a transaction that rolls back is never delivered. Automation
subscribes with `run_now`: its rules change data and write outbox messages that must commit or
roll back together with the change that raised the event.
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
    # What immediate handlers did in reply (automation notes each firing), so that the sender
    # re-reads its record only when something may have changed it.
    effects: list[str] = field(default_factory=list)


Handler = Callable[[DomainEvent], None]
HANDLERS: dict[str, list[Handler]] = defaultdict(list)
IMMEDIATE_HANDLERS: dict[str, list[Handler]] = defaultdict(list)


def subscribe(name: str, handler: Handler, *, run_now: bool = False) -> None:
    """Call `handler` for events called `name` ("*" for all): after commit, or at once."""
    (IMMEDIATE_HANDLERS if run_now else HANDLERS)[name].append(handler)


def emit(name: str, **payload: Any) -> DomainEvent:
    event = DomainEvent(name=name, payload=payload)
    for handler in [*HANDLERS.get(name, []), *HANDLERS.get("*", [])]:
        transaction.on_commit(functools.partial(handler, event))
    for handler in [*IMMEDIATE_HANDLERS.get(name, []), *IMMEDIATE_HANDLERS.get("*", [])]:
        handler(event)
    return event
