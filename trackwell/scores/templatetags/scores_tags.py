"""Template tags of the scores app: the flight path on the pupil page."""

from __future__ import annotations

from typing import Any

from django import template

from trackwell.scores.charts import flight_path_chart
from trackwell.scores.targets import OUTCOME_LABELS, describe_target, pupil_flight_paths

register = template.Library()


@register.inclusion_tag("scores/_flight_path.html")
def flight_paths(pupil: Any) -> dict[str, Any]:
    """Each subject's targets this year beside what the pupil reached (pupils' pages only)."""
    paths = pupil_flight_paths(pupil)
    return {
        "paths": [
            {
                "path": p,
                "chart": flight_path_chart(p),
                "steps": [
                    (
                        point,
                        describe_target(t) if t else "",
                        o.actual if o else "",
                        OUTCOME_LABELS.get(o.outcome, "") if o else "",
                    )
                    for point, t, o in p.steps
                ],
            }
            for p in paths
        ]
    }
