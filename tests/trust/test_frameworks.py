"""A trust leader publishes schools' frameworks for the trust and sees who follows which version."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.factories import make_framework
from tests.trust.conftest import TrustWorld
from trackwell.accounts.models import AuditEntry
from trackwell.curriculum import trust
from trackwell.curriculum.models import SharedFramework

pytestmark = pytest.mark.django_db


def _publish(client, framework_id: int, note: str = ""):
    return client.post(
        reverse("curriculum-trust-publish"), {"framework": framework_id, "note": note}
    )


def test_a_trust_leader_publishes_and_sees_adoption_status(
    trust_world: TrustWorld, client_for
) -> None:
    tw = trust_world
    # A Year 4 framework only Alpha has, so Beta can adopt it without a clash.
    year4 = make_framework(tw.alpha.school, tw.alpha.maths, tw.alpha.scale, 4, 3)
    client = client_for(tw.leader)

    response = _publish(client, year4.pk, "First version")
    assert response.status_code == 302
    shared = SharedFramework.objects.get(trust=tw.trust, source_framework=year4)
    assert (shared.source_school, shared.latest_version) == (tw.alpha.school, 1)
    version = shared.versions.get()
    assert (version.published_by, version.note) == (tw.leader, "First version")
    entry = AuditEntry.objects.get(action="framework.publish")
    assert (entry.user, entry.school) == (tw.leader, tw.alpha.school)

    page = client.get(reverse("curriculum-trust"))
    (status,) = page.context["statuses"]
    by_school = {a.school: a.status for a in status.adoptions}
    assert by_school == {tw.alpha.school: "publishes it", tw.beta.school: "not adopted"}

    copy = trust.adopt_shared(user=tw.beta.users["leader"], school=tw.beta.school, shared=shared)
    (status,) = client.get(reverse("curriculum-trust")).context["statuses"]
    assert {a.school: a.status for a in status.adoptions}[tw.beta.school] == (
        "version 1, up to date"
    )

    assert _publish(client, year4.pk, "Second").status_code == 302
    shared.refresh_from_db()
    assert shared.latest_version == 2
    page = client.get(reverse("curriculum-trust"))
    (status,) = page.context["statuses"]
    beta = next(a for a in status.adoptions if a.school == tw.beta.school)
    assert not beta.up_to_date and beta.copy == copy
    html = page.content.decode()
    assert "Version 1; version 2 is waiting for the school to review" in html
    assert "Publish a new version from Alpha Primary" in html
    # The school reviews the change itself: publishing changed nothing in Beta.
    copy.refresh_from_db()
    assert copy.shared_version == 1
    assert trust.pending_update(copy) is not None


def test_a_trust_leader_may_publish_any_schools_framework(
    trust_world: TrustWorld, client_for
) -> None:
    tw = trust_world
    client = client_for(tw.leader)
    page = client.get(reverse("curriculum-trust"))
    publishable = set(page.context["publishable"])
    assert {tw.alpha.framework, tw.beta.framework} <= publishable
    assert tw.other.framework not in publishable
    assert _publish(client, tw.beta.framework.pk).status_code == 302
    assert SharedFramework.objects.filter(source_school=tw.beta.school).count() == 1


def test_a_linked_copy_cannot_be_published(trust_world: TrustWorld, client_for) -> None:
    tw = trust_world
    year4 = make_framework(tw.alpha.school, tw.alpha.maths, tw.alpha.scale, 4, 3)
    client = client_for(tw.leader)
    _publish(client, year4.pk)
    shared = SharedFramework.objects.get(source_framework=year4)
    copy = trust.adopt_shared(user=tw.beta.users["leader"], school=tw.beta.school, shared=shared)
    response = _publish(client, copy.pk)
    assert response.status_code == 302
    assert SharedFramework.objects.count() == 1
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("copy of a trust framework" in m for m in messages)


def test_school_leaders_keep_their_trust_page_and_publishing(
    trust_world: TrustWorld, client_for
) -> None:
    tw = trust_world
    client = client_for(tw.alpha.users["leader"])
    page = client.get(reverse("curriculum-trust"))
    assert page.status_code == 200
    assert "curriculum/trust.html" in [t.name for t in page.templates]
    response = client.post(reverse("curriculum-framework-publish", args=[tw.alpha.framework.pk]))
    assert response.status_code == 302
    assert SharedFramework.objects.filter(source_framework=tw.alpha.framework).exists()
    # ... and the trust leader sees it.
    (status,) = client_for(tw.leader).get(reverse("curriculum-trust")).context["statuses"]
    assert status.shared.source_school == tw.alpha.school
