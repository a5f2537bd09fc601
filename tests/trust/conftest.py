"""A trust of two schools with a trust leader, and another trust with its own trust leader."""

from dataclasses import dataclass

import pytest

from tests.analysis.helpers import with_bands
from tests.factories import World, make_trust_leader, make_world
from trackwell.accounts.models import User
from trackwell.core.models import Trust


@dataclass
class TrustWorld:
    trust: Trust
    alpha: World
    beta: World
    leader: User  # the trust's trust leader
    other: World  # a school of another trust
    outsider: User  # the other trust's trust leader


@pytest.fixture
def trust_world(db) -> TrustWorld:
    alpha = with_bands(make_world("Alpha Primary"))
    trust = alpha.school.trust
    assert trust is not None
    beta = with_bands(make_world("Beta Primary", pupils_per_class=6, trust=trust))
    other = with_bands(make_world("Elsewhere Academy", pupils_per_class=2, objectives=3))
    assert other.school.trust is not None
    return TrustWorld(
        trust=trust,
        alpha=alpha,
        beta=beta,
        leader=make_trust_leader(trust),
        other=other,
        outsider=make_trust_leader(other.school.trust, "other-trust-leader"),
    )
