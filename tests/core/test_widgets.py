"""`core.widgets`: the quick selects write the markup Django's own select widgets write."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.test.html import parse_html
from django.utils.safestring import mark_safe

from trackwell.core.widgets import QuickSelect, QuickSelectMultiple

CHOICES: list[Any] = [
    ("", "—"),
    (1, "Plain"),
    ("2", 'Quotes " and <tags> & ampersands'),
    (3, mark_safe("<b>already safe</b>")),
    ("Group <one>", [(4, "In a group"), ("five", "Also 'in' it")]),
    (6, "After the group"),
]


class _Form(forms.Form):
    def __init__(self, *args: Any, quick: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        single, many = (
            (QuickSelect, QuickSelectMultiple)
            if quick
            else (
                forms.Select,
                forms.SelectMultiple,
            )
        )
        self.fields["one"] = forms.ChoiceField(
            choices=CHOICES, widget=single(attrs={"data-x": 'a"b', "disabled": False})
        )
        self.fields["many"] = forms.MultipleChoiceField(
            choices=CHOICES,
            required=False,
            help_text="Hold Ctrl to choose several.",
            widget=many(attrs={"size": 6, "autofocus": True}),
        )


@pytest.mark.parametrize(
    "data", [None, {"one": "2", "many": ["1", "five"]}, {"one": "nope", "many": ["4", "6"]}]
)
def test_the_markup_is_djangos(data: dict[str, Any] | None) -> None:
    ours = _Form(data, quick=True)
    django = _Form(data, quick=False)
    for name in ("one", "many"):
        mine, theirs = str(ours[name]), str(django[name])
        assert parse_html(mine) == parse_html(theirs), (mine, theirs)
    quick_many = str(ours["many"])
    assert "&lt;tags&gt; &amp; ampersands" in quick_many
    assert "<b>already safe</b>" in quick_many
    assert 'label="Group &lt;one&gt;"' in quick_many
    assert " autofocus" in quick_many and "disabled" not in str(ours["one"])


def test_chosen_values_are_selected() -> None:
    form = _Form({"one": "2", "many": ["1", "five"]}, quick=True)
    html = str(form["many"])
    assert '<option value="1" selected>Plain</option>' in html
    assert '<option value="five" selected>Also &#x27;in&#x27; it</option>' in html
    assert '<option value="6">After the group</option>' in html
