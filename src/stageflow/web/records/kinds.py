"""The two record types the record screens serve, and what the pages call them.

One set of views and templates serves both leads and opportunities; everything that differs
between them in the pages (names, URL names, what a kind offers) is read from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from stageflow.core.errors import NotFound

ACTIONS: Final = ("list", "create", "wizard", "wizard_step", "detail", "edit", "delete",
                  "preview", "bulk", "export", "transition", "tag", "untag", "contact_link",
                  "contact_role", "contact_unlink", "lookup", "convert", "follow_on")


@dataclass(frozen=True)
class RecordKind:
    key: str  # "lead" or "opportunity", as access.py and the services name it
    slug: str  # the URL segment
    singular: Promise
    plural: Promise
    new_label: Promise
    urls: dict[str, str] = field(default_factory=dict)

    @property
    def is_lead(self) -> bool:
        return self.key == "lead"

    def url(self, action: str) -> str:
        return f"records:{self.key}_{action}"


def _kind(key: str, slug: str, singular: Any, plural: Any, new_label: Any) -> RecordKind:
    return RecordKind(key=key, slug=slug, singular=singular, plural=plural, new_label=new_label,
                      urls={action: f"records:{key}_{action}" for action in ACTIONS})


KINDS: Final[dict[str, RecordKind]] = {
    "lead": _kind("lead", "leads", _("lead"), _("Leads"), _("New lead")),
    "opportunity": _kind("opportunity", "opportunities", _("opportunity"), _("Opportunities"),
                         _("New opportunity")),
}


def kind_named(key: str) -> RecordKind:
    kind = KINDS.get(key)
    if kind is None:
        raise NotFound(str(_("No such page.")))
    return kind
