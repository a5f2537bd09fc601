"""CTF in and out, and the objective-level transition record: round trips between two schools."""

import json
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import World
from tests.interop.conftest import upn
from trackwell.accounts.models import AuditEntry
from trackwell.assessment.models import Judgement
from trackwell.curriculum.models import RatingLevel, TaughtObjective
from trackwell.interop import pipeline
from trackwell.interop.ctf import read_ctf, write_ctf
from trackwell.interop.models import TransitionRecord
from trackwell.interop.transition import transition_record
from trackwell.pupils import services as pupil_services
from trackwell.pupils.models import Pupil, PupilAttributeChange
from trackwell.scores.models import KeyStageResult

pytestmark = pytest.mark.django_db

CTF = """<?xml version="1.0" encoding="UTF-8"?>
<CTfile>
  <Header>
    <DocumentName>Common Transfer File</DocumentName>
    <CTFversion>25.0</CTFversion>
    <DateTime>2026-07-20T10:00:00</DateTime>
    <DocumentQualifier>partial</DocumentQualifier>
    <SupplierID>Some MIS</SupplierID>
    <SourceSchool><LEA>820</LEA><Estab>2001</Estab><URN>100001</URN>
      <SchoolName>Hill Top Infants</SchoolName><AcademicYear>2025</AcademicYear></SourceSchool>
    <DestSchool><LEA>820</LEA><Estab>3002</Estab><URN>100002</URN></DestSchool>
  </Header>
  <CTFpupilData>
    <Pupil>
      <UPN>{upn}</UPN>
      <Surname>O'Connor-Lévesque</Surname>
      <Forename>Aoife</Forename>
      <DOB>2019-02-11</DOB>
      <Sex>F</Sex>
      <BasicDetails>
        <NCyearActual>3</NCyearActual>
        <Languages><Type><LanguageType>F</LanguageType><Language>POL</Language></Type></Languages>
      </BasicDetails>
      <FSMhistory>
        <FSMinstance><FSMstartDate>2022-09-01</FSMstartDate><FSMendDate>2023-09-01</FSMendDate></FSMinstance>
        <FSMinstance><FSMstartDate>2024-01-08</FSMstartDate></FSMinstance>
      </FSMhistory>
      <SENhistory>
        <SEN><StartDate>2023-11-01</StartDate><SENprovision>K</SENprovision></SEN>
      </SENhistory>
      <LookedAfter><InCare>false</InCare></LookedAfter>
      <StageAssessments>
        <KeyStage><Stage>KS1</Stage>
          <StageAssessment><Locale>EN</Locale><Year>2026</Year><Subject>MAT</Subject><Method>TA</Method>
            <ResultStatus>F</ResultStatus><Result>EXS</Result><ResultDate>2026-06-30</ResultDate></StageAssessment>
          <StageAssessment><Locale>EN</Locale><Year>2026</Year><Subject>REA</Subject><Method>TA</Method>
            <ResultStatus>F</ResultStatus><Result>GDS</Result><ResultDate>2026-06-30</ResultDate></StageAssessment>
        </KeyStage>
        <KeyStage><Stage>PHONICS</Stage>
          <StageAssessment><Subject>PHON</Subject><Method>TT</Method><Result>34</Result>
            <ResultDate>2025-06-13</ResultDate></StageAssessment>
        </KeyStage>
      </StageAssessments>
    </Pupil>
  </CTFpupilData>
</CTfile>
"""


def _ctf(serial: int = 41) -> bytes:
    return CTF.replace("{upn}", upn(serial)).encode()


def test_an_arriving_pupil_is_imported_with_history_and_results(world: World) -> None:
    prepared, _ = pipeline.apply_now(
        user=world.users["admin"], school=world.school, kind="ctf", data=_ctf(), options={}
    )
    assert prepared.problems == []
    aoife = Pupil.objects.get(upn=upn(41))
    assert (aoife.last_name, aoife.first_name, aoife.nc_year) == ("O'Connor-Lévesque", "Aoife", 3)
    assert aoife.fsm and aoife.eal and aoife.sen_status == "K" and not aoife.looked_after
    assert pupil_services.attribute_on(aoife, "fsm", date(2023, 3, 1)) == "yes"
    assert pupil_services.attribute_on(aoife, "fsm", date(2023, 10, 1)) == "no"
    assert pupil_services.attribute_on(aoife, "sen_status", date(2024, 1, 1)) == "K"
    results = {(r.stage, r.subject): r for r in KeyStageResult.objects.filter(pupil=aoife)}
    assert results[("ks1", "MAT")].outcome == "EXS"
    assert results[("ks1", "REA")].outcome == "GDS"
    assert results[("phonics", "PHON")].scaled_score == 34
    assert all(r.source == "ctf" for r in results.values())
    again = pipeline.prepare(school=world.school, kind="ctf", data=_ctf(), options={})
    assert again.plan is not None and again.plan.changes == []


def test_a_round_trip_through_export_and_import_keeps_the_record(
    world: World, other_world: World
) -> None:
    pipeline.apply_now(user=None, school=world.school, kind="ctf", data=_ctf(), options={})
    aoife = Pupil.objects.get(school=world.school, upn=upn(41))
    pupil_services.mark_left(None, world.school, aoife, left_on=timezone.localdate())
    exported = write_ctf(world.school, [aoife])
    read, problems = read_ctf(exported)
    assert problems == [] and read is not None
    assert read["header"]["school"] == world.school.name
    pipeline.apply_now(user=None, school=other_world.school, kind="ctf", data=exported, options={})
    there = Pupil.objects.get(school=other_world.school, upn=upn(41))
    for field in (
        "first_name",
        "last_name",
        "date_of_birth",
        "sex",
        "nc_year",
        "fsm",
        "sen_status",
    ):
        assert getattr(there, field) == getattr(aoife, field), field
    assert there.eal
    theirs = set(
        KeyStageResult.objects.filter(pupil=there).values_list(
            "stage", "subject", "outcome", "scaled_score"
        )
    )
    ours = set(
        KeyStageResult.objects.filter(pupil=aoife).values_list(
            "stage", "subject", "outcome", "scaled_score"
        )
    )
    assert theirs == ours and len(theirs) == 3
    assert pupil_services.attribute_on(there, "fsm", date(2023, 3, 1)) == "yes"
    assert pupil_services.attribute_on(there, "fsm", date(2023, 10, 1)) == "no"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<CTfile><Header/></CTfile>", "holds no pupils"),
        (b"<Other/>", "root element is <Other>"),
        (b"<CTfile><CTFpupilData><Pupil>", "not well-formed"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><CTfile>&a;</CTfile>',
            "entities or a DTD",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><CTfile/>',
            "entities or a DTD",
        ),
        (
            b'<?xml version="1.0" encoding="x-klingon"?><CTfile/>',
            "names an encoding that cannot be read",
        ),
        (b'<?xml version="1.0" encoding="hex"?><CTfile/>', "names an encoding that cannot"),
        (b'<?xml version="1.0" encoding="utf-32"?><CTfile/>', "not well-formed"),
    ],
)
def test_hostile_or_broken_ctfs_are_refused_with_a_message(
    world: World, data: bytes, message: str
) -> None:
    prepared = pipeline.prepare(school=world.school, kind="ctf", data=data, options={})
    assert prepared.plan is None and message in prepared.problems[0]


def test_bad_pupils_are_named_by_their_place_and_element(world: World) -> None:
    bad = _ctf().replace(b"<DOB>2019-02-11</DOB>", b"<DOB>2019-02-31</DOB>")
    bad = bad.replace(b"<NCyearActual>3</NCyearActual>", b"<NCyearActual>N2</NCyearActual>")
    bad = bad.replace(b"<SENprovision>K</SENprovision>", b"<SENprovision>Q</SENprovision>")
    problems = pipeline.prepare(school=world.school, kind="ctf", data=bad, options={}).problems
    assert "Row 1, column 'DOB': '2019-02-31' is not a real date." in problems
    assert any(
        p.startswith("Row 1, column 'NCyearActual': 'N2' is a nursery year") for p in problems
    )
    assert "Row 1, column 'SENprovision': 'Q' is not an SEN provision (N, K or E)." in problems


def _secure_and_gap(world: World) -> Pupil:
    pupil = world.pupils_a[0]
    levels = {lv.value: lv for lv in RatingLevel.objects.filter(scale=world.scale)}
    secure = next(lv for lv in levels.values() if lv.counts_as_secure and not lv.is_greater_depth)
    low = next(lv for lv in levels.values() if not lv.counts_as_secure and lv.value > 0)
    now = timezone.now()
    Judgement.objects.create(
        school=world.school,
        pupil=pupil,
        objective=world.objectives[0],
        level=secure,
        updated_at=now,
    )
    Judgement.objects.create(
        school=world.school, pupil=pupil, objective=world.objectives[1], level=low, updated_at=now
    )
    TaughtObjective.objects.create(
        school=world.school, school_class=world.class_a, objective=world.objectives[2]
    )
    return pupil


def test_the_transition_record_lists_secured_objectives_and_gaps(world: World) -> None:
    pupil = _secure_and_gap(world)
    record = transition_record(pupil)
    assert record["format"] == "trackwell-transition-record" and record["version"] == 1
    (subject,) = record["subjects"]
    assert [o["code"] for o in subject["secured"]] == [world.objectives[0].code]
    gaps = {o["code"]: o for o in subject["gaps"]}
    assert set(gaps) == {world.objectives[1].code, world.objectives[2].code}
    assert (
        gaps[world.objectives[2].code]["rating"] is None
        and gaps[world.objectives[2].code]["taught"]
    )
    assert record["provision"] == [] and record["provision_status"]


def test_leavers_export_and_the_receiving_school_imports_the_record(
    world: World, other_world: World, client_for
) -> None:
    pupil = _secure_and_gap(world)
    pupil_services.mark_left(
        None, world.school, pupil, left_on=timezone.localdate() - timedelta(days=1)
    )
    sender = client_for(world.users["admin"])
    page = sender.get(reverse("imports:leavers"))
    assert pupil.full_name in page.content.decode()
    ctf = sender.get(reverse("imports:leavers-ctf"), {"pupil": pupil.pk})
    assert ctf.status_code == 200 and ctf["Content-Type"].startswith("application/xml")
    records = sender.get(reverse("imports:leavers-transition"), {"pupil": pupil.pk})
    assert records.status_code == 200
    assert AuditEntry.objects.filter(action__in=["ctf.export", "transition.export"]).count() == 2
    # The receiving school imports the CTF, then the transition record.
    receiver = client_for(other_world.users["admin"])
    for kind, data, name in (
        ("ctf", ctf.content, "in.xml"),
        ("transition", records.content, "t.json"),
    ):
        upload = receiver.post(
            reverse("imports:upload", args=[kind]), {"file": SimpleUploadedFile(name, data)}
        )
        assert upload.status_code == 302, upload.context and upload.context["errors"]
        preview = receiver.get(upload["Location"])
        assert preview.context["errors"] == []
        done = receiver.post(upload["Location"], {"digest": preview.context["digest"]})
        assert done.status_code == 302
    arrived = Pupil.objects.get(school=other_world.school, upn=pupil.upn)
    kept = TransitionRecord.objects.get(pupil=arrived)
    assert kept.source_school == world.school.name
    assert kept.record["subjects"][0]["secured"][0]["code"] == world.objectives[0].code
    shown = receiver.get(reverse("imports:transition-received", args=[arrived.pk]))
    assert world.objectives[0].statement in shown.content.decode()
    # Importing the same record again keeps nothing twice.
    again = pipeline.prepare(
        school=other_world.school, kind="transition", data=records.content, options={}
    )
    assert again.plan is not None and again.plan.changes == []


def test_a_transition_record_for_an_unknown_pupil_is_refused(
    world: World, other_world: World
) -> None:
    pupil = _secure_and_gap(world)
    data = json.dumps(transition_record(pupil)).encode()
    problems = pipeline.prepare(
        school=other_world.school, kind="transition", data=data, options={}
    ).problems
    assert problems and "import them first" in problems[0]
    for bad in (
        b"{",
        b"[]",
        b'{"format": "something else"}',
        json.dumps({**json.loads(data), "version": 9}).encode(),
    ):
        assert pipeline.prepare(
            school=other_world.school, kind="transition", data=bad, options={}
        ).problems


def test_export_and_import_commands(world: World, other_world: World, tmp_path: Path) -> None:
    pupil = _secure_and_gap(world)
    pupil_services.mark_left(None, world.school, pupil, left_on=timezone.localdate())
    ctf, records = tmp_path / "out.xml", tmp_path / "out.json"
    out = StringIO()
    call_command(
        "export_ctf",
        "--school",
        str(world.school.pk),
        "--upn",
        pupil.upn,
        "--output",
        str(ctf),
        "--transition",
        str(records),
        stdout=out,
    )
    assert "Wrote a CTF of 1 pupil(s)" in out.getvalue()
    with pytest.raises(CommandError, match="No leaver with UPN"):
        call_command(
            "export_ctf", "--school", str(world.school.pk), "--upn", upn(99), "--output", str(ctf)
        )
    out = StringIO()
    call_command(
        "import_ctf",
        str(ctf),
        "--school",
        str(other_world.school.pk),
        "--dry-run",
        stdout=out,
        stderr=StringIO(),
    )
    assert "nothing written" in out.getvalue()
    call_command(
        "import_ctf",
        str(ctf),
        "--school",
        str(other_world.school.pk),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    call_command(
        "import_ctf",
        str(records),
        "--transition",
        "--school",
        str(other_world.school.pk),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    assert TransitionRecord.objects.filter(pupil__school=other_world.school).count() == 1
    assert PupilAttributeChange.objects.filter(pupil__school=other_world.school).exists()


def test_transition_records_the_database_could_not_keep_are_refused(world: World) -> None:
    record = transition_record(_secure_and_gap(world))
    for bad in (
        json.dumps(record).replace('"version": 1', '"version": NaN').encode(),
        json.dumps({**record, "note": "a\u0000b"}).encode(),
    ):
        problems = pipeline.prepare(
            school=world.school, kind="transition", data=bad, options={}
        ).problems
        assert problems, bad[:60]


def test_key_stage_results_and_received_records_show_on_the_pupil_page(
    world: World, client_for
) -> None:
    pipeline.apply_now(user=None, school=world.school, kind="ctf", data=_ctf(), options={})
    aoife = Pupil.objects.get(school=world.school, upn=upn(41))
    pupil_services.enrol_pupil(None, world.school, aoife, world.class_a)
    TransitionRecord.objects.create(
        school=world.school,
        pupil=aoife,
        source_school="Hill Top Infants",
        exported_at=timezone.now(),
        sha256="x" * 64,
        record={"subjects": []},
    )
    url = reverse("report-pupil", args=[aoife.pk])
    admin_page = client_for(world.users["admin"]).get(url).content.decode()
    assert "Statutory results" in admin_page and "EXS" in admin_page and "GDS" in admin_page
    assert "Transition record received from Hill Top Infants" in admin_page
    teacher_page = client_for(world.users["teacher"]).get(url).content.decode()
    assert "Statutory results" in teacher_page and "EXS" in teacher_page
    assert "Transition record" not in teacher_page  # its page is for people managers


def test_the_same_transition_record_twice_in_a_file_is_refused_in_the_preview(
    world: World, other_world: World
) -> None:
    pupil = _secure_and_gap(world)
    record = transition_record(pupil)
    pipeline.apply_now(
        user=None,
        school=other_world.school,
        kind="ctf",
        data=write_ctf(world.school, [pupil]),
        options={},
    )
    twice = json.dumps([record, record]).encode()
    prepared = pipeline.prepare(
        school=other_world.school, kind="transition", data=twice, options={}
    )
    assert prepared.plan is not None
    assert [str(p) for p in prepared.plan.errors] == [
        f"Row 2, column 'pupil': the transition record of {pupil.first_name} {pupil.last_name} "
        "is also record 1 of this file; each record once."
    ]
    _, result = pipeline.apply_now(
        user=None, school=other_world.school, kind="transition", data=twice, options={}
    )
    assert result is None and not TransitionRecord.objects.filter(school=other_world.school)


KS2 = b"""<KeyStage><Stage>KS2</Stage>
  <StageAssessment><Subject>MAT</Subject><Method>TA</Method><Result>EXS</Result>
    <ResultDate>2026-06-30</ResultDate></StageAssessment>
  <StageAssessment><Subject>MAT</Subject><Method>TT</Method><ResultQualifier>AS</ResultQualifier>
    <Result>106</Result><ResultDate>2026-05-14</ResultDate></StageAssessment>
  <StageAssessment><Subject>MAT</Subject><Component>MTC</Component><Method>TT</Method>
    <Result>23</Result><ResultDate>2026-06-10</ResultDate></StageAssessment>
</KeyStage>"""


def _with_ks2() -> bytes:
    return _ctf().replace(
        b"<KeyStage><Stage>PHONICS</Stage>", KS2 + b"<KeyStage><Stage>PHONICS</Stage>"
    )


def test_components_and_methods_of_key_stage_results_are_each_their_own_record(
    world: World, other_world: World, client_for
) -> None:
    prepared, _ = pipeline.apply_now(
        user=None, school=world.school, kind="ctf", data=_with_ks2(), options={}
    )
    assert prepared.problems == [] and prepared.plan is not None
    assert prepared.plan.warnings == []  # no "two results, the later one kept"
    aoife = Pupil.objects.get(school=world.school, upn=upn(41))
    ks2 = {
        (r.subject, r.component, r.method): (r.outcome, r.scaled_score)
        for r in KeyStageResult.objects.filter(pupil=aoife, stage="ks2")
    }
    assert ks2 == {
        ("MAT", "", "TA"): ("EXS", None),
        ("MAT", "", "TT"): ("AS", 106),
        ("MAT", "MTC", "TT"): ("", 23),
    }
    # Shown on the pupil's page, the check apart from maths.
    pupil_services.enrol_pupil(None, world.school, aoife, world.class_a)
    page = client_for(world.users["admin"]).get(reverse("report-pupil", args=[aoife.pk]))
    html = page.content.decode()
    assert "MAT (MTC)" in html and "Teacher assessment" in html and ">106<" in html
    # Importing it again changes nothing; a round trip keeps every record.
    again = pipeline.prepare(school=world.school, kind="ctf", data=_with_ks2(), options={})
    assert again.plan is not None and again.plan.changes == []
    pupil_services.mark_left(None, world.school, aoife, left_on=timezone.localdate())
    exported = write_ctf(world.school, [aoife])
    assert b"<Component>MTC</Component>" in exported
    pipeline.apply_now(user=None, school=other_world.school, kind="ctf", data=exported, options={})
    there = Pupil.objects.get(school=other_world.school, upn=upn(41))
    fields = ("stage", "subject", "component", "method", "outcome", "scaled_score", "taken_on")
    assert set(KeyStageResult.objects.filter(pupil=there).values_list(*fields)) == set(
        KeyStageResult.objects.filter(pupil=aoife).values_list(*fields)
    )
    assert KeyStageResult.objects.filter(pupil=there).count() == 6
