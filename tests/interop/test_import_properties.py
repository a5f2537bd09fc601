"""The readers never crash: arbitrary bytes, text and near-valid files give problems, not errors."""

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.interop.conftest import SIMS_HEADER, csv_bytes, sims_row
from trackwell.interop import pipeline
from trackwell.interop.ctf import read_ctf
from trackwell.interop.kinds.ctf import CtfImport
from trackwell.interop.kinds.oneroster import OneRosterImport
from trackwell.interop.kinds.pupils import PUPIL_FIELDS, PupilsImport
from trackwell.interop.mapping import guess_mapping, resolve
from trackwell.interop.transition import TransitionImport

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _problems_are_text(parsed: pipeline.Parsed) -> None:
    assert all(isinstance(str(p), str) and str(p) for p in parsed.errors)


def _parse_spreadsheet(data: bytes) -> None:
    table, problems = pipeline.read_table(data)
    assert (table is None) == bool(problems)
    if table is None:
        return
    mapping = guess_mapping(PUPIL_FIELDS, table.headers, {})
    columns, problems = resolve(PUPIL_FIELDS, table.headers, mapping)
    if not problems:
        _problems_are_text(PupilsImport().parse(table, {"columns": columns}))


@FAST
@given(st.binary(max_size=2_000))
def test_the_csv_reader_never_crashes_on_bytes(data: bytes) -> None:
    _parse_spreadsheet(data)


cells = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30) | st.sampled_from(
    ["Y", "N", "R", "Year 3", "14/03/2018", "2018-03-14", "K", "E", "F", "M", ""]
)


@FAST
@given(st.lists(st.lists(cells, min_size=0, max_size=14), max_size=8), st.booleans())
def test_the_pupil_reader_never_crashes_on_odd_rows(rows: list[list[str]], crlf: bool) -> None:
    _parse_spreadsheet(csv_bytes(rows, SIMS_HEADER, crlf=crlf))


@FAST
@given(st.integers(min_value=0, max_value=11), cells)
def test_one_odd_cell_in_a_good_file_is_a_problem_or_a_value(column: int, value: str) -> None:
    row = sims_row(1, "Good", "Pupil")
    row[column] = value
    _parse_spreadsheet(csv_bytes([row]))


@FAST
@given(st.binary(max_size=3_000))
def test_the_ctf_reader_never_crashes_on_bytes(data: bytes) -> None:
    read, problems = read_ctf(data)
    assert (read is None) == bool(problems)
    _problems_are_text(CtfImport().parse(data, {}))


xml_names = st.sampled_from(
    [
        "CTfile",
        "Header",
        "CTFpupilData",
        "Pupil",
        "UPN",
        "Surname",
        "Forename",
        "DOB",
        "Sex",
        "BasicDetails",
        "NCyearActual",
        "FSMhistory",
        "FSMinstance",
        "FSMstartDate",
        "SENhistory",
        "SEN",
        "StartDate",
        "SENprovision",
        "StageAssessments",
        "KeyStage",
        "Stage",
        "StageAssessment",
        "Subject",
        "Result",
        "ResultDate",
        "LookedAfter",
        "InCare",
    ]
)
xml = st.recursive(
    st.text(alphabet="abcXYZ019-/ <>&'\"", max_size=12).map(
        lambda t: t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    ),
    lambda inner: st.tuples(xml_names, st.lists(inner, max_size=4)).map(
        lambda pair: f"<{pair[0]}>{''.join(pair[1])}</{pair[0]}>"
    ),
    max_leaves=30,
)


@FAST
@given(xml)
def test_the_ctf_reader_never_crashes_on_odd_ctfs(body: str) -> None:
    data = f"<CTfile><CTFpupilData>{body}</CTFpupilData></CTfile>".encode()
    _problems_are_text(CtfImport().parse(data, {}))


# XML declarations naming any encoding: unknown ones, ones that are not text encodings
# ("hex", "rot13", "zlib"), multi-byte ones expat refuses, and arbitrary names.
encodings = st.sampled_from(
    ["x-klingon", "hex", "rot13", "zlib", "base64", "utf-32", "utf-7", "idna", "utf-16", ""]
) | st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=20)


@FAST
@given(encodings, xml, st.binary(max_size=200))
def test_the_ctf_reader_never_crashes_on_any_declared_encoding(
    encoding: str, body: str, tail: bytes
) -> None:
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>'.encode()
    for data in (
        declaration + f"<CTfile><CTFpupilData>{body}</CTFpupilData></CTfile>".encode(),
        declaration + tail,
    ):
        read, problems = read_ctf(data)
        assert (read is None) == bool(problems)
        _problems_are_text(CtfImport().parse(data, {}))


@FAST
@given(st.binary(max_size=2_000))
def test_the_oneroster_reader_never_crashes_on_bytes(data: bytes) -> None:
    _problems_are_text(OneRosterImport().parse(data, {}))


@FAST
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "manifest",
                "orgs",
                "users",
                "classes",
                "enrollments",
                "demographics",
                "academicSessions",
            ]
        ),
        st.binary(max_size=300),
        max_size=7,
    )
)
def test_the_oneroster_reader_never_crashes_on_odd_bundles(files: dict[str, bytes]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, content in files.items():
            bundle.writestr(f"{name}.csv", content)
    _problems_are_text(OneRosterImport().parse(buffer.getvalue(), {}))


@FAST
@given(
    st.binary(max_size=2_000)
    | st.recursive(
        st.none() | st.integers() | st.text(max_size=10),
        lambda i: (
            st.lists(i, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "format",
                        "version",
                        "pupil",
                        "upn",
                        "subjects",
                        "secured",
                        "gaps",
                        "exported_at",
                        "statement",
                    ]
                ),
                i,
                max_size=5,
            )
        ),
        max_leaves=20,
    ).map(lambda v: __import__("json").dumps(v).encode())
)
def test_the_transition_reader_never_crashes(data: bytes) -> None:
    _problems_are_text(TransitionImport().parse(data, {}))


@pytest.mark.parametrize("size", [5_000_001, 20_000_001])
def test_files_over_the_limit_are_refused_before_reading(size: int) -> None:
    data = b"a" * size
    problem = pipeline.check_size(data, pipeline.DEFAULT_LIMITS)
    assert problem is not None and "at most 5 MB" in str(problem)


def test_too_many_rows_and_too_long_cells_are_refused() -> None:
    many = b"UPN\n" + b"x\n" * 20_002
    _, problems = pipeline.read_table(many)
    assert "more than 20,000 rows" in str(problems[0])
    long = b"UPN,Surname\nA," + b"b" * 1_001 + b"\n"
    _, problems = pipeline.read_table(long)
    assert str(problems[0]) == "Row 2, column 'Surname': the cell is longer than 1,000 characters."


@pytest.mark.parametrize("ending", [b"\r", b"\n", b"\r\n"])
def test_the_row_limit_holds_whatever_the_line_ending(ending: bytes) -> None:
    """Old Mac files end lines with CR alone: counting newlines alone let them through."""
    limits = pipeline.Limits(max_rows=50)
    over = b"UPN,Surname" + ending + (b"x,y" + ending) * 51
    _, problems = pipeline.read_table(over, limits)
    assert [str(p) for p in problems] == [
        "The file has more than 50 rows; imports take at most that."
    ]
    # Blank lines count: they cost as much to read.
    blanks = b"UPN,Surname" + ending + ending * 60 + b"x,y" + ending
    assert pipeline.read_table(blanks, limits)[0] is None
    at = b"UPN,Surname" + ending + (b"x,y" + ending) * 50
    table, problems = pipeline.read_table(at, limits)
    assert problems == [] and table is not None and len(table.rows) == 50
    assert table.headers == ["UPN", "Surname"] and table.rows[1] == (3, ["x", "y"])


@pytest.mark.parametrize("odd", ["²", "٣", "Ⅻ", "١٢"])
def test_digits_that_int_refuses_or_other_scripts_are_problems_not_crashes(odd: str) -> None:
    from trackwell.interop.case import _natural
    from trackwell.pupils.upn import is_valid_upn

    assert not is_valid_upn("A12345678901" + odd[:1])
    assert not is_valid_upn("A" + odd[:1] * 12)
    row = sims_row(1, "Good", "Pupil", UPN="E82020011900" + odd[:1], Year=f"Year {odd}")
    _parse_spreadsheet(csv_bytes([row]))
    ctf = (
        "<CTfile><CTFpupilData><Pupil><UPN>x</UPN><BasicDetails><NCyearActual>"
        f"{odd}</NCyearActual></BasicDetails><StageAssessments><KeyStage><Stage>KS2</Stage>"
        f"<StageAssessment><Subject>MAT</Subject><Result>{odd}</Result></StageAssessment>"
        "</KeyStage></StageAssessments></Pupil></CTFpupilData></CTfile>"
    )
    assert CtfImport().parse(ctf.encode(), {}).errors
    assert _natural(f"a{odd}1")
