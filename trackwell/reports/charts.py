"""Charts drawn on the server as inline, accessible SVG (pygal), in the calm palette.

Every chart has a title and axis titles, is labelled for screen readers with
a text alternative, carries no script, and is shown beside a data table.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import pygal
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

# pygal adds an old-style import hook (for its optional map plugins, which we do not use)
# that makes Python warn on every later import; take it out again.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__module__ != "pygal"]

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
# Told apart with every common colour-vision deficiency, each at least 3:1 on white;
# lines also differ in dash pattern and marker, so no line depends on colour alone.
LINE_COLOURS = ("#0072b2", "#a86a00", "#1d2433", "#009e73", "#cc79a7", "#767676")
# Dash patterns for lines, in the same order as LINE_COLOURS.
DASHES = ("0", "8,4", "2,3", "12,4,2,4", "4,4", "1,6")
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
# pygal gives every chart's legend entries the same ids, for its script (left out above):
# two charts on a page would give each id twice.
_LEGEND_IDS = re.compile(r' id="activate-serie-\d+"')


def _style(colours: Sequence[str]) -> Style:
    return Style(
        colors=tuple(colours),
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#1d2433",
        foreground_strong="#1d2433",
        foreground_subtle="#d6dbe4",
        font_family=FONT,
        label_font_family=FONT,
        major_label_font_family=FONT,
        title_font_family=FONT,
        legend_font_family=FONT,
        value_font_family=FONT,
        tooltip_font_family=FONT,
        title_font_size=16,
        label_font_size=12,
        legend_font_size=12,
    )


def _finish(svg: str, alt: str) -> SafeString:
    svg = _LEGEND_IDS.sub("", _SCRIPT.sub("", svg))
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(alt)}" focusable="false" ', 1)
    return mark_safe(svg)


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    values: list[float | None]


# A chart is a pure function of what it shows: one drawn for the same figures is reused
# (per process) instead of drawn again, as when leaders reload an overview whose figures
# have not changed. Drawing one costs about as much as the whole-school GROUP BY.
CHARTS_KEPT = 256


def stacked_bars(
    title: str, categories: list[str], series: list[Series], *, x_title: str, y_title: str, alt: str
) -> SafeString:
    """Horizontal stacked bars (e.g. % of pupils in each band per year group)."""
    return _stacked_bars(
        title,
        tuple(categories),
        tuple((s.label, s.colour, tuple(s.values)) for s in series),
        x_title,
        y_title,
        alt,
    )


@functools.lru_cache(maxsize=CHARTS_KEPT)
def _stacked_bars(
    title: str,
    categories: tuple[str, ...],
    series: tuple[tuple[str, str, tuple[float | None, ...]], ...],
    x_title: str,
    y_title: str,
    alt: str,
) -> SafeString:
    chart = pygal.HorizontalStackedBar(
        js=[],
        disable_xml_declaration=True,
        style=_style([colour for _, colour, _ in series]),
        title=title,
        # pygal draws a horizontal chart's x title under the value axis at the bottom and
        # its y title beside the categories: swap so each title sits on its own axis.
        x_title=y_title,
        y_title=x_title,
        width=760,
        height=max(220, 70 + 44 * len(categories)),
        legend_at_bottom=True,
        legend_at_bottom_columns=min(5, max(1, len(series))),
        print_values=False,
        range=(0, 100),
        truncate_legend=-1,
    )
    chart.x_labels = list(categories)
    for label, _, values in series:
        chart.add(label, list(values))
    return _finish(chart.render(is_unicode=True), alt)


def band_lines(
    title: str,
    points: list[str],
    band_labels: list[str],
    series: list[tuple[str, list[int | None]]],
    *,
    alt: str,
) -> SafeString:
    """A pupil's band at each assessment point, one line per subject; it can go down as well.

    Subjects often share a band: each line is set a little apart from the others (never
    as far as the next band), with its own dash pattern and marker size, so no line
    hides another and none depends on colour alone.
    """
    return _band_lines(
        title,
        tuple(points),
        tuple(band_labels),
        tuple((name, tuple(values)) for name, values in series),
        alt,
    )


@functools.lru_cache(maxsize=CHARTS_KEPT)
def _band_lines(
    title: str,
    points: tuple[str, ...],
    band_labels: tuple[str, ...],
    series: tuple[tuple[str, tuple[int | None, ...]], ...],
    alt: str,
) -> SafeString:
    chart = pygal.Line(
        js=[],
        disable_xml_declaration=True,
        style=_style(LINE_COLOURS),
        title=title,
        x_title="Assessment point",
        y_title="Band",
        width=760,
        height=320,
        range=(-0.4, max(1, len(band_labels) - 1) + 0.4),
        legend_at_bottom=True,
        allow_interruptions=True,
        show_minor_y_labels=True,
        dots_size=5,
        truncate_label=-1,
        truncate_legend=-1,
    )
    chart.x_labels = list(points)
    chart.y_labels = [{"label": label, "value": i} for i, label in enumerate(band_labels)]
    step = 0.3 / max(1, len(series) - 1) if len(series) > 1 else 0.0
    for index, (name, values) in enumerate(series):
        offset = round((index - (len(series) - 1) / 2) * step, 3)
        chart.add(
            name,
            [None if v is None else v + offset for v in values],
            stroke_style={"width": 2.5, "dasharray": DASHES[index % len(DASHES)]},
            dots_size=4 + (index % 3),
        )
    return _finish(chart.render(is_unicode=True), alt)
