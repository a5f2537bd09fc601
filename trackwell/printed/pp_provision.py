"""The governors' pack: provision for disadvantaged pupils, and what the pupil premium paid for.

Never identifiable: every count of pupils goes through the shared small-group
protection, `analysis.groups.suppression`, over the pupils on roll this year,
which hides a group that is small, whose complement is small, or that could be
worked out by subtracting two figures shown. Kinds of intervention are counted
in interventions, not pupils; cost is money, not pupils.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from trackwell.analysis.evaluation import current_year
from trackwell.analysis.groups import pupil_facts, suppression
from trackwell.core.models import School
from trackwell.provision import overview
from trackwell.provision.impact import impact_of
from trackwell.provision.models import AreaOfNeed, FundingSource, Intervention, Outcome
from trackwell.provision.queries import load_map
from trackwell.pupils.models import Pupil

# The groups counted, each a test of one pupil's facts (closures over the provision read).
IN_PROVISION = "pp-in-provision"
WITH_OUTCOME = "pp-with-outcome"
MET = "pp-met"


@dataclass
class Kind:
    label: str
    interventions: int = 0
    funded_by_pp: int = 0


@dataclass
class PupilPremiumProvision:
    year_name: str
    minimum: int
    on_roll: int | None  # disadvantaged pupils on roll (None: hidden)
    in_provision: int | None  # of them, in at least one intervention this year
    with_outcome: int | None  # of them, with an outcome recorded
    met: int | None  # of them, met their target in at least one intervention
    hidden: dict[str, str] = field(default_factory=dict)  # group -> reason
    kinds: list[Kind] = field(default_factory=list)
    interventions: int = 0
    pp_planned: Decimal = Decimal(0)
    pp_actual: Decimal = Decimal(0)
    pp_budget: Decimal | None = None

    @property
    def met_pct(self) -> int | None:
        if self.met is None or not self.with_outcome:
            return None
        return round(100 * self.met / self.with_outcome)

    @property
    def anything_hidden(self) -> bool:
        return bool(self.hidden)


def pupil_premium_provision(school: School) -> PupilPremiumProvision | None:
    """This year's provision for disadvantaged pupils, small groups suppressed; None if none."""
    year = current_year(school.pk)
    interventions = Intervention.objects.filter(overview.in_year(school, year))
    rows = load_map(interventions)
    if not rows:
        return None
    impacts = impact_of(rows, min_group=school.min_group_size)
    roll = Pupil.objects.filter(school=school)
    if year is not None:
        roll = roll.filter(enrolments__school_class__year=year).filter(
            Q(left_on__isnull=True) | Q(left_on__gte=year.start_date)
        )
    roll_ids = set(roll.values_list("pk", flat=True))
    facts = pupil_facts(roll_ids)
    in_provision: set[int] = set()
    outcomes: dict[int, set[str]] = {}
    kinds: dict[str, Kind] = {}
    for row in rows:
        pupils = {p.participant.pupil_id for p in row.participants}
        disadvantaged = {p for p in pupils if p in facts and facts[p].disadvantaged}
        funded = any(s.source == FundingSource.PUPIL_PREMIUM for s in row.funding)
        # Kinds are counted for provision the premium paid for only: a row for one that
        # merely reached a disadvantaged pupil would tell governors that someone in a
        # (perhaps tiny) group is disadvantaged, whatever the hidden counts say.
        if funded:
            intervention = row.intervention
            label = AreaOfNeed(intervention.area).label
            subject = getattr(intervention.subject, "name", "")
            if intervention.area == AreaOfNeed.ACADEMIC and subject:
                label = f"Academic: {subject}"
            kind = kinds.setdefault(label, Kind(label))
            kind.interventions += 1
            kind.funded_by_pp += funded
        in_provision |= disadvantaged
        for p in row.participants:
            if p.participant.pupil_id in disadvantaged and p.participant.outcome:
                outcomes.setdefault(p.participant.pupil_id, set()).add(p.participant.outcome)
    known = [
        ("disadvantaged", lambda f: f.disadvantaged),
        (IN_PROVISION, lambda f: f.pupil_id in in_provision),
        (WITH_OUTCOME, lambda f: f.pupil_id in outcomes),
        (MET, lambda f: Outcome.MET in outcomes.get(f.pupil_id, ())),
    ]
    minimum = school.min_group_size
    _small, hidden = suppression([(p, "school") for p in facts], facts, known, min_size=minimum)
    counts = Counter(key for p in facts.values() for key, test in known if test(p))

    def shown(key: str) -> int | None:
        return None if key in hidden else counts[key]

    funding, _unfunded_planned, _unfunded_actual = overview.cost_by_funding(school, year, impacts)
    pp = next(f for f in funding if f.source == FundingSource.PUPIL_PREMIUM)
    return PupilPremiumProvision(
        year_name=year.name if year else "",
        minimum=minimum,
        on_roll=shown("disadvantaged"),
        in_provision=shown(IN_PROVISION),
        with_outcome=shown(WITH_OUTCOME),
        met=shown(MET),
        hidden=hidden,
        kinds=sorted(kinds.values(), key=lambda k: (-k.interventions, k.label)),
        interventions=sum(k.interventions for k in kinds.values()),
        pp_planned=pp.planned,
        pp_actual=pp.actual,
        pp_budget=pp.budget,
    )
