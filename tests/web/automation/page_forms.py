"""Reading a page's form the way a browser without JavaScript would submit it."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from django.test import Client


class _FormReader(HTMLParser):
    """Collects the fields of the first <form> with `form_class`, outside <template>s."""

    def __init__(self, form_class: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_class = form_class
        self.in_form = False
        self.in_template = 0
        self.fields: list[tuple[str, str]] = []
        self._select: dict[str, object] | None = None
        self._option: dict[str, str] | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and self.form_class in values.get("class", "").split():
            self.in_form = True
        if not self.in_form:
            return
        if tag == "template":
            self.in_template += 1
        if self.in_template:
            return
        name = values.get("name", "")
        if tag == "input" and name and values.get("type") not in ("submit", "button"):
            if values.get("type") in ("checkbox", "radio"):
                if "checked" in values:
                    self.fields.append((name, values.get("value", "on")))
            else:
                self.fields.append((name, values.get("value", "")))
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in values, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": values.get("value", ""),
                            "selected": "1" if "selected" in values else ""}
            self._text = []
        elif tag == "textarea" and name:
            self._textarea = name
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._option is not None or self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if not self.in_form:
            return
        if tag == "template":
            self.in_template -= 1
        elif tag == "form":
            self.in_form = False
        if self.in_template:
            return
        if tag == "option" and self._select is not None and self._option is not None:
            options = self._select["options"]
            assert isinstance(options, list)
            options.append(self._option)
            self._option = None
        elif tag == "select" and self._select is not None:
            options = self._select["options"]
            assert isinstance(options, list)
            chosen = [option["value"] for option in options if option["selected"]]
            if not chosen and options and not self._select["multiple"]:
                chosen = [options[0]["value"]]
            self.fields += [(str(self._select["name"]), value) for value in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def form_fields(html: str, form_class: str) -> dict[str, list[str]]:
    """Each field name with the values the form would post, as Django's test client takes."""
    reader = _FormReader(form_class)
    reader.feed(html)
    fields: dict[str, list[str]] = {}
    for name, value in reader.fields:
        fields.setdefault(name, []).append(value)
    return fields


def submit(client: Client, url: str, changes: dict[str, Any] | None = None,
           removed: tuple[str, ...] = ()) -> Any:
    """Post the form on `url` as the page shows it, with `changes` typed in."""
    fields = form_fields(client.get(url).content.decode(), "rule-form")
    for name in removed:
        fields.pop(name, None)
    for name, value in (changes or {}).items():
        fields[name] = value if isinstance(value, list) else [str(value)]
    return client.post(url, fields)
