"""Every rating and band colour can be seen on white (WCAG 1.4.11) and stays colour-blind-safe."""

import itertools
import re
from pathlib import Path

import pytest

from trackwell.analysis.defaults import attainment_document, progress_document
from trackwell.core.colours import (
    ATTAINMENT_RAMP,
    DARKER,
    MIN_GRAPHIC_CONTRAST,
    MIN_TEXT_CONTRAST,
    PROGRESS_RAMP,
    WHITE,
    contrast,
    readable,
    text_on,
)
from trackwell.curriculum.models import PALETTE
from trackwell.reports.charts import LINE_COLOURS

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "trackwell.css").read_text()


def test_contrast_ratio_matches_wcag_reference_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    # WCAG's own example pair: #777777 on white is just under 4.5:1.
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize(("colour", "name", "text"), PALETTE)
def test_every_palette_colour_shows_on_white_and_its_text_reads(
    colour: str, name: str, text: str
) -> None:
    assert contrast(colour, WHITE) >= MIN_GRAPHIC_CONTRAST, name
    assert contrast(colour, text) >= MIN_TEXT_CONTRAST, name


def _css_levels() -> dict[int, tuple[str, str]]:
    variables: dict[str, str] = dict(re.findall(r"--lv(\d): (#[0-9a-f]{6})", CSS))
    texts: dict[str, str] = dict(
        re.findall(r"\.lv-(\d) \{ background-color: var\(--lv\d\); color: (#[0-9a-f]+);", CSS)
    )
    expand: dict[str, str] = {"#000": "#000000", "#fff": "#ffffff"}
    return {int(k): (v, expand.get(texts[k], texts[k])) for k, v in variables.items()}


def test_the_grids_default_level_colours_show_on_white_with_readable_codes() -> None:
    levels = _css_levels()
    assert sorted(levels) == [0, 1, 2, 3, 4, 5]
    for value, (background, text) in levels.items():
        assert contrast(background, WHITE) >= MIN_GRAPHIC_CONTRAST, value
        assert contrast(background, text) >= MIN_TEXT_CONTRAST, value


def _distinct_by_lightness(colours: list[str]) -> None:
    # Lightness is what every colour-vision deficiency keeps: each step at least 1.25x
    # the contrast of the one before, darkest for the highest band or level.
    ratios = [contrast(c, WHITE) for c in colours]
    for low, high in itertools.pairwise(ratios):
        assert high >= low * 1.25, (colours, ratios)


def test_default_band_sets_and_grid_levels_are_told_apart_by_lightness() -> None:
    _distinct_by_lightness(ATTAINMENT_RAMP)
    _distinct_by_lightness(PROGRESS_RAMP)
    _distinct_by_lightness([c for c, _ in list(_css_levels().values())[:4]])
    assert [b["colour"] for b in attainment_document()["bands"]] == ATTAINMENT_RAMP
    assert [b["colour"] for b in progress_document()["bands"]] == PROGRESS_RAMP
    for colour in [*ATTAINMENT_RAMP, *PROGRESS_RAMP]:
        assert contrast(colour, text_on(colour)) >= MIN_TEXT_CONTRAST


def test_chart_lines_show_on_white() -> None:
    for colour in LINE_COLOURS:
        assert contrast(colour, WHITE) >= MIN_GRAPHIC_CONTRAST, colour


def test_the_note_marker_shows_on_white_and_on_the_darkest_level() -> None:
    marker = re.search(
        r"has-note, \.note-sample \{ background-image: linear-gradient\(225deg, (#[0-9a-f]{6})", CSS
    )
    assert marker
    assert contrast(marker.group(1), WHITE) >= MIN_GRAPHIC_CONTRAST
    # On dark cells the marker has a white edge, which shows against every level colour.
    for background, _ in _css_levels().values():
        assert contrast(background, WHITE) >= MIN_GRAPHIC_CONTRAST


@pytest.mark.parametrize("old", sorted(DARKER))
def test_every_too_light_colour_has_a_darker_version(old: str) -> None:
    assert contrast(old, WHITE) < MIN_GRAPHIC_CONTRAST
    assert contrast(readable(old), WHITE) >= MIN_GRAPHIC_CONTRAST


def test_any_other_light_colour_is_darkened_and_good_ones_are_kept() -> None:
    assert contrast(readable("#ffeedd"), WHITE) >= MIN_GRAPHIC_CONTRAST
    assert readable("#2666a6") == "#2666a6"
