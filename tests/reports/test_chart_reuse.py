"""A chart drawn for the same figures is reused; any change in what it shows draws anew."""

from tests.markup import id_problems
from trackwell.reports import charts
from trackwell.reports.charts import Series


def _bars(values: list[float | None], alt: str = "Bands by year group") -> str:
    return charts.stacked_bars(
        "Attainment",
        ["Year 1", "Year 2"],
        [Series("On track", "#0072b2", values), Series("Below", "#a86a00", [50.0, 40.0])],
        x_title="Year group",
        y_title="% of pupils",
        alt=alt,
    )


def test_the_same_figures_give_the_same_chart_without_drawing_it_again() -> None:
    charts._stacked_bars.cache_clear()
    first = _bars([50.0, 60.0])
    again = _bars([50.0, 60.0])
    assert again is first
    assert charts._stacked_bars.cache_info().hits == 1


def test_a_changed_value_title_or_text_alternative_draws_a_new_chart() -> None:
    charts._stacked_bars.cache_clear()
    first = _bars([50.0, 60.0])
    changed = _bars([50.0, 61.0])
    assert changed != first and 'aria-label="Bands by year group"' in changed
    other_alt = _bars([50.0, 60.0], alt="Another class")
    assert 'aria-label="Another class"' in other_alt
    assert charts._stacked_bars.cache_info().hits == 0


def test_band_lines_are_reused_for_the_same_pupil_figures_only() -> None:
    charts._band_lines.cache_clear()
    args = ("Ava's bands", ["Autumn", "Spring"], ["Below", "On track"])
    one = charts.band_lines(*args, [("Maths", [0, 1])], alt="Ava")
    assert charts.band_lines(*args, [("Maths", [0, 1])], alt="Ava") is one
    assert charts.band_lines(*args, [("Maths", [1, 1])], alt="Ava") != one


def test_charts_side_by_side_give_no_id_twice() -> None:
    # pygal names each chart's legend entries alike, for a script the page does not load.
    charts._stacked_bars.cache_clear()
    page = _bars([50.0, 60.0]) + _bars([20.0, 30.0], alt="Another class")
    assert 'class="legend reactive activate-serie"' in page
    assert id_problems(page) == []
