"""The framework library: the national curriculum frameworks that ship with Trackwell,
adopted by a school in one step."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from trackwell.accounts.models import User
from trackwell.core.models import School
from trackwell.curriculum.defaults import (
    LIBRARY_DIR,
    LIBRARY_SUBJECTS,
    create_depth_scale,
    read_library,
)
from trackwell.curriculum.framework_spec import FrameworkSpec, ObjectiveSpec, StrandSpec
from trackwell.curriculum.models import (
    Framework,
    RatingScale,
)
from trackwell.curriculum.phases import YearPhase
from trackwell.curriculum.sync import apply_spec, plan_framework
from trackwell.pupils.models import nc_year_label

# ---------------------------------------------------------------------------
# The framework library


def library_subjects() -> list[tuple[str, str, list[int]]]:
    """(slug, name, years) of every subject whose CSV ships in the library."""
    names = dict(LIBRARY_SUBJECTS)
    found = []
    for path in sorted(LIBRARY_DIR.glob("*.csv")):
        try:
            years = sorted({row.year for row in read_library(path.stem)})
        except (KeyError, ValueError, OSError):
            continue  # a file still being written, or not in the library's layout
        found.append((path.stem, names.get(path.stem, path.stem.replace("-", " ").title()), years))
    return found


def library_spec(slug: str, name: str, year: int) -> FrameworkSpec:
    """One year of a library subject as a framework spec."""
    rows = [r for r in read_library(slug) if r.year == year]
    strands: list[StrandSpec] = []
    for row in rows:
        if row.strand not in [s.name for s in strands]:
            strands.append(StrandSpec(name=row.strand))
    keys = {s.name: s.key for s in strands}
    rows.sort(key=lambda r: [s.name for s in strands].index(r.strand))
    return FrameworkSpec(
        subject=name,
        year=YearPhase(year),
        name=f"{name} {nc_year_label(year)}",
        strands=strands,
        objectives=[
            ObjectiveSpec(
                code=r.code,
                statement=r.statement,
                strand=keys[r.strand],
                is_key=r.key,
                tags=r.tags,
                where=f"{slug}.csv",
            )
            for r in rows
        ],
        where=f"{name} {nc_year_label(year)}",
    )


def adopt_from_library(
    *, user: User, school: School, slug: str, years: Iterable[int], scale: RatingScale | None
) -> list[Framework]:
    """Copy library frameworks into the school; years it already has are left alone."""
    available = {s: (n, y) for s, n, y in library_subjects()}
    if slug not in available:
        raise ValidationError("That subject is not in the library.")
    name, library_years = available[slug]
    chosen = sorted(set(years) & set(library_years))
    if not chosen:
        raise ValidationError("Choose at least one year the library has for this subject.")
    adopted = []
    with transaction.atomic():
        if scale is None:
            scale = create_depth_scale(school)
        for year in chosen:
            spec = library_spec(slug, name, year)
            plan = plan_framework(school, spec)
            if plan.framework is not None:
                continue
            framework, _ = apply_spec(
                user=user,
                school=school,
                spec=spec,
                scale=scale,
                action="framework.adopt_library",
                source=f"library:{slug}",
            )
            adopted.append(framework)
    return adopted
