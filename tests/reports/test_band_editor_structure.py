"""Band sets built in the web app: add, remove and move bands, new sets, starting points.

Everything goes through the real views, as a leader's browser without
JavaScript would post it (the live preview posts the same form).
"""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.analysis.helpers import judge, objectives, point, teach, with_bands
from tests.factories import World
from trackwell.accounts.models import AuditEntry
from trackwell.analysis import services
from trackwell.analysis.models import Band, BandRule, BandSet, StartingPoint
from trackwell.analysis.services import close_point, export_band_set

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader", "teacher", "other_teacher", "ta", "senco", "governor"]
MANAGERS = {"admin", "leader"}


def _rate_some(world: World) -> None:
    y3 = objectives(world.framework)
    teach(world, y3[:3])
    for i, p in enumerate(world.pupils_a):
        for o in y3[: i % 4]:
            judge(world, p, o, "2" if i % 2 else "3")


def _attainment(world: World) -> BandSet:
    return BandSet.objects.get(school=world.school, name="Attainment")


def _form(client: Client, band_set: BandSet) -> dict[str, Any]:
    """The editor's form exactly as the page renders it (what a browser would post)."""
    response = client.get(reverse("report-band-set", args=[band_set.pk]))
    assert response.status_code == 200
    doc, rules = response.context["doc"], response.context["rules"]
    data: dict[str, Any] = {
        "name": doc["name"],
        "description": doc["description"],
        "band-count": len(doc["bands"]),
        "rule-count": len(rules),
        "version": response.context["band_set"].version,  # the page's hidden version
    }
    if doc["active"]:
        data["active"] = "on"
    for i, b in enumerate(doc["bands"]):
        data[f"band-{i}-key"] = b["key"]
        data[f"band-{i}-position"] = i + 1
        data[f"band-{i}-label"] = b["label"]
        data[f"band-{i}-parent_label"] = b["parent_label"]
        data[f"band-{i}-colour"] = b["colour"]
        data[f"band-{i}-next"] = b["next_starting_point"]
        if b["meets_expectation"]:
            data[f"band-{i}-meets"] = "on"
    for i, r in enumerate(rules):
        data[f"rule-{i}-band"] = r["band"]
        data[f"rule-{i}-point"] = r["point"]
        data[f"rule-{i}-start"] = r["starting_point"]
        data[f"rule-{i}-conditions"] = r["text"]
    return data


def _keys(band_set: BandSet) -> list[str]:
    return list(band_set.bands.order_by("order").values_list("key", flat=True))


def _preview(client: Client, band_set: BandSet, data: dict[str, Any]):
    return client.post(
        reverse("report-band-set", args=[band_set.pk]),
        {**data, "action": "preview"},
        HTTP_X_REQUESTED_WITH="preview",
    )


def _closed_autumn(world: World) -> None:
    close_point(user=world.users["leader"], point=point(world))


# ---------------------------------------------------------------------------
# Adding, removing and moving bands


def test_add_a_band_previews_live_then_round_trips_and_saves(world: World, client_for) -> None:
    with_bands(world)
    _rate_some(world)
    band_set = _attainment(world)
    client = client_for(world.users["leader"])
    url = reverse("report-band-set", args=[band_set.pk])
    data = _form(client, band_set)
    data.update({"new-label": "Working towards", "new-place": "just-below"})

    preview = _preview(client, band_set, data)
    assert preview.status_code == 200
    assert "Adds &#x27;Working towards&#x27;." in preview.content.decode()
    lines = {line["band"].key: line["count"] for line in preview.context["preview"]["bands"]}
    assert "working-towards" in lines and sum(lines.values()) == preview.context["preview"]["total"]
    assert len(_keys(band_set)) == 5  # a preview saves nothing

    # Without JavaScript: "Add band" shows the set with the new band in place, unsaved.
    page = client.post(url, {**data, "action": "add"})
    assert page.status_code == 200
    keys = [b["key"] for b in page.context["doc"]["bands"]]
    assert keys == [
        "well-below",
        "below",
        "just-below",
        "working-towards",
        "on-track",
        "greater-depth",
    ]
    assert 'name="band-3-key" value="working-towards"' in page.content.decode()
    assert len(_keys(band_set)) == 5

    # The next post carries the new band as a row; give it a rule and save.
    again = _form_from_page(page)
    again["rule-0-band"] = "working-towards"
    again["rule-0-point"] = ""
    again["rule-0-start"] = ""
    again["rule-0-conditions"] = "pct_secure_of_year >= 10"
    assert client.post(url, {**again, "action": "save"}).status_code == 302
    assert _keys(band_set) == keys
    added = band_set.bands.get(key="working-towards")
    assert added.label == "Working towards" and added.order == 3
    assert added.colour.startswith("#") and len(added.colour) == 7
    assert added.rules.get().conditions == [
        {"metric": "pct_secure_of_year", "op": ">=", "value": 10.0}
    ]
    entry = AuditEntry.objects.filter(action="band_set.save", object_id=str(band_set.pk)).get()
    assert entry.new is not None and entry.old is not None
    assert [b["key"] for b in entry.new["bands"]] == keys
    assert [b["key"] for b in entry.old["bands"]] == [k for k in keys if k != "working-towards"]


def _form_from_page(page) -> dict[str, Any]:
    """The form as a page rendered it after a round trip (bands not yet saved included)."""
    doc, rules = page.context["doc"], page.context["rules"]
    data: dict[str, Any] = {
        "name": doc["name"],
        "active": "on" if doc["active"] else "",
        "band-count": len(doc["bands"]),
        "rule-count": len(rules),
        "version": page.context["band_set"].version,  # the page's hidden version
    }
    for i, b in enumerate(doc["bands"]):
        data.update(
            {
                f"band-{i}-key": b["key"],
                f"band-{i}-position": i + 1,
                f"band-{i}-label": b["label"],
                f"band-{i}-colour": b["colour"],
                f"band-{i}-next": b.get("next_starting_point", ""),
            }
        )
    for i, r in enumerate(rules):
        data.update(
            {
                f"rule-{i}-band": r["band"],
                f"rule-{i}-point": r["point"],
                f"rule-{i}-start": r["starting_point"],
                f"rule-{i}-conditions": r["text"],
            }
        )
    return data


def test_a_new_band_gets_a_key_unique_in_the_set(world: World, client_for) -> None:
    with_bands(world)
    band_set = _attainment(world)
    client = client_for(world.users["admin"])
    data = _form(client, band_set)
    data.update({"new-label": "On track!", "new-place": "lowest"})
    page = client.post(reverse("report-band-set", args=[band_set.pk]), {**data, "action": "add"})
    bands = page.context["doc"]["bands"]
    # Placed lowest, it would be where everyone falls; its key does not clash with 'on-track'.
    assert bands[0]["key"] == "on-track-2" and bands[0]["label"] == "On track!"
    blank = client.post(
        reverse("report-band-set", args=[band_set.pk]), {**_form(client, band_set), "action": "add"}
    )
    assert blank.status_code == 400 and "new band: give it a label" in blank.content.decode()


def test_remove_a_band_shows_its_rules_going_then_saves(world: World, client_for) -> None:
    with_bands(world)
    _rate_some(world)
    band_set = _attainment(world)
    client = client_for(world.users["leader"])
    url = reverse("report-band-set", args=[band_set.pk])
    rules_before = BandRule.objects.filter(band__band_set=band_set).count()
    data = _form(client, band_set)
    data["band-2-remove"] = "on"  # just-below, with 3 rules

    preview = _preview(client, band_set, data)
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "Removes &#x27;Just below&#x27; and its 3 rules." in text
    assert "Order, lowest first: Well below, Below, On track, Greater depth." in text
    assert [line["band"].key for line in preview.context["preview"]["bands"]] == [
        "greater-depth",
        "on-track",
        "below",
        "well-below",
    ]
    assert "just-below" in _keys(band_set)

    assert client.post(url, {**data, "action": "save"}).status_code == 302
    assert _keys(band_set) == ["well-below", "below", "on-track", "greater-depth"]
    assert BandRule.objects.filter(band__band_set=band_set).count() == rules_before - 3
    assert AuditEntry.objects.filter(action="band_set.save", object_id=str(band_set.pk)).exists()


def test_reorder_with_buttons_and_position_numbers(world: World, client_for) -> None:
    with_bands(world)
    band_set = _attainment(world)
    client = client_for(world.users["leader"])
    url = reverse("report-band-set", args=[band_set.pk])
    data = _form(client, band_set)

    # "Higher" on 'Below' (row 1) swaps it with 'Just below'; nothing saved.
    page = client.post(url, {**data, "action": "higher-1"})
    assert page.status_code == 200
    assert [b["key"] for b in page.context["doc"]["bands"]] == [
        "well-below",
        "just-below",
        "below",
        "on-track",
        "greater-depth",
    ]
    lower = client.post(url, {**data, "action": "lower-4"})
    assert [b["key"] for b in lower.context["doc"]["bands"]][3:] == ["greater-depth", "on-track"]
    assert _keys(band_set) == ["well-below", "below", "just-below", "on-track", "greater-depth"]

    # A position number moves a band there; the preview follows and saving keeps it.
    data["band-3-position"] = 5  # on-track to the top
    preview = _preview(client, band_set, data)
    assert preview.context["preview"]["bands"][0]["band"].key == "on-track"
    assert "Order, lowest first: Well below, Below, Just below, Greater depth, On track." in (
        preview.content.decode()
    )
    assert client.post(url, {**data, "action": "save"}).status_code == 302
    assert _keys(band_set) == ["well-below", "below", "just-below", "greater-depth", "on-track"]


def test_moving_a_band_with_rules_to_the_bottom_is_refused(world: World, client_for) -> None:
    with_bands(world)
    band_set = _attainment(world)
    before = export_band_set(band_set)
    client = client_for(world.users["leader"])
    data = _form(client, band_set)
    data["band-3-position"] = 1
    response = client.post(
        reverse("report-band-set", args=[band_set.pk]), {**data, "action": "save"}
    )
    assert response.status_code == 400
    assert "the lowest band is where every other pupil falls" in response.content.decode()
    assert export_band_set(band_set) == before


def test_removing_a_band_in_closed_snapshots_is_refused_and_nothing_changes(
    world: World, client_for
) -> None:
    with_bands(world)
    band_set = _attainment(world)
    _closed_autumn(world)  # nothing rated: every pupil is 'Well below' in the record
    assert "well-below" in services.bands_in_snapshots(band_set)
    before = export_band_set(band_set)
    audit = AuditEntry.objects.count()
    client = client_for(world.users["leader"])
    data = _form(client, band_set)
    data["band-0-remove"] = "on"
    # 'Below' becomes the lowest band, so its rules are cleared too.
    for i in range(data["rule-count"]):
        if data[f"rule-{i}-band"] == "below":
            data[f"rule-{i}-conditions"] = ""
    preview = _preview(client, band_set, data)
    assert "It appears in closed snapshots, so saving will be refused" in preview.content.decode()
    response = client.post(
        reverse("report-band-set", args=[band_set.pk]), {**data, "action": "save"}
    )
    assert response.status_code == 400
    assert (
        "bands: &#x27;well-below&#x27; appears in closed snapshots; keep it (you may rename it)"
        in response.content.decode()
    )
    assert export_band_set(band_set) == before
    assert AuditEntry.objects.count() == audit
    # Renaming it is fine.
    data = _form(client, band_set)
    data["band-0-label"] = "Early steps"
    assert (
        client.post(reverse("report-band-set", args=[band_set.pk]), {**data, "action": "save"})
    ).status_code == 302
    assert band_set.bands.get(key="well-below").label == "Early steps"


# ---------------------------------------------------------------------------
# New band sets, deleting and deactivating


def test_new_band_set_from_empty_lands_in_the_editor(world: World, client_for) -> None:
    with_bands(world)
    client = client_for(world.users["leader"])
    response = client.post(
        reverse("report-band-set-new"), {"name": "Phonics", "kind": "attainment", "copy": ""}
    )
    made = BandSet.objects.get(school=world.school, name="Phonics")
    assert response.status_code == 302
    assert response["Location"] == reverse("report-band-set", args=[made.pk])
    assert made.kind == "attainment" and not made.is_active
    assert [(b.key, b.label, b.meets_expectation) for b in made.bands.order_by("order")] == [
        ("not-yet", "Not yet", False),
        ("yes", "Yes", True),
    ]
    assert not BandRule.objects.filter(band__band_set=made).exists()
    assert AuditEntry.objects.filter(action="band_set.create", object_id=str(made.pk)).exists()
    assert client.get(response["Location"]).status_code == 200

    again = client.post(reverse("report-band-set-new"), {"name": "Phonics", "kind": "progress"})
    assert again.status_code == 400
    assert "there is already a band set called &#x27;Phonics&#x27;" in again.content.decode()
    assert BandSet.objects.get(name="Phonics").kind == "attainment"  # not replaced
    bad_kind = client.post(reverse("report-band-set-new"), {"name": "Odd", "kind": "vibes"})
    assert bad_kind.status_code == 400 and not BandSet.objects.filter(name="Odd").exists()


def test_new_band_set_as_a_copy(world: World, client_for) -> None:
    with_bands(world)
    source = _attainment(world)
    progress = BandSet.objects.get(school=world.school, name="Progress")
    client = client_for(world.users["admin"])
    response = client.post(
        reverse("report-band-set-new"),
        {"name": "Attainment 2027", "kind": "attainment", "copy": source.pk, "active": "on"},
    )
    assert response.status_code == 302
    copy = BandSet.objects.get(school=world.school, name="Attainment 2027")
    assert copy.is_active and copy.pk != source.pk
    original, copied = export_band_set(source), export_band_set(copy)
    assert copied["bands"] == original["bands"]
    assert _keys(source) == _keys(copy)
    assert Band.objects.filter(band_set=source).count() == 5  # the source is untouched

    wrong_kind = client.post(
        reverse("report-band-set-new"),
        {"name": "Progress copy", "kind": "attainment", "copy": progress.pk},
    )
    assert wrong_kind.status_code == 400
    assert "a copy keeps its kind" in wrong_kind.content.decode()
    assert not BandSet.objects.filter(name="Progress copy").exists()


def test_delete_a_set_no_snapshot_uses_after_confirming(world: World, client_for) -> None:
    with_bands(world)
    client = client_for(world.users["leader"])
    client.post(reverse("report-band-set-new"), {"name": "Trial", "kind": "progress"})
    trial = BandSet.objects.get(school=world.school, name="Trial")
    url = reverse("report-band-set-delete", args=[trial.pk])
    unconfirmed = client.post(url, follow=True)
    assert "Tick the box to confirm" in unconfirmed.content.decode()
    assert BandSet.objects.filter(pk=trial.pk).exists()
    response = client.post(url, {"confirm": "yes", "version": trial.version})
    assert response.status_code == 302 and response["Location"] == reverse("report-band-sets")
    assert not BandSet.objects.filter(pk=trial.pk).exists()
    assert not Band.objects.filter(band_set_id=trial.pk).exists()
    entry = AuditEntry.objects.get(action="band_set.delete", object_id=str(trial.pk))
    assert entry.old is not None
    assert entry.old["name"] == "Trial" and entry.user == world.users["leader"]


def test_a_set_in_snapshots_is_deactivated_not_deleted(world: World, client_for) -> None:
    with_bands(world)
    band_set = _attainment(world)
    _closed_autumn(world)
    client = client_for(world.users["leader"])
    editor = client.get(reverse("report-band-set", args=[band_set.pk])).content.decode()
    assert "Delete band set" not in editor and "Stop using this set" in editor
    refused = client.post(
        reverse("report-band-set-delete", args=[band_set.pk]),
        {"confirm": "yes", "version": band_set.version},
        follow=True,
    )
    assert "is in closed snapshots" in refused.content.decode()
    assert BandSet.objects.filter(pk=band_set.pk).exists()
    assert not AuditEntry.objects.filter(action="band_set.delete").exists()

    stop = client.post(
        reverse("report-band-set-active", args=[band_set.pk]),
        {"active": "no", "version": band_set.version},
    )
    assert stop.status_code == 302
    band_set.refresh_from_db()
    assert not band_set.is_active
    assert AuditEntry.objects.filter(action="band_set.deactivate", object_id=str(band_set.pk))
    client.post(
        reverse("report-band-set-active", args=[band_set.pk]),
        {"active": "yes", "next": "set", "version": band_set.version},
    )
    band_set.refresh_from_db()
    assert band_set.is_active
    assert AuditEntry.objects.filter(action="band_set.activate", object_id=str(band_set.pk))


# ---------------------------------------------------------------------------
# Starting points


def test_add_rename_and_describe_starting_points(world: World, client_for) -> None:
    with_bands(world)
    client = client_for(world.users["leader"])
    url = reverse("report-starting-points")
    secure = StartingPoint.objects.get(school=world.school, key="secure-last-year")
    response = client.post(
        url,
        {
            f"sp-{secure.pk}-label": "Secure in last year's learning",
            f"sp-{secure.pk}-description": "Ended last year on track.",
            "new-label": "Joined this year",
            "new-description": "New to the school; no record from last year.",
        },
    )
    assert response.status_code == 302
    secure.refresh_from_db()
    assert (secure.key, secure.label) == ("secure-last-year", "Secure in last year's learning")
    joined = StartingPoint.objects.get(school=world.school, label="Joined this year")
    assert joined.key == "joined-this-year"
    saved = AuditEntry.objects.get(action="starting_point.save", object_id=str(secure.pk))
    assert saved.old is not None and saved.new is not None
    assert saved.old["label"] == "Secure in last year's objectives"
    assert saved.new["label"] == "Secure in last year's learning"
    assert AuditEntry.objects.filter(action="starting_point.create", object_id=str(joined.pk))

    # A chosen key; a key already used, or an empty label, changes nothing at all.
    client.post(url, {"new-label": "EAL new arrival", "new-key": "eal-arrival"})
    assert StartingPoint.objects.filter(school=world.school, key="eal-arrival").exists()
    count = StartingPoint.objects.filter(school=world.school).count()
    clash = client.post(
        url,
        {f"sp-{secure.pk}-label": "Renamed again", "new-label": "Again", "new-key": "eal-arrival"},
    )
    assert clash.status_code == 400
    assert "there is already a starting point &#x27;eal-arrival&#x27;" in clash.content.decode()
    secure.refresh_from_db()
    assert secure.label == "Secure in last year's learning"
    assert StartingPoint.objects.filter(school=world.school).count() == count
    empty = client.post(url, {f"sp-{secure.pk}-label": " "})
    assert (
        empty.status_code == 400 and "secure-last-year: give it a label" in empty.content.decode()
    )


def test_a_starting_point_in_use_cannot_be_removed(world: World, client_for) -> None:
    with_bands(world)
    client = client_for(world.users["leader"])
    secure = StartingPoint.objects.get(school=world.school, key="secure-last-year")
    refused = client.post(
        reverse("report-starting-point-remove", args=[secure.pk]), follow=True
    ).content.decode()
    assert "cannot be removed" in refused
    assert "rules for &#x27;On track&#x27; in &#x27;Attainment&#x27;" in refused
    assert "the next starting point of &#x27;On track&#x27; in &#x27;Attainment&#x27;" in refused
    assert StartingPoint.objects.filter(pk=secure.pk).exists()

    # Set by hand for a pupil: named too.
    spare = services.add_starting_point(user=None, school=world.school, label="Spare")
    services.set_starting_point(
        user=None,
        pupil=world.pupils_a[0],
        subject=world.maths,
        year_id=world.year.pk,
        starting_point=spare,
    )
    assert services.starting_point_uses(spare) == ["set by hand for 1 pupil"]
    client.post(reverse("report-starting-point-remove", args=[spare.pk]))
    assert StartingPoint.objects.filter(pk=spare.pk).exists()

    unused = services.add_starting_point(user=None, school=world.school, label="Unused")
    response = client.post(reverse("report-starting-point-remove", args=[unused.pk]))
    assert response.status_code == 302
    assert not StartingPoint.objects.filter(pk=unused.pk).exists()
    entry = AuditEntry.objects.get(action="starting_point.delete", object_id=str(unused.pk))
    assert entry.old == {"key": "unused", "label": "Unused", "description": ""}


# ---------------------------------------------------------------------------
# Access: leaders and admins only, own school only, POST only


def _cases(w: World) -> list[tuple[str, str, dict[str, Any]]]:
    attainment = BandSet.objects.get(school=w.school, name="Attainment")
    spare, _ = StartingPoint.objects.get_or_create(
        school=w.school, key="spare", defaults={"label": "Spare"}
    )
    return [
        ("new", reverse("report-band-set-new"), {"name": "New one", "kind": "attainment"}),
        (
            "copy",
            reverse("report-band-set-new"),
            {"name": "Copied", "kind": "attainment", "copy": attainment.pk},
        ),
        (
            "delete",
            reverse("report-band-set-delete", args=[attainment.pk]),
            {"confirm": "yes", "version": attainment.version},
        ),
        (
            "active",
            reverse("report-band-set-active", args=[attainment.pk]),
            {"active": "no", "version": attainment.version},
        ),
        ("starting-points", reverse("report-starting-points"), {"new-label": "Another"}),
        ("sp-remove", reverse("report-starting-point-remove", args=[spare.pk]), {}),
    ]


CASES = ["new", "copy", "delete", "active", "starting-points", "sp-remove"]
SCOPED = ["copy", "delete", "active", "sp-remove"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", CASES)
def test_each_new_view_for_each_role(world: World, client_for, role: str, name: str) -> None:
    with_bands(world)
    _, url, data = next(c for c in _cases(world) if c[0] == name)
    sets, starts = BandSet.objects.count(), StartingPoint.objects.count()
    audit = AuditEntry.objects.count()
    response = client_for(world.users[role]).post(url, data)
    if role in MANAGERS:
        assert response.status_code == 302, response.content[:300]
        assert AuditEntry.objects.count() > audit
    else:
        assert response.status_code == 404
        assert (BandSet.objects.count(), StartingPoint.objects.count()) == (sets, starts)
        assert AuditEntry.objects.count() == audit


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", SCOPED)
def test_another_schools_objects_are_404(
    world: World, other_world: World, client_for, role: str, name: str
) -> None:
    with_bands(world)
    with_bands(other_world)
    _, url, data = next(c for c in _cases(other_world) if c[0] == name)
    before = export_band_set(BandSet.objects.get(school=other_world.school, name="Attainment"))
    response = client_for(world.users[role]).post(url, data)
    assert response.status_code == 404
    after = export_band_set(BandSet.objects.get(school=other_world.school, name="Attainment"))
    assert after == before
    assert StartingPoint.objects.filter(school=other_world.school, key="spare").exists()
    assert not BandSet.objects.filter(school=world.school, name="Copied").exists()


@pytest.mark.parametrize("name", CASES)
def test_new_views_refuse_get(world: World, client_for, name: str) -> None:
    with_bands(world)
    _, url, _ = next(c for c in _cases(world) if c[0] == name)
    assert client_for(world.users["leader"]).get(url).status_code == 405
    assert client_for(world.users["leader"]).put(url).status_code == 405


@pytest.mark.parametrize("name", CASES)
def test_anonymous_is_sent_to_login(world: World, client, name: str) -> None:
    with_bands(world)
    _, url, data = next(c for c in _cases(world) if c[0] == name)
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_editor_structure_posts_are_scoped_and_managers_only(
    world: World, other_world: World, client_for
) -> None:
    with_bands(world)
    with_bands(other_world)
    theirs = BandSet.objects.get(school=other_world.school, name="Attainment")
    mine = _attainment(world)
    data = {"band-count": 1, "band-0-key": "x", "new-label": "Extra", "action": "save"}
    url = reverse("report-band-set", args=[theirs.pk])
    assert client_for(world.users["leader"]).post(url, data).status_code == 404
    for role in ("teacher", "senco", "governor"):
        response = client_for(world.users[role]).post(
            reverse("report-band-set", args=[mine.pk]), data
        )
        assert response.status_code == 404
    assert (
        _keys(theirs)
        == _keys(mine)
        == [
            "well-below",
            "below",
            "just-below",
            "on-track",
            "greater-depth",
        ]
    )


def test_a_set_keeps_between_two_and_twelve_bands(world: World, client_for) -> None:
    with_bands(world)
    client = client_for(world.users["leader"])
    client.post(reverse("report-band-set-new"), {"name": "Tiny", "kind": "attainment"})
    tiny = BandSet.objects.get(school=world.school, name="Tiny")
    url = reverse("report-band-set", args=[tiny.pk])
    data = _form(client, tiny)
    data["band-1-remove"] = "on"
    response = client.post(url, {**data, "action": "save"})
    assert response.status_code == 400
    assert "a set needs at least two bands" in response.content.decode()
    assert _keys(tiny) == ["not-yet", "yes"]
    for n in range(10):
        data = _form(client, tiny)
        data["new-label"] = f"Step {n}"
        assert client.post(url, {**data, "action": "save"}).status_code == 302
    assert len(_keys(tiny)) == 12
    full = client.get(url).content.decode()
    assert "A set has at most 12 bands." in full and 'id="add-band"' not in full
    data = _form(client, tiny)
    data["new-label"] = "One too many"
    response = client.post(url, {**data, "action": "save"})
    assert response.status_code == 400 and "a set has at most 12 bands" in response.content.decode()


# ---------------------------------------------------------------------------
# Teachers' confirmed bands are never lost as a side effect of editing a set.


def _confirm_below(world: World) -> tuple[BandSet, Band]:
    from trackwell.analysis.services import Choice, confirm_bands

    with_bands(world)
    band_set = _attainment(world)
    below = band_set.bands.get(key="below")
    ids = [p.pk for p in world.pupils_a]
    confirm_bands(
        user=world.users["teacher"],
        point=point(world),
        subject=world.maths,
        allowed_pupil_ids=ids,
        choices=[Choice(ids[0], band_set.pk, below.pk, "seen in books")],
    )
    return band_set, below


def test_removing_a_confirmed_band_is_refused_and_the_preview_says_why(
    world: World, client_for
) -> None:
    from trackwell.analysis.models import BandConfirmation

    band_set, below = _confirm_below(world)
    client = client_for(world.users["leader"])
    data = _form(client, band_set)
    index = _keys(band_set).index("below")
    data[f"band-{index}-remove"] = "on"
    url = reverse("report-band-set", args=[band_set.pk])
    changes = client.post(url, {**data, "action": "preview"}).context["changes"]
    assert any("Teachers have confirmed it for 1 pupil record" in line for line in changes)
    before = export_band_set(band_set)
    response = client.post(url, {**data, "action": "save"})
    assert response.status_code == 400
    assert "confirmed band of 1 pupil record" in response.content.decode()
    assert BandConfirmation.objects.get().band_id == below.pk
    assert export_band_set(band_set) == before


def test_a_set_with_confirmed_bands_cannot_be_deleted(world: World) -> None:
    from django.core.exceptions import ValidationError

    from trackwell.analysis.models import BandConfirmation

    band_set, _ = _confirm_below(world)
    with pytest.raises(ValidationError, match="stop using it instead"):
        services.delete_band_set(user=world.users["leader"], band_set=band_set)
    assert BandSet.objects.filter(pk=band_set.pk).exists()
    assert BandConfirmation.objects.count() == 1


def test_a_huge_rule_count_is_capped(world: World, client_for) -> None:
    with_bands(world)
    band_set = _attainment(world)
    client = client_for(world.users["leader"])
    data = {**_form(client, band_set), "rule-count": str(10**9), "action": "preview"}
    response = client.post(reverse("report-band-set", args=[band_set.pk]), data)
    assert response.status_code in (200, 400)


# ---------------------------------------------------------------------------
# Delete and the in-use switch are version-checked (security issue 13)


def test_a_stale_in_use_switch_gets_the_conflict_page_with_both_values(
    world: World, client_for
) -> None:
    with_bands(world)
    band_set = _attainment(world)
    client = client_for(world.users["leader"])
    page = client.get(reverse("report-band-sets")).content.decode()
    assert f'name="version" value="{band_set.version}"' in page
    seen = band_set.version
    # Meanwhile another leader renames the set in the editor.
    form = _form(client_for(world.users["admin"]), band_set)
    form.update(name="Attainment 2026", action="save")
    assert (
        client_for(world.users["admin"])
        .post(reverse("report-band-set", args=[band_set.pk]), form)
        .status_code
        == 302
    )
    audit = AuditEntry.objects.count()
    stale = client.post(
        reverse("report-band-set-active", args=[band_set.pk]),
        {"active": "no", "version": seen, "name": "Attainment"},
    )
    assert stale.status_code == 409
    text = stale.content.decode()
    assert "changed since you opened it" in text
    assert "Attainment 2026" in text and "<td>Attainment</td>" in text  # both values
    assert "<td>no</td>" in text and "<td>yes</td>" in text  # asked: not in use; saved: in use
    band_set.refresh_from_db()
    assert band_set.is_active and AuditEntry.objects.count() == audit

    # With the version the page shows now, it goes through and raises the version.
    now = band_set.version
    fresh = client.post(
        reverse("report-band-set-active", args=[band_set.pk]),
        {"active": "no", "version": now, "name": band_set.name},
    )
    assert fresh.status_code == 302
    band_set.refresh_from_db()
    assert not band_set.is_active and band_set.version == now + 1
    # A second click from the same old page is stale now too.
    again = client.post(
        reverse("report-band-set-active", args=[band_set.pk]),
        {"active": "yes", "version": now, "name": band_set.name},
    )
    assert again.status_code == 409
    band_set.refresh_from_db()
    assert not band_set.is_active


def test_a_switch_without_a_version_is_refused(world: World, client_for) -> None:
    with_bands(world)
    band_set = _attainment(world)
    response = client_for(world.users["leader"]).post(
        reverse("report-band-set-active", args=[band_set.pk]), {"active": "no"}
    )
    assert response.status_code == 409
    band_set.refresh_from_db()
    assert band_set.is_active


def test_a_stale_delete_gets_the_conflict_page_and_deletes_nothing(
    world: World, client_for
) -> None:
    with_bands(world)
    client = client_for(world.users["leader"])
    client.post(reverse("report-band-set-new"), {"name": "Trial", "kind": "progress"})
    trial = BandSet.objects.get(school=world.school, name="Trial")
    editor = client.get(reverse("report-band-set", args=[trial.pk])).content.decode()
    assert editor.count(f'name="version" value="{trial.version}"') >= 3  # save, switch, delete
    seen = trial.version
    # Meanwhile someone puts the set in use (another tab, another leader).
    services.set_band_set_active(
        user=world.users["admin"], band_set=trial, active=True, expected_version=seen
    )
    stale = client.post(
        reverse("report-band-set-delete", args=[trial.pk]),
        {"confirm": "yes", "version": seen, "name": "Trial", "in_use": "no"},
    )
    assert stale.status_code == 409
    assert "<td>no</td>" in stale.content.decode() and "<td>yes</td>" in stale.content.decode()
    assert "In use" in stale.content.decode() and "changed since you opened it" in (
        stale.content.decode()
    )
    assert BandSet.objects.filter(pk=trial.pk).exists()
    assert not AuditEntry.objects.filter(action="band_set.delete").exists()
    trial.refresh_from_db()
    ok = client.post(
        reverse("report-band-set-delete", args=[trial.pk]),
        {"confirm": "yes", "version": trial.version, "name": "Trial"},
    )
    assert ok.status_code == 302
    assert not BandSet.objects.filter(pk=trial.pk).exists()
