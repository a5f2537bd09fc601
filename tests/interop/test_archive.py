"""The school's data archive: every table of the school, none of another's, no secrets."""

import csv
import io
import json
import zipfile

import pytest
from django.urls import reverse

from tests.analysis.helpers import judge, objectives, with_bands
from tests.factories import World, make_parent
from trackwell.interop.archive import archive_bytes
from trackwell.parents import services
from trackwell.pupils.models import Pupil

pytestmark = pytest.mark.django_db


def _read(data: bytes) -> tuple[dict, dict[str, list[dict[str, str]]]]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    tables = {}
    for entry in manifest["tables"]:
        text = archive.read(entry["file"]).decode("utf-8-sig")
        tables[entry["table"]] = list(csv.DictReader(io.StringIO(text)))
    return manifest, tables


def test_the_archive_holds_every_table_of_the_school_and_nothing_else(
    world: World, other_world: World
) -> None:
    with_bands(world)
    judge(world, world.pupils_a[0], objectives(world.framework)[0], "2")
    make_parent(world.school, [world.pupils_a[0]])
    link = services.add_contact(
        user=world.users["admin"], pupil=world.pupils_a[1], first_name="=cmd", last_name="X"
    )
    services.print_code(user=world.users["admin"], link=link)
    manifest, tables = _read(archive_bytes(world.school))
    assert manifest["format"] == "trackwell-school-archive" and manifest["version"] == 1
    for entry in manifest["tables"]:
        assert entry["rows"] == len(tables[entry["table"]])
    pupils = {row["upn"] for row in tables["pupils.pupil"]}
    assert pupils == set(Pupil.objects.filter(school=world.school).values_list("upn", flat=True))
    assert not pupils & set(
        Pupil.objects.filter(school=other_world.school).values_list("upn", flat=True)
    )
    for table in ("assessment.judgement", "assessment.judgementhistory", "analysis.band"):
        assert tables[table], table
    assert {row["school_id"] for row in tables["curriculum.objective"]} == {str(world.school.pk)}
    assert len(tables["pupils.pupil_groups"]) == 0
    assert "password" not in tables["accounts.user"][0]
    assert "secret_hash" not in tables["parents.invitation"][0]
    assert tables["parents.contact"][-1]["first_name"] == "'=cmd"  # formula neutralised
    assert tables["core.school"] == [
        {**tables["core.school"][0], "id": str(world.school.pk), "name": world.school.name}
    ]


def test_only_a_school_admin_downloads_the_archive(world: World, client_for) -> None:
    response = client_for(world.users["admin"]).get(reverse("school-archive"))
    assert response.status_code == 200
    assert response.streaming  # from a temporary file on disk, in blocks: memory stays bounded
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    assert zipfile.ZipFile(io.BytesIO(data)).read("manifest.json")
    assert client_for(world.users["leader"]).get(reverse("school-archive")).status_code == 403
    assert client_for(world.users["governor"]).get(reverse("school-archive")).status_code == 404
