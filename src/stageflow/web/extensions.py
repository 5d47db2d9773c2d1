"""Where areas of the web UI plug into shared pages: record and account tabs, and navigation.

Each area (`web/quotes`, `web/scheduling`, …) registers its tabs and navigation entries in its
own `extensions.py`, which `WebConfig.ready()` imports. A tab is a panel loaded with htmx from
the area's own URL, so the record page never needs to know what the area shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise

from stageflow.people.models import User


@dataclass(frozen=True, slots=True)
class Panel:
    """A tab on a record page. `url_name` takes `kind` ("lead", "opportunity" or "account")
    and `record_id`; `visible` says whether the signed-in user may see the tab at all."""

    key: str
    label: str | Promise
    url_name: str
    kinds: tuple[str, ...]
    position: int = 50
    visible: Callable[[User], bool] = lambda user: True

    def url(self, kind: str, record_id: int) -> str:
        return reverse(self.url_name, kwargs={"kind": kind, "record_id": record_id})


@dataclass(frozen=True, slots=True)
class NavEntry:
    """A link in the main navigation, marked current on pages of `url_name`'s namespace.
    `template`, when given, is included instead of the link (a menu with live counts)."""

    key: str
    label: str | Promise
    url_name: str
    position: int
    visible: Callable[[User], bool]
    template: str = ""

    @property
    def namespace(self) -> str:
        return self.url_name.partition(":")[0]


PANELS: dict[str, Panel] = {}
NAV_ENTRIES: dict[str, NavEntry] = {}


def register_panel(panel: Panel) -> None:
    PANELS[panel.key] = panel


def register_nav(entry: NavEntry) -> None:
    NAV_ENTRIES[entry.key] = entry


def panels_for(kind: str, user: User) -> list[Panel]:
    return sorted((panel for panel in PANELS.values()
                   if kind in panel.kinds and panel.visible(user)),
                  key=lambda panel: (panel.position, panel.key))


@dataclass(frozen=True, slots=True)
class PanelLink:
    label: str | Promise
    url: str


def panel_links(kind: str, record_id: int, user: User) -> dict[str, PanelLink]:
    """The tabs areas add to the page of one record, by tab key, in display order."""
    return {panel.key: PanelLink(label=panel.label, url=panel.url(kind, record_id))
            for panel in panels_for(kind, user)}


def nav_entries_for(user: User) -> list[NavEntry]:
    return sorted((entry for entry in NAV_ENTRIES.values() if entry.visible(user)),
                  key=lambda entry: (entry.position, entry.key))
