"""The grid's cells as HTML, written in Python.

A class grid holds hundreds of cells (30 pupils by 20 to 60 objectives); through the
template language each cell cost about 60 µs to render, three quarters of the page's
time (issue 15). This filter writes the same markup directly, escaping every value.
"""

import html
from typing import Any

from django import template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from trackwell.assessment.grid import Cell, Column, Row
from trackwell.pupils.models import SenStatus

register = template.Library()


def _cell(cell: Cell) -> str:
    # html.escape is what django.utils.html.escape calls, without its lazy-string wrapper.
    code = html.escape(cell.code) if cell.code else ""
    note = ""
    if cell.note:
        text = html.escape(cell.note)
        note = f' title="{text}" data-note="{text}"'
    return (
        f'<td class="{cell.css}" data-objective="{int(cell.objective.id)}" '
        f'data-version="{int(cell.version)}" data-code="{code}"{note}>{code}</td>'
    )


@register.filter
def grid_cells(cells: list[Cell]) -> SafeString:
    """A row's cells as `<td>` elements, as the grid's script reads them."""
    return mark_safe("".join(_cell(cell) for cell in cells))  # every value is escaped above


DASH = "\u2013"  # an en dash: no figure yet


def _or_dash(value: object, suffix: str = "") -> str:
    return DASH if value is None else f"{escape(value)}{suffix}"


@register.simple_tag
def grid_row(row: Row, can_edit: bool, bulk: dict[str, Any] | None, special: bool) -> SafeString:
    """One pupil's row (`<tr>`): name, tags, cells and summary, as the grid's script reads it.

    The same markup the template wrote, about 40 template nodes a row.
    """
    pupil = row.pupil
    pk = int(pupil.pk)
    tick = ""
    if can_edit:
        checked = " checked" if bulk and str(pk) in bulk.get("pupils", ()) else ""
        tick = (
            f'<input type="checkbox" name="pupils" value="{pk}" form="bulk-form" '
            f'aria-label="Tick {escape(pupil.full_name)}"{checked}>'
        )
    tags = ""
    if special:
        if pupil.disadvantaged:
            tags += '<abbr title="Disadvantaged (pupil premium)">PP</abbr>'
        if pupil.sen_status != SenStatus.NONE:
            label = "EHC" if pupil.sen_status == SenStatus.EHCP else "SEN"
            tags += f'<abbr title="{escape(pupil.get_sen_status_display())}">{label}</abbr>'
    if pupil.eal:
        tags += '<abbr title="English as an additional language">EAL</abbr>'
    s = row.summary
    depth = DASH if s.average_depth is None else floatformat(s.average_depth, 1)
    markup = (
        f'<tr data-pupil="{pk}">\n'
        f'      <th scope="row" class="pupil">\n'
        f"        {tick}\n"
        f'        <a class="name" href="{reverse("report-pupil", args=[pk])}">'
        f"{escape(pupil.last_name)}, {escape(pupil.first_name)}</a>\n"
        f'        <span class="tags">{tags}</span>\n'
        f"      </th>\n"
        f"      {grid_cells(row.cells)}\n"
        f'      <td class="sum" data-sum="taught">{int(s.taught)}</td>\n'
        f'      <td class="sum" data-sum="assessed">{int(s.assessed)}</td>\n'
        f'      <td class="sum" data-sum="secured">{int(s.secured)}</td>\n'
        f'      <td class="sum" data-sum="pct_secured_of_taught">'
        f"{_or_dash(s.pct_secured_of_taught, '%')}</td>\n"
        f'      <td class="sum" data-sum="pct_greater_depth">'
        f"{_or_dash(s.pct_greater_depth, '%')}</td>\n"
        f'      <td class="sum" data-sum="average_depth">{depth}</td>\n'
        f"    </tr>"
    )
    return mark_safe(markup)  # every value is escaped or a number


@register.simple_tag
def grid_headings(columns: list[Column], can_edit: bool) -> SafeString:
    """The objectives' column headings (`<th>`), with their tooltips and taught buttons."""
    parts = []
    for col in columns:
        o = col.objective
        pk = int(o.id)
        code = html.escape(o.code)
        css = "obj" + ("" if col.taught else " untaught") + (" key" if o.is_key else "")
        tab = "" if can_edit else ' tabindex="0"'
        key = " (key objective)" if o.is_key else ""
        state = "taught" if col.taught else "not taught"
        if can_edit:
            label = f"Mark {code} as not yet taught" if col.taught else f"Mark {code} as taught"
            control = (
                f'<button type="submit" form="taught-form" name="mark" class="taught-toggle"\n'
                f'              value="{pk}:{0 if col.taught else 1}"\n'
                f'              aria-label="{label}">{state}</button>'
            )
        else:
            control = f'<span class="taught-state">{state}</span>'
        parts.append(
            f'<th scope="col" class="{css}" data-objective="{pk}"{tab} '
            f'aria-describedby="tip-{pk}">\n'
            f'          <span class="obj-code">{code}</span>\n'
            f'          <span class="obj-tip" role="tooltip" id="tip-{pk}"><strong>{code}</strong>'
            f'{key}: <span class="statement">{html.escape(o.statement)}</span> '
            f'<em class="untaught-note">Not yet taught to this class.</em></span>\n'
            f"          {control}\n"
            f"        </th>"
        )
    return mark_safe("\n        ".join(parts))  # every value is escaped or a number


@register.simple_tag
def grid_column_sums(columns: list[Column]) -> SafeString:
    """The footer's "% of pupils secure" cell for each objective."""
    parts = []
    for col in columns:
        s = col.summary
        value = f"{s.pct_secured}%" if s and s.assessed else DASH
        parts.append(f'<td class="colsum" data-colsum="{int(col.objective.id)}">{value}</td>')
    return mark_safe("".join(parts))  # numbers only
