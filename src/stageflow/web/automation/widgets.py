"""A select whose option groups and options carry data attributes for the page script."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from stageflow.web.automation.choices import OptionGroup, Options


class GroupedSelect(forms.Select):
    """Options first (`leading`), then one <optgroup> per OptionGroup with its attributes.

    `keep()` adds values the groups lack (a stage removed since the rule was written), so that
    showing and saving a rule never silently changes what it says.
    """

    template_name = "web/automation/widgets/grouped_select.html"

    def __init__(self, attrs: dict[str, Any] | None = None, *,
                 groups: Sequence[OptionGroup] = (), leading: Options | None = None,
                 option_attrs: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.groups = list(groups)
        self.leading = list(leading or [])
        self.option_attrs = dict(option_attrs or {})
        super().__init__(attrs, choices=self._all_choices())

    def __deepcopy__(self, memo: dict[int, Any]) -> GroupedSelect:
        copied = super().__deepcopy__(memo)
        copied.leading = copy.copy(self.leading)
        return copied

    def _all_choices(self) -> list[Any]:
        return [*self.leading, *[(group.label, group.options) for group in self.groups]]

    def known_values(self) -> set[str]:
        return ({value for value, _label in self.leading}
                | {value for group in self.groups for value, _label in group.options})

    def keep(self, values: Iterable[str]) -> None:
        known = self.known_values()
        for value in values:
            if value and value not in known:
                self.leading.append((value, _("“%(value)s” (not in the list)") % {
                    "value": value}))
                known.add(value)
        self.choices = self._all_choices()

    def optgroups(self, name: str, value: list[str],
                  attrs: dict[str, Any] | None = None) -> list[Any]:
        attrs_by_index = {len(self.leading) + number: group.attrs
                          for number, group in enumerate(self.groups)}
        return [(group_name, options, index,
                 attrs_by_index.get(index, {}) if index is not None else {})
                for group_name, options, index in super().optgroups(name, value, attrs)]

    def create_option(self, name: str, value: Any, label: Any, selected: bool, index: int,
                      subindex: int | None = None,
                      attrs: dict[str, Any] | None = None) -> dict[str, Any]:
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["attrs"].update(self.option_attrs.get(str(value), {}))
        return option


class GroupedSelectMultiple(GroupedSelect):
    allow_multiple_selected = True

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        getlist = getattr(data, "getlist", None)
        return getlist(name) if getlist is not None else data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False
