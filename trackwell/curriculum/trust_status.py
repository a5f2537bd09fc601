"""Which schools of a trust have adopted each shared framework, and at what version."""

from __future__ import annotations

from dataclasses import dataclass

from trackwell.core.models import School
from trackwell.curriculum.models import (
    Framework,
    SharedFramework,
)


@dataclass
class Adoption:
    """Where one school of the trust stands with one shared framework."""

    school: School
    copy: Framework | None
    publishes: bool
    latest_version: int

    @property
    def up_to_date(self) -> bool:
        return self.copy is not None and (self.copy.shared_version or 0) >= self.latest_version

    @property
    def status(self) -> str:
        if self.publishes:
            return "publishes it"
        if self.copy is None:
            return "not adopted"
        if self.up_to_date:
            return f"version {self.copy.shared_version}, up to date"
        return (
            f"version {self.copy.shared_version}; version {self.latest_version} "
            "is waiting for the school to review"
        )


@dataclass
class SharedStatus:
    shared: SharedFramework
    adoptions: list[Adoption]


def trust_adoptions(trust_id: int, schools: list[School]) -> list[SharedStatus]:
    """Each framework the trust shares and where each of its schools stands: two queries."""
    shared = list(
        SharedFramework.objects.filter(trust_id=trust_id).select_related(
            "source_school", "source_framework"
        )
    )
    copies: dict[tuple[int, int], Framework] = {}
    for f in Framework.objects.filter(school__in=schools, shared_source__in=shared).select_related(
        "subject"
    ):
        assert f.shared_source_id is not None
        copies[(f.shared_source_id, f.school_id)] = f
    return [
        SharedStatus(
            s,
            [
                Adoption(
                    school,
                    copies.get((s.pk, school.pk)),
                    s.source_school_id == school.pk,
                    s.latest_version,
                )
                for school in schools
            ],
        )
        for s in shared
    ]
