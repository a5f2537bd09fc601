"""Pupil reports and the governors' pack as PDF: HTML templates rendered by WeasyPrint."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from trackwell.analysis.evaluation import load_band_sets
from trackwell.core.models import AssessmentPoint
from trackwell.parents.services import settings_for as parent_settings_for
from trackwell.parents.summary import band_phrase, summarise
from trackwell.pupils.models import Pupil
from trackwell.reports import charts
from trackwell.reports.queries import pupil_trend

from .ks2 import ks2_lines
from .models import ReportComment, ReportEntry, ReportRound, ReportSettings

PRINT_CSS = "css/print.css"
# WeasyPrint warns of what a report's reader never sees (an anchor given twice, CSS it
# does not draw): keep errors only.
logging.getLogger("weasyprint").setLevel(logging.ERROR)


# Outlines keep every band visible on white, and each segment distinct when printed in
# greyscale, without changing the palette's colours.
_OUTLINE = (
    "<style>svg rect.reactive{stroke:#1d2433 !important;stroke-width:0.8px !important;"
    "stroke-opacity:1 !important}svg text{stroke:none !important}</style>"
)


def outlined(svg: Any) -> Any:
    """A chart from `reports.charts` with outlined shapes, for print."""
    if not svg:
        return svg
    text = str(svg)
    end = text.find(">", text.find("<svg")) + 1
    return mark_safe(text[:end] + _OUTLINE + text[end:])


def report_settings_for(school_id: int) -> ReportSettings:
    """The school's report template, created with the defaults when missing."""
    found, _ = ReportSettings.objects.get_or_create(school_id=school_id)
    return found


def _attendance(entry: ReportEntry | None) -> dict[str, Any] | None:
    if entry is None or not entry.sessions_possible:
        return None
    unauthorised = entry.unauthorised_absences or 0
    return {
        "possible": entry.sessions_possible,
        "attended": entry.sessions_attended,
        "unauthorised": unauthorised,
        # The law asks for unauthorised absence as a percentage of possible sessions.
        "unauthorised_percent": round(100 * unauthorised / entry.sessions_possible, 1),
    }


@dataclass
class Shared:
    """What every report of a round has in common: read (and parsed) once for a batch.

    A class of 30 used to read the template, the parent settings, the band rules and
    the year's points 30 times, and to parse the print stylesheet and set up fonts for
    every pupil; a batch makes one of these and passes it to each report.
    """

    settings: ReportSettings
    parent_settings: Any
    sets: Any
    points: list[AssessmentPoint]
    _printer: tuple[Any, list[Any]] | None = None

    @classmethod
    def for_round(cls, report_round: ReportRound) -> Shared:
        school = report_round.school
        return cls(
            settings=report_settings_for(school.pk),
            parent_settings=parent_settings_for(school),
            sets=load_band_sets(school.pk),
            points=list(
                AssessmentPoint.objects.filter(
                    year_id=report_round.year_id, date__lte=report_round.point.date
                ).order_by("date")
            ),
        )

    def printer(self) -> tuple[Any, list[Any]]:
        """One font configuration and the parsed print stylesheet, for every document."""
        if self._printer is None:
            self._printer = _printer()
        return self._printer


def _printer(print_css: bool = True) -> tuple[Any, list[Any]]:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    css_path = finders.find(PRINT_CSS) if print_css else None
    stylesheets = [CSS(filename=str(css_path), font_config=font_config)] if css_path else []
    return font_config, stylesheets


def _chart(pupil: Pupil, report_round: ReportRound, summary: Any, shared: Shared) -> Any:
    """The pupil's band at each point of the year, with the school's words for parents."""
    parent_settings = shared.parent_settings
    attainment = shared.sets.attainment
    if attainment is None:
        return None
    points = shared.points
    trend = pupil_trend(pupil.pk, points, attainment)
    bands = sorted(attainment.bands, key=lambda b: b.order)
    series = []
    for sub in summary.subjects:
        history = trend.get(sub.subject.pk, {})
        values: list[int | None] = [history[p.pk][0] if p.pk in history else None for p in points]
        if values and values[-1] is None and sub.band is not None:
            # The report's own point is still open: its band is today's (as on the page).
            values[-1] = sub.band.order
        if any(v is not None for v in values):
            series.append((sub.subject.name, values))
    if not series:
        return None
    return outlined(
        charts.band_lines(
            f"{pupil.first_name}'s learning through the year",
            [p.name for p in points],
            [band_phrase(b, parent_settings) for b in bands],
            series,
            alt=(
                f"Line chart of {pupil.first_name}'s learning in each subject at each assessment "
                "point this year; the words beside each subject give the same picture."
            ),
        )
    )


def report_context(
    report_round: ReportRound, pupil: Pupil, shared: Shared | None = None
) -> dict[str, Any]:
    """Everything one pupil's report shows (`shared`: what a batch reads once)."""
    shared = shared or Shared.for_round(report_round)
    settings = shared.settings
    summary = summarise(pupil, report_round.point, shared.parent_settings, sets=shared.sets)
    comments = dict(
        ReportComment.objects.filter(round=report_round, pupil=pupil).values_list(
            "subject_id", "text"
        )
    )
    entry = ReportEntry.objects.filter(round=report_round, pupil=pupil).first()
    return {
        "round": report_round,
        "pupil": pupil,
        "school": pupil.school,
        "settings": settings,
        "summary": summary,
        "subjects": [(s, comments.get(s.subject.pk, "")) for s in summary.subjects],
        "general": entry.general if entry else "",
        "attendance": _attendance(entry),
        "ks2": ks2_lines(pupil) if pupil.nc_year == 6 else [],
        "chart": _chart(pupil, report_round, summary, shared) if settings.show_chart else None,
    }


def _html_document(
    template: str,
    context: dict[str, Any],
    *,
    print_css: bool = True,
    printer: tuple[Any, list[Any]] | None = None,
) -> Any:
    from weasyprint import HTML

    html = render_to_string(template, context)
    font_config, stylesheets = printer or _printer(print_css)
    return HTML(string=html, base_url=".").render(stylesheets=stylesheets, font_config=font_config)


def render_pupil_document(
    report_round: ReportRound, pupil: Pupil, shared: Shared | None = None
) -> Any:
    """The rendered (not yet written) WeasyPrint document of one pupil's report."""
    shared = shared or Shared.for_round(report_round)
    return _html_document(
        "printed/report_pdf.html",
        report_context(report_round, pupil, shared),
        printer=shared.printer(),
    )


def render_pupil_pdf(report_round: ReportRound, pupil: Pupil) -> bytes:
    """One pupil's report as PDF."""
    pdf: bytes = render_pupil_document(report_round, pupil).write_pdf()
    return pdf


def render_many(
    report_round: ReportRound,
    pupils: Sequence[Pupil],
    progress: Callable[[Pupil, bytes], None] = lambda _p, _b: None,
) -> bytes:
    """Each pupil's report (passed to `progress` as it is done) and the combined file.

    The batch reads the round's settings, band rules and points once (`Shared`), sets
    up fonts and parses the print stylesheet once, and makes the combined file by
    joining the pupils' finished PDFs (pypdf) instead of drawing every page a second
    time: drawing (the charts' text above all) was half of a class's time.
    """
    from pypdf import PdfWriter

    shared = Shared.for_round(report_round)
    combined = PdfWriter()
    for pupil in pupils:
        pdf: bytes = render_pupil_document(report_round, pupil, shared).write_pdf()
        progress(pupil, pdf)
        combined.append(io.BytesIO(pdf))
    if not pupils:
        return b""
    out = io.BytesIO()
    combined.write(out)
    return out.getvalue()


def render_html_pdf(template: str, context: dict[str, Any], *, print_css: bool = True) -> bytes:
    """Any print template as PDF (the governors' pack; a meeting's self-contained record
    with `print_css=False`)."""
    pdf: bytes = _html_document(template, context, print_css=print_css).write_pdf()
    return pdf


def pdf_response(pdf: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    """A PDF download."""
    import re

    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-") or "report"
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{safe}.pdf"'
    return response
