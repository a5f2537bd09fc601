"""The default depth scale and the framework library that ships with Trackwell."""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from trackwell.core.models import School
from trackwell.curriculum.models import (
    Framework,
    Objective,
    RatingLevel,
    RatingScale,
    Strand,
    Subject,
)
from trackwell.pupils.models import nc_year_label

LIBRARY_DIR = Path(__file__).resolve().parent / "library"

# (value, code, label, descriptor, counts as secure, greater depth)
DEPTH_SCALE = [
    (
        0,
        "0",
        "Taught, limited understanding",
        "Has met the objective in lessons but cannot yet use it without a lot of help.",
        False,
        False,
    ),
    (
        1,
        "1",
        "Developing",
        "Can use it with support, prompts or a worked example; errors are common.",
        False,
        False,
    ),
    (
        2,
        "2",
        "Secure",
        "Uses it correctly and independently, in familiar and some new contexts.",
        True,
        False,
    ),
    (
        3,
        "3",
        "Greater depth",
        "Applies it flexibly, explains and reasons with it, and spots and fixes misconceptions.",
        True,
        True,
    ),
]

LIBRARY_SUBJECTS = [
    ("maths", "Maths"),
    ("reading", "Reading"),
    ("writing", "Writing"),
    ("science", "Science"),
    ("history", "History"),
]


def create_depth_scale(school: School) -> RatingScale:
    """The default 0-3 depth-of-learning scale for a school (created once)."""
    scale, created = RatingScale.objects.get_or_create(
        school=school,
        name="Depth of learning",
        defaults={
            "description": (
                "0 taught with limited understanding, 1 developing, 2 secure, 3 greater depth."
            )
        },
    )
    if created:
        RatingLevel.objects.bulk_create(
            RatingLevel(
                school=school,
                scale=scale,
                value=v,
                code=c,
                label=lab,
                descriptor=d,
                counts_as_secure=sec,
                is_greater_depth=gd,
            )
            for v, c, lab, d, sec, gd in DEPTH_SCALE
        )
    return scale


@dataclass
class LibraryRow:
    year: int
    strand: str
    code: str
    statement: str
    key: bool
    tags: list[str] = field(default_factory=list)


def _library_year(text: str) -> int:
    """The NC year of a library row: 'R' is Reception (0), otherwise 1-6."""
    value = text.strip().upper()
    return 0 if value == "R" else int(value)


def read_library(subject_slug: str) -> list[LibraryRow]:
    """Rows of one subject's library CSV, in teaching order."""
    path = LIBRARY_DIR / f"{subject_slug}.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            LibraryRow(
                year=_library_year(r["year"]),
                strand=r["strand"].strip(),
                code=r["code"].strip(),
                statement=r["statement"].strip(),
                key=r["key"].strip().lower() == "yes",
                tags=[t.strip() for t in r["tags"].split(";") if t.strip()],
            )
            for r in csv.DictReader(handle)
        ]


@transaction.atomic
def adopt_library_subject(
    school: School, slug: str, name: str, scale: RatingScale, order: int = 0
) -> Subject:
    """Create a subject with the library's frameworks for every year it covers."""
    subject, _ = Subject.objects.get_or_create(
        school=school, slug=slugify(slug), defaults={"name": name, "order": order}
    )
    rows = read_library(slug)
    for year in sorted({r.year for r in rows}):
        framework, created = Framework.objects.get_or_create(
            school=school,
            subject=subject,
            nc_year=year,
            defaults={"name": f"{name} {nc_year_label(year)}", "scale": scale},
        )
        if not created:
            continue
        strands: dict[str, Strand] = {}
        objectives = []
        for order_in_year, row in enumerate(r for r in rows if r.year == year):
            if row.strand not in strands:
                strands[row.strand] = Strand.objects.create(
                    school=school, framework=framework, name=row.strand, order=len(strands)
                )
            objectives.append(
                Objective(
                    school=school,
                    framework=framework,
                    strand=strands[row.strand],
                    code=row.code,
                    statement=row.statement,
                    order=order_in_year,
                    is_key=row.key,
                    tags=row.tags,
                )
            )
        Objective.objects.bulk_create(objectives)
    return subject
