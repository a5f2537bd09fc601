"""In a real browser: an admin imports an MIS file through the mapping step and sees the class."""

from pathlib import Path

import pytest
from django.urls import reverse

from tests import test_browser
from tests.factories import make_world
from tests.interop.conftest import upn
from trackwell.pupils.models import Pupil, SchoolClass

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
# The browser fixture and markers of the grid's browser test, shared.
browser_page = test_browser.browser_page
pytestmark = test_browser.pytestmark

MIS_FILE = (
    "\ufeffPupil Ref,Legal Surname,Legal Forename,DOB,Gender,Year,Form,FSM Eligible\r\n"
    f"{upn(61)},O'Brien,Siobhán,14/03/2018,F,Year 3,3 Willow,N\r\n"
    f"{upn(62)},Smith-Jones,Zoë,02/11/2017,F,3,3 Willow,Y\r\n"
    f'{upn(63)},"Nguyễn, Jr",Minh,2018-07-09,M,Y3,3 Willow,N\r\n'
).encode()


@pytest.mark.django_db(transaction=True)
def test_admin_imports_a_csv_through_the_mapping_step_and_sees_the_class(
    browser_page, live_server, tmp_path
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    world = make_world(pupils_per_class=2, objectives=3)
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    test_browser._login(page, live_server, world, role="admin")
    page.click("header nav summary:has-text('School')")  # the menu group opens
    page.click("header nav >> text=Imports")
    page.click("text=Pupils from your MIS (CSV) >> .. >> text=Upload a file")
    path = tmp_path / "sims-export.csv"
    path.write_bytes(MIS_FILE)
    page.set_input_files("#id_file", str(path))
    page.uncheck("#id_full")
    page.click("button:has-text('Upload and check')")
    page.wait_for_selector("h1:has-text('Match the columns')")
    # "Pupil Ref" is not a header Trackwell knows: the admin says it holds the UPN.
    assert page.input_value("#column-0") == ""
    assert page.input_value("#column-1") == "last_name"
    page.select_option("#column-0", "upn")
    page.screenshot(path=f"{SCREENSHOTS}/import-mapping.png", full_page=True)
    page.click("button:has-text('Check the file')")
    page.wait_for_selector("h1:has-text('Preview of sims-export.csv')")
    body = page.inner_text("main")
    assert "3 pupils to create" in body and "1 class to create" in body
    assert "Siobhán O'Brien" in body
    page.screenshot(path=f"{SCREENSHOTS}/import-preview.png", full_page=True)
    assert not Pupil.objects.filter(upn=upn(61)).exists()
    page.click("button:has-text('Import all of this')")
    page.wait_for_selector(".messages:has-text('Imported')")
    willow = SchoolClass.objects.get(school=world.school, name="3 Willow")
    page.goto(live_server.url + reverse("report-class", args=[willow.pk]))
    text = page.inner_text("main")
    for name in ("Siobhán", "Zoë", "Minh"):
        assert name in text
    page.screenshot(path=f"{SCREENSHOTS}/import-class.png", full_page=True)


REPEATED_FILE = (
    "UPN,Surname,Forename,Surname,DOB,Gender,Year,,\r\n"
    f"{upn(71)},Legal-Name,Ann,Known-As,14/03/2018,F,Year 3,x,y\r\n"
    f"{upn(72)},Other,Ben,Benson,01/02/2018,M,3,,\r\n"
).encode()


@pytest.mark.django_db(transaction=True)
def test_admin_chooses_between_two_surname_columns_by_position(
    browser_page, live_server, tmp_path
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    world = make_world(pupils_per_class=2, objectives=3)
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    test_browser._login(page, live_server, world, role="admin")
    page.goto(live_server.url + reverse("imports:upload", args=["pupils"]))
    path = tmp_path / "two-surnames.csv"
    path.write_bytes(REPEATED_FILE)
    page.set_input_files("#id_file", str(path))
    page.uncheck("#id_full")
    page.click("button:has-text('Upload and check')")
    page.wait_for_selector("h1:has-text('Match the columns')")
    assert page.inner_text("label[for=column-1]") == "Surname (column 2)"
    assert page.inner_text("label[for=column-3]") == "Surname (column 4)"
    assert page.inner_text("label[for=column-7]") == "(no heading) (column 8)"
    assert page.input_value("#column-1") == page.input_value("#column-3") == ""
    page.click("button:has-text('Check the file')")
    page.wait_for_selector("text=Several columns could hold Surname")
    page.select_option("#column-3", "last_name")
    page.screenshot(path=f"{SCREENSHOTS}/import-repeated-headers.png", full_page=True)
    page.click("button:has-text('Check the file')")
    page.wait_for_selector("h1:has-text('Preview of two-surnames.csv')")
    assert "Ann Known-As" in page.inner_text("main")
