"""The flight path chart: a pupil's targets beside what they reached, as accessible SVG."""

from __future__ import annotations

import pygal
from django.utils.safestring import SafeString

from trackwell.reports.charts import LINE_COLOURS, _finish, _style

from .models import Target
from .targets import FlightPath


def flight_path_chart(path: FlightPath) -> SafeString:
    """Two lines over the year's points: the target (flight path) and what the pupil reached."""
    banded = path.kind == Target.Kind.BAND
    chart = pygal.Line(
        js=[],
        disable_xml_declaration=True,
        style=_style((LINE_COLOURS[3], LINE_COLOURS[0])),
        title=f"{path.subject.name}: targets and what was reached",
        x_title="Assessment point",
        y_title="Band"
        if banded
        else ("% secure" if path.kind == Target.Kind.PCT_SECURE else "Score"),
        width=760,
        height=300,
        legend_at_bottom=True,
        allow_interruptions=True,
        dots_size=5,
        truncate_label=-1,
        truncate_legend=-1,
        **({"range": (0, max(1, len(path.band_labels) - 1))} if banded else {}),
    )
    chart.x_labels = [p.name for p, _, _ in path.steps]
    if banded:
        chart.y_labels = [{"label": label, "value": i} for i, label in enumerate(path.band_labels)]
    chart.add("Target (flight path)", path.target_values(), stroke_style={"dasharray": "6,4"})
    chart.add("Reached", path.reached_values())
    alt = (
        f"{path.subject.name}: the pupil's targets at each point beside what they reached; "
        "the table below gives the same figures."
    )
    return _finish(chart.render(is_unicode=True), alt)
