"""Importing an existing provision map (CSV and XLSX), and the export round trip."""

import io
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.factories import World
from tests.provision.conftest import make_provision
from trackwell.core.exports import Table, csv_bytes, xlsx_bytes
from trackwell.interop import pipeline
from trackwell.provision.layout import COLUMNS, map_table
from trackwell.provision.models import Intervention, Outcome, Participant, ParticipantMeasure
from trackwell.provision.queries import load_map

pytestmark = pytest.mark.django_db


def _example(world: World) -> bytes:
    """A provision map as a SENCO keeps it: sub-levels and Leuven, pupils in two groups."""
    a0, a1, a2 = world.pupils_a[:3]
    b0 = world.pupils_b[0]
    rows = [
        [
            "Intervention",
            "Area of need",
            "Ratio",
            "Frequency and duration",
            "Staff",
            "Start",
            "End",
            "Funding",
            "Pupil",
            "UPN",
            "Class",
            "Measure",
            "Entry",
            "Target",
            "Exit",
            "Outcome",
            "Comment",
        ],
        [
            "Precision reading",
            "Cognition and learning",
            "1:3",
            "3 x 20 min, 10 weeks",
            world.users["ta"].display_name,
            "07/09/2026",
            "13/11/2026",
            "Pupil premium",
            a0.full_name,
            "",
            "3 Oak",
            "NC sub-levels",
            "2c",
            "+2",
            "2a",
            "Met",
            "",
        ],
        [
            "Precision reading",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            a1.full_name,
            "",
            "3 Oak",
            "NC sub-levels",
            "1a",
            "+2",
            "2b",
            "Met",
            "Absent for two weeks in October",
        ],
        [
            "Precision reading",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            a2.upn,
            "",
            "NC sub-levels",
            "2b",
            "reach 3c",
            "2a",
            "Partly met",
            "",
        ],
        [
            "Friendship group",
            "SEMH",
            "2:6",
            "1 x 45 min, 8 weeks",
            "Mrs Outside Counsellor",
            "14/09/2026",
            "06/11/2026",
            "Pupil premium 50%; SEN notional budget 50%",
            a0.full_name,
            "",
            "3 Oak",
            "Leuven well-being",
            "2",
            "+2",
            "4",
            "Met",
            "",
        ],
        [
            "Friendship group",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            a0.full_name,
            "",
            "3 Oak",
            "Leuven involvement",
            "2",
            "reach 4",
            "3",
            "Partly met",
            "",
        ],
        [
            "Friendship group",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            b0.full_name,
            "",
            "3 Ash",
            "Leuven well-being",
            "3",
            "+1",
            "3",
            "Not met",
            "Difficult term at home",
        ],
    ]
    return csv_bytes(Table("map", rows[0], rows[1:]))


def _import(world: World, data: bytes, user: str = "senco"):
    return pipeline.apply_now(
        user=world.users[user], school=world.school, kind="provision_map", data=data, options={}
    )


def test_rebuild_a_published_style_map(world: World) -> None:
    prepared, result = _import(world, _example(world))
    assert prepared.problems == []
    assert result == {"interventions": 2, "pupils": 5}
    reading = Intervention.objects.get(school=world.school, name="Precision reading")
    assert (
        reading.ratio,
        reading.sessions_per_week,
        reading.minutes_per_session,
        reading.weeks,
    ) == ("1:3", Decimal(3), 20, 10)
    assert reading.staff.get().user == world.users["ta"]
    outcomes = {p.pupil_id: p.outcome for p in Participant.objects.filter(intervention=reading)}
    a0, a1, a2 = world.pupils_a[:3]
    assert outcomes == {a0.pk: Outcome.MET, a1.pk: Outcome.MET, a2.pk: Outcome.PARTLY}
    friendship = Intervention.objects.get(school=world.school, name="Friendship group")
    assert friendship.staff.get().external_name == "Mrs Outside Counsellor"
    assert {f.source: f.percent for f in friendship.funding.all()} == {
        "pupil_premium": 50,
        "sen_notional": 50,
    }
    # A pupil in two groups, with two measures in one of them.
    assert Participant.objects.filter(pupil=a0).count() == 2
    both = Participant.objects.get(intervention=friendship, pupil=a0)
    assert both.outcome == Outcome.PARTLY  # met on well-being, partly on involvement
    assert ParticipantMeasure.objects.filter(participant=both).count() == 2
    b0 = Participant.objects.get(intervention=friendship, pupil=world.pupils_b[0])
    assert b0.outcome == Outcome.NOT_MET and b0.comment == "Difficult term at home"


def test_outcome_in_file_that_disagrees_is_named(world: World) -> None:
    data = _example(world).replace(b"2b,reach 3c,2a,Partly met", b"2b,reach 3c,2a,Met")
    prepared = pipeline.prepare(school=world.school, kind="provision_map", data=data, options={})
    assert prepared.plan is not None
    assert any("the file says 'Met'" in w and "'Partly met'" in w for w in prepared.plan.warnings)


def test_errors_by_row_and_column_and_nothing_saved(world: World) -> None:
    bad = (
        "Intervention,Pupil,Class,Measure,Entry,Target,Exit,Ratio,Frequency and duration\n"
        f"Group,{world.pupils_a[0].full_name},3 Oak,NC sub-levels,2z,+1,3c,1:4,3 x 20 min\n"
        "Group,Nobody Here,3 Oak,NC sub-levels,2c,+1,2b,1:4,3 x 20 min\n"
        f"Group,{world.pupils_a[1].full_name},3 Oak,Reading age,80,+6,90,1:4,3 x 20 min\n"
        f"Other,{world.pupils_a[1].full_name},3 Oak,NC sub-levels,2c,+1,2b,one to four,often\n"
    ).encode()
    prepared, result = _import(world, bad)
    assert result is None
    problems = prepared.problems
    assert "Row 5, column 'Ratio': 'one to four' is not a ratio such as 1:4." in problems
    assert any(p.startswith("Row 5, column 'Frequency and duration'") for p in problems)
    assert Intervention.objects.filter(school=world.school).count() == 0
    data_ok_rows = bad.replace(b"one to four,often", b"1:4,3 x 20 min")
    prepared, result = _import(world, data_ok_rows)
    problems = prepared.problems
    assert any(p.startswith("Row 2, column 'Entry'") and "2z" in p for p in problems)
    assert "Row 3, column 'Pupil': no pupil called Nobody Here in 3 Oak." in problems
    assert any(p.startswith("Row 4, column 'Measure'") and "Reading age" in p for p in problems)
    assert result is None and Intervention.objects.filter(school=world.school).count() == 0


def test_missing_columns_are_named(world: World) -> None:
    prepared, result = _import(world, b"Name of thing,Who\nA,B\n")
    assert result is None
    assert any("Intervention" in p for p in prepared.problems)


def test_re_import_changes_nothing(world: World) -> None:
    _import(world, _example(world))
    prepared, _ = _import(world, _example(world))
    assert prepared.plan is not None and prepared.plan.changes == []
    assert len(prepared.plan.warnings) >= 2
    assert Intervention.objects.filter(school=world.school).count() == 2


def test_export_round_trip_csv_and_xlsx(world: World, other_world: World) -> None:
    """A map exported from one school imports into another with the same pupils' UPNs."""
    provision = make_provision(world)
    source = load_map(Intervention.objects.filter(school=world.school))
    table = map_table(source)
    # The other school has the same pupils (same UPNs): rename their UPNs to match.
    for mine, theirs in zip(
        world.pupils_a[:3] + world.pupils_b[:1],
        other_world.pupils_a[:2] + other_world.pupils_b[:2],
        strict=False,
    ):
        theirs.upn = mine.upn
        theirs.save()
    assert provision.group_a.pk
    for fmt, data in (("csv", csv_bytes(table)), ("xlsx", xlsx_bytes(table))):
        Intervention.objects.filter(school=other_world.school).delete()
        prepared, _ = _import(other_world, data)
        assert prepared.problems == [], fmt
        exported_again = map_table(load_map(Intervention.objects.filter(school=other_world.school)))
        keep = [COLUMNS.index(c) for c in COLUMNS if c not in {"Pupil", "Class", "Actual cost (£)"}]

        assert _shape(exported_again, keep) == _shape(table, keep), fmt


def _shape(t: Table, keep: list[int]) -> list:
    return sorted([[r[i] for i in keep] for r in t.rows], key=str)


def test_xlsx_export_opens_with_the_layout(world: World) -> None:
    make_provision(world)
    data = xlsx_bytes(map_table(load_map(Intervention.objects.filter(school=world.school))))
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [c.value for c in sheet[1]] == COLUMNS


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=400))
def test_parse_never_raises(data: bytes) -> None:
    kind = pipeline.get_kind("provision_map")
    parsed = kind.parse(data, {})
    assert parsed.errors or parsed.data is not None


def test_import_pages_for_the_senco(world: World, client_for) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client = client_for(world.users["senco"])
    response = client.get(reverse("provision:import"))
    assert response.status_code == 302
    upload = SimpleUploadedFile("map.csv", _example(world), content_type="text/csv")
    response = client.post(reverse("imports:upload", args=["provision_map"]), {"file": upload})
    assert response.status_code == 302, response.content[:500]
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert b"Precision reading" in preview.content
    assert Intervention.objects.filter(school=world.school).count() == 0  # nothing before commit
    teacher = client_for(world.users["teacher"])
    assert teacher.get(reverse("imports:upload", args=["provision_map"])).status_code == 404
    assert date.today()
