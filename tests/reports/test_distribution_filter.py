"""The `distribution` filter the report pages draw band distributions with."""

from types import SimpleNamespace

from django.template import engines

from trackwell.reports.templatetags.report_tags import distribution


def _band(label: str, colour: str) -> SimpleNamespace:
    return SimpleNamespace(label=label, colour=colour)


def test_each_band_with_pupils_is_an_item_with_its_swatch_count_and_share() -> None:
    cells = [(_band("On track", "#173f73"), 21, 35), (_band("Below", "#3b78b5"), 0, 0)]
    html = distribution(cells)
    assert html == (
        '<ul class="dist"><li><span class="swatch" style="background:#173f73"'
        ' aria-hidden="true"></span>On track: 21 (35%)</li></ul>'
    )


def test_a_schools_own_wording_is_escaped() -> None:
    html = distribution([(_band("<b>Top</b> & co", '"red'), 3, 100)])
    assert "<b>" not in html and "&lt;b&gt;Top&lt;/b&gt; &amp; co: 3 (100%)" in html
    assert 'style="background:&quot;red"' in html


def test_no_pupils_is_an_empty_list_and_templates_load_it() -> None:
    assert distribution([(_band("Below", "#3b78b5"), 0, 0)]) == '<ul class="dist"></ul>'
    template = engines["django"].from_string("{% load report_tags %}{{ cells|distribution }}")
    out = template.render({"cells": [(_band("Good", "#1f4f85"), 2, 50)]})
    assert out.endswith("Good: 2 (50%)</li></ul>")
