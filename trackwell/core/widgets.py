"""Form widgets that write long lists of options in Python rather than through templates.

Django renders each `<option>` through two template includes, about 0.15 ms an option.
A school's objectives are close to a thousand options, so a form that offers them
(an intervention's objectives) took about 230 ms to draw, most of it those options.
These widgets write the markup Django's templates write (`select.html`,
`select_option.html`, `attrs.html`), escaping as the templates do;
`tests/core/test_widgets.py` compares the two.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict[str, Any]) -> str:
    """`django/forms/widgets/attrs.html`: False left out, True as a bare name."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(parts)


class _QuickSelectMixin:
    """`render` for `Select` and `SelectMultiple`: the same context, written in Python.

    A widget given its own templates, or a callable attribute (which a template would
    call), is drawn by Django as usual.
    """

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        own = (self.template_name, self.option_template_name)  # type: ignore[attr-defined]
        if own != (forms.Select.template_name, forms.Select.option_template_name):
            return super().render(name, value, attrs, renderer)  # type: ignore[misc]
        widget = self.get_context(name, value, attrs)["widget"]  # type: ignore[attr-defined]
        if any(callable(v) for v in widget["attrs"].values()):
            return super().render(name, value, attrs, renderer)  # type: ignore[misc]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _ in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(localize(group_name))}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attrs(option['attrs'])}>{conditional_escape(localize(option['label']))}</option>"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # every value is escaped above


class QuickSelect(_QuickSelectMixin, forms.Select):
    """`forms.Select`, its options written in Python."""


class QuickSelectMultiple(_QuickSelectMixin, forms.SelectMultiple):
    """`forms.SelectMultiple`, its options written in Python."""
