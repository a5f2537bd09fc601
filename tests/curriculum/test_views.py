"""The editor pages end to end: forms that work without a script, previews before changes."""

import pytest
from django.urls import reverse

from tests.curriculum.helpers import rate
from tests.factories import World, make_user
from trackwell.accounts.models import Role
from trackwell.assessment.models import Judgement
from trackwell.core.models import School
from trackwell.curriculum import scales, trust
from trackwell.curriculum.defaults import create_depth_scale
from trackwell.curriculum.models import Framework, Objective

pytestmark = pytest.mark.django_db


def test_teachers_read_frameworks_without_edit_controls(world: World, client_for) -> None:
    url = reverse("curriculum-framework", args=[world.framework.pk])
    teacher_html = client_for(world.users["teacher"]).get(url).content.decode()
    leader_html = client_for(world.users["leader"]).get(url).content.decode()
    assert world.objectives[0].statement in teacher_html
    assert "Merge objectives" not in teacher_html and "Merge objectives" in leader_html
    assert "js/curriculum.js" in leader_html and "js/curriculum.js" not in teacher_html


def test_edit_an_objective_through_the_form(world: World, client_for) -> None:
    obj = world.objectives[0]
    client = client_for(world.users["leader"])
    url = reverse("curriculum-objective-edit", args=[obj.pk])
    seen = obj.version  # the form carries the version the leader saw
    clash = client.post(url, {"code": world.objectives[1].code, "statement": "x", "version": seen})
    assert clash.status_code == 200 and "already used" in clash.content.decode()
    done = client.post(
        url,
        {
            "code": "MA3-X",
            "statement": "Reworded",
            "is_key": "on",
            "tags": "depth objective",
            "version": seen,
        },
    )
    assert done.status_code == 302
    obj.refresh_from_db()
    assert (obj.code, obj.statement, obj.is_key, obj.tags) == (
        "MA3-X",
        "Reworded",
        True,
        ["depth objective"],
    )


def test_split_through_the_page(world: World, client_for) -> None:
    obj = world.objectives[0]
    rate(world, world.pupils_a[0], obj, "2")
    client = client_for(world.users["leader"])
    url = reverse("curriculum-objective-split", args=[obj.pk])
    assert f"{obj.code}a" in client.get(url).content.decode()
    response = client.post(
        url, {"code_1": "S1", "statement_1": "First part", "code_2": "S2", "statement_2": "Second"}
    )
    assert response.status_code == 302
    assert Judgement.objects.filter(objective__code__in=["S1", "S2"]).count() == 2


def test_merge_previews_before_confirming(world: World, client_for) -> None:
    a, b = world.objectives[0], world.objectives[1]
    rate(world, world.pupils_a[0], a, "1")
    rate(world, world.pupils_a[0], b, "3")
    client = client_for(world.users["leader"])
    url = reverse("curriculum-framework-merge", args=[world.framework.pk])
    data = {"objectives": [a.pk, b.pk], "rule": "highest", "code": "AB", "statement": "Both"}
    preview = client.post(url, data)
    assert preview.status_code == 200
    assert preview.context["plan"].rows[0].winner.judgement.level.code == "3"
    assert not Objective.objects.filter(code="AB").exists()  # nothing changed yet
    done = client.post(url, {**data, "confirm": "1", "digest": preview.context["plan"].digest})
    assert done.status_code == 302
    assert Judgement.objects.get(objective__code="AB").level.code == "3"  # type: ignore[union-attr]


def test_change_scale_previews_then_maps(world: World, client_for) -> None:
    eds = scales.create_scale(
        user=world.users["leader"], school=world.school, name="EDS", template="eds"
    )
    rate(world, world.pupils_a[0], world.objectives[0], "3")
    client = client_for(world.users["leader"])
    url = reverse("curriculum-framework-scale", args=[world.framework.pk])
    page = client.get(url, {"scale": eds.pk})
    form = page.context["mapping_form"]
    assert len(form.fields) == 4
    data = {"scale": eds.pk}
    s = eds.levels.get(code="S")
    for name in form.fields:
        data[name] = s.pk
    preview = client.post(url, data)
    assert preview.context["plan"].judgements == 1
    world.framework.refresh_from_db()
    assert world.framework.scale_id == world.scale.pk
    assert client.post(url, {**data, "confirm": "1"}).status_code == 302
    world.framework.refresh_from_db()
    assert world.framework.scale_id == eds.pk


def test_deleting_a_used_level_says_why(world: World, client_for) -> None:
    rate(world, world.pupils_a[0], world.objectives[0], "2")
    level = world.scale.levels.get(code="2")
    client = client_for(world.users["admin"])
    response = client.post(reverse("curriculum-level-delete", args=[level.pk]), follow=True)
    assert "cannot be deleted" in response.content.decode()
    assert world.scale.levels.filter(pk=level.pk).exists()


def test_drag_and_drop_endpoint(world: World, client_for) -> None:
    layout: dict[str, list[str]] = {}
    objs = list(world.framework.objectives.order_by("strand__order", "order"))
    for obj in reversed(objs):
        layout.setdefault(f"strand-{obj.strand_id}", []).append(str(obj.pk))
    client = client_for(world.users["leader"])
    url = reverse("curriculum-framework-reorder", args=[world.framework.pk])
    assert client.post(url, {k: ",".join(v) for k, v in layout.items()}).json() == {"ok": True}
    bad = client.post(url, {"strand-x": "1"})
    assert bad.status_code == 400 and "error" in bad.json()


def test_library_adoption_page(world: World, client_for) -> None:
    school = School.objects.create(name="Brand New Primary")
    leader = make_user(school, "brand-leader", Role.LEADER)
    client = client_for(leader)
    index = client.get(reverse("curriculum-index")).content.decode()
    assert "Choose from the library" in index
    page = client.get(reverse("curriculum-library"))
    slugs = [slug for slug, _, _ in page.context["subjects"]]
    assert {"maths", "reading", "writing", "science", "history"} <= set(slugs)
    text = page.content.decode()
    assert "Reception" in text and "Year 0" not in text
    response = client.post(
        reverse("curriculum-library-adopt"), {"subject": "maths", "years": ["0", "3"]}
    )
    assert response.status_code == 302
    adopted = {f.nc_year: f for f in Framework.objects.filter(school=school)}
    assert sorted(adopted) == [0, 3]
    assert adopted[3].objectives.count() > 10
    assert adopted[0].name == "Maths Reception" and adopted[0].objectives.count() >= 25


def test_trust_update_page_accepts_and_declines(world: World, client_for) -> None:
    sister = School.objects.create(name="Sister", trust=world.school.trust)
    create_depth_scale(sister)
    sister_leader = make_user(sister, "sis-leader", Role.LEADER)
    shared = trust.publish_framework(user=world.users["leader"], framework=world.framework).shared
    client = client_for(sister_leader)
    assert client.post(reverse("curriculum-trust-adopt", args=[shared.pk])).status_code == 302
    copy = Framework.objects.get(school=sister)
    obj = world.objectives[0]
    obj.statement = "Trust rewording"
    obj.save()
    other = world.objectives[1]
    other.statement = "Another rewording"
    other.save()
    trust.publish_framework(user=world.users["leader"], framework=world.framework)
    url = reverse("curriculum-framework-update", args=[copy.pk])
    page = client.get(url)
    keys = [c.key for c in page.context["update"].changes]
    assert len(keys) == 2
    response = client.post(url, {keys[0]: "accept", keys[1]: "decline"})
    assert response.status_code == 302
    statements = set(copy.objectives.values_list("statement", flat=True))
    assert len({"Trust rewording", "Another rewording"} & statements) == 1
