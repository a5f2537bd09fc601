"""The MIS pupil import: header names, value spellings, plan, mapping step and commit."""

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import World
from tests.interop.conftest import SIMS_HEADER, csv_bytes, sims_row, upn
from trackwell.accounts.models import AuditEntry
from trackwell.interop import pipeline
from trackwell.interop.models import ColumnMapping, PendingImport
from trackwell.pupils.models import Enrolment, Pupil, PupilAttributeChange, SchoolClass

pytestmark = pytest.mark.django_db


def _three() -> bytes:
    return csv_bytes(
        [
            sims_row(1, "O'Brien", "Siobhán"),
            sims_row(2, "Smith-Jones", "Zoë", **{"FSM Eligible": "Y", "SEN Status": "K"}),
            sims_row(
                3,
                "Nguyễn",
                "Minh",
                **{
                    "First Language": "Vietnamese",
                    "In Care": "T",
                    "Year": "Y3",
                    "DOB": "2018-07-09",
                },
            ),
        ]
    )


def _prepare(world: World, data: bytes, **options: object) -> pipeline.Prepared:
    return pipeline.prepare(school=world.school, kind="pupils", data=data, options=dict(options))


def test_sims_headers_and_spellings_are_read_into_new_pupils_and_a_new_class(world: World) -> None:
    prepared = _prepare(world, _three())
    assert prepared.problems == []
    plan = prepared.plan
    assert plan is not None
    assert plan.summary == {"create": 4}  # the class, then three pupils
    assert [c.kind for c in plan.changes].count("class") == 1
    pipeline.apply_now(
        user=world.users["admin"], school=world.school, kind="pupils", data=_three(), options={}
    )
    willow = SchoolClass.objects.get(school=world.school, year=world.year, name="3 Willow")
    assert willow.nc_year == 3
    siobhan = Pupil.objects.get(upn=upn(1))
    assert (siobhan.first_name, siobhan.last_name) == ("Siobhán", "O'Brien")
    zoe = Pupil.objects.get(upn=upn(2))
    assert zoe.fsm and zoe.sen_status == "K" and not zoe.eal
    minh = Pupil.objects.get(upn=upn(3))
    assert minh.eal and minh.looked_after and minh.date_of_birth == date(2018, 7, 9)
    assert minh.last_name == "Nguyễn" and minh.nc_year == 3
    assert set(
        Enrolment.objects.filter(school_class=willow).values_list("pupil__upn", flat=True)
    ) == {
        upn(1),
        upn(2),
        upn(3),
    }
    assert PupilAttributeChange.objects.filter(pupil=zoe, field="fsm", new_value="yes").exists()


def test_reimporting_the_same_file_changes_nothing(world: World) -> None:
    args: dict[str, Any] = {
        "user": world.users["admin"],
        "school": world.school,
        "kind": "pupils",
        "options": {},
    }
    pipeline.apply_now(data=_three(), **args)
    audit = AuditEntry.objects.count()
    prepared, _ = pipeline.apply_now(data=_three(), **args)
    assert prepared.plan is not None and prepared.plan.changes == []
    assert AuditEntry.objects.count() == audit


def test_a_changed_file_updates_in_place_field_by_field(world: World) -> None:
    args: dict[str, Any] = {
        "user": world.users["admin"],
        "school": world.school,
        "kind": "pupils",
        "options": {},
    }
    pipeline.apply_now(data=_three(), **args)
    SchoolClass.objects.create(school=world.school, year=world.year, name="3 Elm", nc_year=3)
    changed = csv_bytes(
        [
            sims_row(1, "O'Brien", "Siobhán", **{"SEN Status": "E", "Reg Group": "3 elm"}),
            sims_row(2, "Smith-Jones", "Zoë", **{"FSM Eligible": "Y", "SEN Status": "K"}),
            sims_row(
                3,
                "Nguyễn",
                "Minh",
                **{"First Language": "Vietnamese", "In Care": "T", "DOB": "09/07/2018"},
            ),
        ]
    )
    plan = _prepare(world, changed).plan
    assert plan is not None
    (change,) = plan.changes
    assert change.action == "change" and change.key == upn(1)
    assert [(f.field, f.old, f.new) for f in change.fields] == [
        ("sen_status", "No special educational needs", "EHC plan"),
        ("class_name", "3 Willow", "3 Elm"),
    ]
    pipeline.apply_now(data=changed, **args)
    siobhan = Pupil.objects.get(upn=upn(1))
    assert siobhan.sen_status == "E"
    assert list(siobhan.classes.values_list("name", flat=True)) == ["3 Elm"]


def test_a_full_import_offers_missing_pupils_as_leavers_and_never_deletes(world: World) -> None:
    on_roll = Pupil.objects.filter(school=world.school).count()
    plan = _prepare(world, _three(), full=True, left_on="2026-11-30").plan
    assert plan is not None
    leavers = [c for c in plan.changes if c.action == "leave"]
    assert len(leavers) == on_roll
    assert leavers[0].fields[0].new == "30 November 2026"
    pipeline.apply_now(
        user=world.users["admin"],
        school=world.school,
        kind="pupils",
        data=_three(),
        options={"full": True, "left_on": "2026-11-30"},
    )
    assert Pupil.objects.filter(school=world.school).count() == on_roll + 3
    gone = Pupil.objects.get(pk=world.pupils_a[0].pk)
    assert gone.left_on == date(2026, 11, 30)
    assert not Enrolment.objects.filter(pupil=gone).exists()


def test_not_a_full_import_leaves_other_pupils_alone(world: World) -> None:
    plan = _prepare(world, _three()).plan
    assert plan is not None and plan.count("leave") == 0


def test_every_bad_cell_is_named_by_row_and_column(world: World) -> None:
    data = csv_bytes(
        [
            sims_row(1, "Ok", "Row"),
            sims_row(2, "", "Amy", DOB="31/02/2018", Gender="X"),
            sims_row(3, "Bad", "Year", Year="Year 14", **{"SEN Status": "maybe"}),
            [upn(4)[:-1] + "9", "Check", "Letter", "01/01/2018", "M", "3", "", "", "", "", "", ""],
            sims_row(1, "Twice", "Upn", **{"FSM Eligible": "perhaps"}),
        ]
    )
    problems = _prepare(world, data).problems
    assert "Row 3, column 'Legal Surname': the last name is missing." in problems
    assert "Row 3, column 'DOB': '31/02/2018' is not a real date." in problems
    assert any(p.startswith("Row 3, column 'Gender': 'X'") for p in problems)
    assert any(p.startswith("Row 4, column 'Year': 'Year 14'") for p in problems)
    assert any(p.startswith("Row 4, column 'SEN Status': 'maybe'") for p in problems)
    assert any(
        p.startswith("Row 5, column 'UPN'") and "check letter should be" in p for p in problems
    )
    assert f"Row 6, column 'UPN': UPN {upn(1)} is also on row 2; each pupil once." in problems
    assert any(p.startswith("Row 6, column 'FSM Eligible'") for p in problems)


def test_a_file_with_errors_writes_nothing(world: World) -> None:
    before = Pupil.objects.count()
    data = csv_bytes([sims_row(1, "Fine", "Pupil"), sims_row(2, "Bad", "Date", DOB="soon")])
    prepared, result = pipeline.apply_now(
        user=None, school=world.school, kind="pupils", data=data, options={}
    )
    assert result is None and prepared.problems
    assert Pupil.objects.count() == before


def test_a_write_refused_part_way_rolls_everything_back(world: World, monkeypatch) -> None:
    from trackwell.pupils import services

    real = services.create_pupil
    calls = {"n": 0}

    def fail_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ValidationError({"upn": "Refused for the test."})
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "create_pupil", fail_second)
    before = Pupil.objects.count()
    with pytest.raises(ValidationError, match="Nothing was saved"):
        pipeline.apply_now(user=None, school=world.school, kind="pupils", data=_three(), options={})
    assert Pupil.objects.count() == before
    assert not SchoolClass.objects.filter(name="3 Willow").exists()


@pytest.mark.parametrize(
    ("header", "value", "expected"),
    [
        ("Surname", "Ó Súilleabháin", "Ó Súilleabháin"),
        ("Last Name", "D\u2019Souza", "D'Souza"),
        ("Family Name", "  Van   der Berg ", "Van der Berg"),
    ],
)
def test_other_systems_header_names_and_tidy_names(
    world: World, header: str, value: str, expected: str
) -> None:
    names = ["UPN", header, "First Name", "Date of Birth", "Sex", "NC Year", "Class"]
    data = csv_bytes(
        [[upn(7), value, "Ann", "2019-09-01", "Female", "R", "Robins"]],
        names,
        bom=False,
        crlf=False,
    )
    prepared = _prepare(world, data)
    assert prepared.problems == []
    assert prepared.plan is not None
    pupil = next(c for c in prepared.plan.changes if c.kind == "pupil")
    assert pupil.data["values"]["last_name"] == expected
    assert pupil.data["values"]["nc_year"] == 0


def test_windows_1252_and_semicolons_are_read(world: World) -> None:
    text = "UPN;Surname;Forename;DOB;Gender;Year\r\n" + f"{upn(8)};Müller;José;01/02/2018;M;3\r\n"
    prepared = _prepare(world, text.encode("cp1252"))
    assert prepared.problems == []
    assert prepared.plan is not None
    assert prepared.plan.changes[0].data["values"]["last_name"] == "Müller"


# ---------------------------------------------------------------------------
# The web pages: upload, mapping step, preview, confirm


def _upload(client, data: bytes, **extra: str):
    return client.post(
        reverse("imports:upload", args=["pupils"]),
        {"file": SimpleUploadedFile("pupils.csv", data), **extra},
    )


def test_upload_maps_columns_by_hand_remembers_them_and_imports(world: World, client_for) -> None:
    client = client_for(world.users["admin"])
    header = ["Pupil Ref", "Family", "Known As", "Born", "Boy/Girl", "Yr", "Form"]
    data = csv_bytes([[upn(11), "Ahmed", "Sara", "02/05/2018", "G", "3", "3 Willow"]], header)
    response = _upload(client, data, full="")
    assert response.status_code == 302
    columns_url = response["Location"]
    page = client.get(columns_url)
    assert page.status_code == 200
    assert "Pupil Ref" in page.content.decode()
    # Unrecognised names: nothing is guessed, and submitting as is names what is missing.
    refused = client.post(columns_url, {"remember": "on"})
    assert refused.status_code == 400
    assert any("Choose the column that holds UPN" in e for e in refused.context["errors"])
    mapping = {
        "column-0": "upn",
        "column-1": "last_name",
        "column-2": "first_name",
        "column-3": "date_of_birth",
        "column-4": "sex",
        "column-5": "nc_year",
        "column-6": "class_name",
        "remember": "on",
    }
    mapped = client.post(columns_url, mapping)
    assert mapped.status_code == 302
    preview = client.get(mapped["Location"])
    assert preview.status_code == 200
    assert preview.context["plan"].summary == {"create": 2}
    assert not Pupil.objects.filter(upn=upn(11)).exists()  # not yet
    done = client.post(mapped["Location"], {"digest": preview.context["digest"]})
    assert done.status_code == 302
    sara = Pupil.objects.get(upn=upn(11))
    assert sara.sex == "F" and sara.classes.get().name == "3 Willow"
    assert not PendingImport.objects.exists()
    remembered = ColumnMapping.objects.get(school=world.school, kind="pupils").columns
    assert remembered["pupil ref"] == "upn" and remembered["boy girl"] == "sex"
    # Next time the same headers are suggested from the remembered mapping.
    again = client.get(_upload(client, data, full="")["Location"])
    choices = {h["name"]: h["choice"] for h in again.context["headers"]}
    assert choices["Pupil Ref"] == "upn" and choices["Form"] == "class_name"


def test_a_preview_that_went_stale_is_refused(world: World, client_for) -> None:
    client = client_for(world.users["admin"])
    location = client.post(
        _upload(client, _three(), full="")["Location"],
        {f"column-{i}": name for i, name in enumerate(_sims_fields())} | {"remember": "on"},
    )["Location"]
    digest = client.get(location).context["digest"]
    # Meanwhile someone adds one of the file's pupils by hand.
    pipeline.apply_now(
        user=None,
        school=world.school,
        kind="pupils",
        data=csv_bytes([sims_row(1, "O'Brien", "Siobhán")]),
        options={},
    )
    response = client.post(location, {"digest": digest})
    assert response.status_code == 409
    assert "changed since this preview" in response.content.decode()
    assert Pupil.objects.filter(upn__in=[upn(2), upn(3)]).count() == 0


def _sims_fields() -> list[str]:
    return [
        "upn",
        "last_name",
        "first_name",
        "date_of_birth",
        "sex",
        "nc_year",
        "class_name",
        "fsm",
        "disadvantaged",
        "sen_status",
        "first_language",
        "looked_after",
    ]


def test_the_mapping_step_suggests_known_headers(world: World, client_for) -> None:
    client = client_for(world.users["admin"])
    page = client.get(_upload(client, _three())["Location"])
    choices = [h["choice"] for h in page.context["headers"]]
    assert choices == _sims_fields()
    assert len(SIMS_HEADER) == len(choices)


def test_an_unreadable_upload_is_refused_with_the_reason(world: World, client_for) -> None:
    client = client_for(world.users["admin"])
    response = _upload(client, b"\x00\x01\x02\xff\xfe\x00" * 50)
    assert response.status_code == 400
    assert response.context["errors"]
    assert not PendingImport.objects.exists()


def test_uploads_never_confirmed_are_discarded_after_a_week(world: World) -> None:
    from datetime import timedelta

    from django.utils import timezone

    def upload(data: bytes) -> PendingImport:
        staged = pipeline.receive(
            user=None, school=world.school, kind="pupils", filename="p.csv", data=data, options={}
        )
        assert staged.pending is not None
        return staged.pending

    old = upload(_three())
    PendingImport.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    recent = upload(csv_bytes([sims_row(9, "New", "Upload")]))
    assert list(PendingImport.objects.values_list("pk", flat=True)) == [recent.pk]


def test_the_preview_reads_the_same_number_of_queries_for_3_or_60_pupils(
    world: World, client_for
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.users["admin"])

    def preview_queries(count: int, first: int) -> int:
        rows = [sims_row(first + i, f"Surname{i}", "Pupil") for i in range(count)]
        columns = _upload(client, csv_bytes(rows), full="on")["Location"]
        mapping = {f"column-{i}": name for i, name in enumerate(_sims_fields())}
        location = client.post(columns, mapping)["Location"]
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(location).status_code == 200
        return len(ctx.captured_queries)

    assert preview_queries(3, 100) == preview_queries(60, 200)


def test_blank_contextual_cells_leave_an_existing_pupil_as_they_are(world: World) -> None:
    pipeline.apply_now(user=None, school=world.school, kind="pupils", data=_three(), options={})
    blanks = {
        "First Language": "",
        "FSM Eligible": "",
        "Pupil Premium Indicator": "",
        "SEN Status": "",
        "In Care": "",
    }
    again = csv_bytes(
        [
            sims_row(1, "O'Brien", "Siobhán", **blanks),
            sims_row(2, "Smith-Jones", "Zoë", **blanks),
            sims_row(
                3,
                "Nguyễn",
                "Minh",
                **{**blanks, "First Language": "Not known", "Year": "Y3", "DOB": "2018-07-09"},
            ),
        ]
    )
    prepared = _prepare(world, again)
    assert prepared.problems == [] and prepared.plan is not None
    assert prepared.plan.changes == []
    assert any("a blank cell means 'not given'" in w for w in prepared.plan.warnings)
    pipeline.apply_now(user=None, school=world.school, kind="pupils", data=again, options={})
    zoe, minh = Pupil.objects.get(upn=upn(2)), Pupil.objects.get(upn=upn(3))
    assert zoe.fsm and zoe.sen_status == "K"
    assert minh.eal and minh.looked_after
    # Only a value changes them.
    explicit = csv_bytes(
        [
            sims_row(
                3,
                "Nguyễn",
                "Minh",
                **{"First Language": "English", "In Care": "N", "Year": "Y3", "DOB": "2018-07-09"},
            )
        ]
    )
    plan = _prepare(world, explicit).plan
    assert plan is not None
    (change,) = plan.changes
    assert {f.field for f in change.fields} == {"eal", "looked_after"}


def test_a_new_pupil_with_blank_contextual_cells_starts_with_the_defaults(world: World) -> None:
    row = sims_row(7, "New", "Pupil", **{"FSM Eligible": "", "SEN Status": "", "In Care": ""})
    pipeline.apply_now(
        user=None, school=world.school, kind="pupils", data=csv_bytes([row]), options={}
    )
    pupil = Pupil.objects.get(upn=upn(7))
    assert (pupil.fsm, pupil.sen_status, pupil.looked_after) == (False, "N", False)


def test_a_change_dated_after_today_is_named_in_the_preview_not_refused_at_commit(
    world: World,
) -> None:
    from datetime import timedelta

    from trackwell.pupils import services as pupil_services

    pipeline.apply_now(user=None, school=world.school, kind="pupils", data=_three(), options={})
    zoe = Pupil.objects.get(upn=upn(2))
    soon = pupil_services.today() + timedelta(days=7)
    pupil_services.update_pupil(None, world.school, zoe, {"sen_status": "E"}, effective_from=soon)
    changed = csv_bytes([sims_row(2, "Smith-Jones", "Zoë", **{"SEN Status": "N"})])
    prepared = _prepare(world, changed)
    assert prepared.plan is not None
    assert [str(p) for p in prepared.plan.errors] == [
        f"Row 2, column 'SEN status': Zoë Smith-Jones's SEN status already changes on "
        f"{soon.day} {soon:%B %Y} (recorded on their page); an import dated today cannot come "
        "before it. Change it on the pupil's page, or leave the cell as Trackwell has it."
    ]
    # Fields with no later change still import.
    other = csv_bytes([sims_row(2, "Smith-Jones", "Zoë", **{"SEN Status": "E", "In Care": "Y"})])
    _, result = pipeline.apply_now(
        user=None, school=world.school, kind="pupils", data=other, options={}
    )
    assert result is not None and Pupil.objects.get(upn=upn(2)).looked_after


# A header row naming "Surname" twice (an export with the legal and the preferred surname
# both headed "Surname") and two columns with no heading at all.
REPEATED = ["UPN", "Surname", "Forename", "Surname", "DOB", "Gender", "Year", "", ""]


def _repeated_file() -> bytes:
    return csv_bytes(
        [
            [upn(1), "Legal-Name", "Ann", "Known-As", "14/03/2018", "F", "3", "x", "y"],
            [upn(2), "Other", "Ben", "Benson", "01/02/2018", "M", "3", "", ""],
        ],
        REPEATED,
    )


def test_repeated_headers_are_named_by_position_and_a_required_one_is_not_guessed(
    world: World,
) -> None:
    from trackwell.interop.mapping import column_keys

    assert column_keys(REPEATED) == [
        "UPN",
        "Surname (column 2)",
        "Forename",
        "Surname (column 4)",
        "DOB",
        "Gender",
        "Year",
        "(no heading) (column 8)",
        "(no heading) (column 9)",
    ]
    # Guessed (as the command line does): which Surname is meant is the admin's choice.
    assert _prepare(world, _repeated_file()).problems == [
        "Several columns could hold Surname: 'Surname (column 2)', 'Surname (column 4)'. "
        "Choose the one that holds it."
    ]
    # A mapping by the repeated name alone is as ambiguous.
    by_name = {
        "UPN": "upn",
        "Surname": "last_name",
        "Forename": "first_name",
        "DOB": "date_of_birth",
        "Gender": "sex",
        "Year": "nc_year",
    }
    problems = pipeline.prepare(
        school=world.school, kind="pupils", data=_repeated_file(), options={}, mapping=by_name
    ).problems
    assert problems[0].startswith("Several columns could hold Surname")
    # By position it imports, from the chosen column.
    by_position = {**by_name, "Surname (column 4)": "last_name"}
    del by_position["Surname"]
    prepared, result = pipeline.apply_now(
        user=None,
        school=world.school,
        kind="pupils",
        data=_repeated_file(),
        options={},
        mapping=by_position,
    )
    assert prepared.problems == [] and result is not None
    assert Pupil.objects.get(upn=upn(1)).last_name == "Known-As"


def test_the_mapping_step_chooses_repeated_columns_by_position_and_remembers_them(
    world: World, client_for
) -> None:
    client = client_for(world.users["admin"])
    columns_url = _upload(client, _repeated_file())["Location"]
    page = client.get(columns_url)
    html = page.content.decode()
    assert "Surname (column 2)" in html and "Surname (column 4)" in html
    assert "(no heading) (column 8)" in html
    choices = [h["choice"] for h in page.context["headers"]]
    assert choices[1] == choices[3] == ""  # neither Surname is guessed
    fields = ["upn", "", "first_name", "last_name", "date_of_birth", "sex", "nc_year", "", ""]
    post = {f"column-{i}": name for i, name in enumerate(fields)} | {"remember": "on"}
    response = client.post(columns_url, post)
    assert response.status_code == 302, response.context and response.context["errors"]
    preview = client.get(response["Location"])
    assert preview.context["errors"] == []
    # The next file with the same header row: the remembered positions are suggested.
    again = client.get(_upload(client, _repeated_file() + b"\r\n")["Location"])
    assert [h["choice"] for h in again.context["headers"]] == fields
    # A saved mapping of single headers still works as before.
    assert ColumnMapping.objects.get(school=world.school, kind="pupils").columns["upn"] == "upn"


def test_a_bad_cell_under_a_repeated_header_is_named_by_its_position(world: World) -> None:
    data = csv_bytes([[upn(1), "A", "Ann", "", "14/03/2018", "F", "3", "", ""]], REPEATED)
    mapping = {
        "UPN": "upn",
        "Surname (column 4)": "last_name",
        "Forename": "first_name",
        "DOB": "date_of_birth",
        "Gender": "sex",
        "Year": "nc_year",
    }
    problems = pipeline.prepare(
        school=world.school, kind="pupils", data=data, options={}, mapping=mapping
    ).problems
    assert problems == ["Row 2, column 'Surname (column 4)': the last name is missing."]
