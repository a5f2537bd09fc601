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


def test_labels_that_are_not_text_are_written_as_django_writes_them(settings: Any) -> None:
    import datetime

    from django.utils.translation import gettext_lazy

    settings.USE_THOUSAND_SEPARATOR = True
    choices: list[Any] = [
        (1, gettext_lazy("Translated later")),
        (2, datetime.date(2026, 1, 2)),
        (3, 12345),
        (datetime.date(2026, 3, 4), [(4, "In a dated group")]),
    ]
    for quick, plain in ((QuickSelect, forms.Select), (QuickSelectMultiple, forms.SelectMultiple)):
        ours = quick(choices=choices).render("x", [2])
        theirs = plain(choices=choices).render("x", [2])
        assert parse_html(ours) == parse_html(theirs), (ours, theirs)
    assert "12,345" in ours


def test_a_widget_with_its_own_templates_is_drawn_by_django() -> None:
    class Own(QuickSelect):
        option_template_name = "no/such/template.html"

    from django.template import TemplateDoesNotExist

    with pytest.raises(TemplateDoesNotExist):
        Own(choices=[(1, "One")]).render("x", 1)


@pytest.mark.django_db
def test_model_choices_are_written_as_django_writes_them(world: Any) -> None:
    from trackwell.curriculum.models import Objective

    objectives = Objective.objects.filter(framework=world.framework).order_by("pk")
    chosen = [objectives[0].pk]
    ours = forms.ModelMultipleChoiceField(objectives, widget=QuickSelectMultiple)
    theirs = forms.ModelMultipleChoiceField(objectives, widget=forms.SelectMultiple)
    mine = ours.widget.render("objectives", chosen)
    assert parse_html(mine) == parse_html(theirs.widget.render("objectives", chosen))
    assert mine.count("<option") == objectives.count() and mine.count(" selected") == 1
