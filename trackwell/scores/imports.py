"""Test results from a CSV, on the one import pipeline: a mapping step for the columns,
pupils matched by UPN or by name and date of birth, every raw mark converted in the
preview, and all or nothing on commit."""

from __future__ import annotations

from typing import Any

from django import forms

from trackwell.accounts import access
from trackwell.accounts.models import User
from trackwell.core.models import School
from trackwell.interop.mapping import Field, MappingSpec
from trackwell.interop.pipeline import (
    Change,
    FieldChange,
    ImportKind,
    Parsed,
    Plan,
    Problem,
    Table,
    register,
)
from trackwell.interop.values import clean_text, parse_date
from trackwell.pupils.models import Pupil

from . import queries, services
from .conversion import ConversionError
from .models import Test, TestResult, TestResultHistory

RESULT_FIELDS = MappingSpec(
    (
        Field("upn", "UPN", ("unique pupil number", "pupil upn")),
        Field("last_name", "Surname", ("legal surname", "last name", "family name", "lastname")),
        Field(
            "first_name", "First name", ("legal forename", "forename", "forenames", "given name")
        ),
        Field("date_of_birth", "Date of birth", ("dob", "d o b", "birth date", "birthdate")),
        Field(
            "raw_mark",
            "Raw mark",
            ("raw score", "raw", "mark", "marks", "score", "total", "total mark", "test mark"),
            required=True,
            help="The pupil's mark out of the test's maximum; blank if they did not sit it.",
        ),
    )
)


class ResultOptions(forms.Form):
    """Which test the file's marks are for."""

    test = forms.ModelChoiceField(queryset=Test.objects.none(), label="Test")

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school = school
        field = self.fields["test"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Test.objects.filter(school=school).select_related("subject")


def _name_key(first: str, last: str, born: str) -> tuple[str, str, str]:
    return (first.casefold(), last.casefold(), born)


class ResultsImport(ImportKind):
    """Raw marks on one of the school's tests."""

    slug = "results"
    label = "Test results (CSV)"
    help = (
        "A CSV of raw marks for one test: each pupil's UPN, or their first name, surname and "
        "date of birth, and their raw mark. Scores, bands and percentiles are worked out from "
        "the test's conversion table and thresholds. Importing again changes only the marks "
        "that differ, and every change is kept in the results' history."
    )
    mapping = RESULT_FIELDS
    options_form = ResultOptions
    manage = staticmethod(access.can_manage_tests)

    def options_from(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        test = cleaned.get("test")
        return {"test": test.pk if test is not None else None}

    def parse(self, data: Any, options: dict[str, Any]) -> Parsed:
        """Each row's pupil and raw mark; every bad cell a problem by row and column."""
        assert isinstance(data, Table)
        columns: dict[str, int] = options["columns"]
        headers = data.headers
        problems: list[Problem] = []
        rows: list[dict[str, Any]] = []
        by_name = {"first_name", "last_name", "date_of_birth"} <= set(columns)
        if "upn" not in columns and not by_name:
            problems.append(
                Problem(
                    "Choose a UPN column, or first name, surname and date of birth columns, "
                    "so each row can be matched to a pupil."
                )
            )
            return Parsed(data=[], errors=problems)
        for number, cells in data.rows:

            def cell(name: str, cells: list[str] = cells) -> str:
                index = columns.get(name)
                if index is None or index >= len(cells):
                    return ""
                return cells[index].strip()

            def bad(name: str, message: str, number: int = number) -> None:
                problems.append(Problem(message, number, headers[columns[name]]))

            row: dict[str, Any] = {"row": number, "raw_column": headers[columns["raw_mark"]]}
            row["upn"] = "".join(cell("upn").split()).upper()
            row["first_name"] = clean_text(cell("first_name"))
            row["last_name"] = clean_text(cell("last_name"))
            born = cell("date_of_birth")
            row["date_of_birth"] = ""
            if born:
                try:
                    row["date_of_birth"] = parse_date(born).isoformat()
                except ValueError as exc:
                    bad("date_of_birth", str(exc))
            if not row["upn"] and not (row["first_name"] and row["last_name"] and born):
                problems.append(
                    Problem(
                        "a row needs a UPN, or a first name, surname and date of birth.", number
                    )
                )
            raw = cell("raw_mark")
            try:
                row["raw_mark"] = services.parse_raw(raw)
            except ConversionError as exc:
                bad("raw_mark", str(exc))
                continue
            rows.append(row)
        if not rows and not problems:
            problems.append(Problem("The file has a header but no marks."))
        return Parsed(data=rows, errors=problems)

    def plan(self, school: School, data: Any, options: dict[str, Any]) -> Plan:
        """Match each row to a pupil and convert its mark; reads only."""
        plan = Plan()
        test = Test.objects.filter(school=school, pk=options.get("test") or 0).first()
        if test is None:
            plan.errors.append(Problem("Choose one of the school's tests."))
            return plan
        rows: list[dict[str, Any]] = data or []
        pupils = list(Pupil.objects.filter(school=school))
        by_upn = {p.upn: p for p in pupils}
        by_name: dict[tuple[str, str, str], list[Pupil]] = {}
        for p in pupils:
            key = _name_key(p.first_name, p.last_name, p.date_of_birth.isoformat())
            by_name.setdefault(key, []).append(p)
        existing = {r.pupil_id: r for r in TestResult.objects.filter(test=test)}
        conversion_rows = queries.rows_of(test)
        seen: dict[int, int] = {}
        for row in rows:
            pupil = by_upn.get(row["upn"]) if row["upn"] else None
            if row["upn"] and pupil is None:
                plan.errors.append(
                    Problem(f"no pupil of the school has UPN {row['upn']}.", row["row"])
                )
                continue
            if pupil is None:
                matches = by_name.get(
                    _name_key(row["first_name"], row["last_name"], row["date_of_birth"]), []
                )
                if len(matches) != 1:
                    who = f"{row['first_name']} {row['last_name']}"
                    plan.errors.append(
                        Problem(
                            f"no pupil called {who} with that date of birth."
                            if not matches
                            else f"{len(matches)} pupils are called {who} with that date of "
                            "birth: give their UPN.",
                            row["row"],
                        )
                    )
                    continue
                pupil = matches[0]
            if pupil.pk in seen:
                plan.errors.append(
                    Problem(f"{pupil.full_name} is also on row {seen[pupil.pk]}.", row["row"])
                )
                continue
            seen[pupil.pk] = row["row"]
            try:
                score, _ = services.score_for(
                    test, conversion_rows, row["raw_mark"], pupil.date_of_birth
                )
            except ConversionError as exc:
                plan.errors.append(Problem(str(exc), row["row"], row.get("raw_column")))
                continue
            old = existing.get(pupil.pk)
            old_raw = old.raw_mark if old else None
            if old_raw == row["raw_mark"]:
                continue
            if old is None and row["raw_mark"] is None:
                continue
            plan.changes.append(
                Change(
                    "create" if old is None or old.raw_mark is None else "change",
                    "result",
                    pupil.upn,
                    pupil.full_name,
                    fields=[
                        FieldChange("raw_mark", "Raw mark", old_raw, row["raw_mark"]),
                        FieldChange("score", "Score", old.score if old else None, score),
                    ],
                    row=row["row"],
                    data={"pupil": pupil.pk, "raw_mark": row["raw_mark"]},
                )
            )
        plan.context["test"] = test
        return plan

    def apply(
        self, *, user: User | None, school: School, plan: Plan, options: dict[str, Any]
    ) -> Test:
        """Write every mark through the results service (history kept, audit logged)."""
        test: Test = plan.context["test"]
        services.apply_results(
            user=user,
            test=test,
            marks={c.data["pupil"]: c.data["raw_mark"] for c in plan.changes},
            source=TestResultHistory.Source.IMPORT,
        )
        return test

    def result_url(self, result: Any) -> str | None:
        from django.urls import reverse

        return reverse("scores:test", args=[result.pk]) if result is not None else None

    def integrity_message(self, exc: Any) -> str:
        return (
            "A mark was saved by someone else while the file was being imported, so nothing "
            "was saved. Look at the preview again."
        )


register(ResultsImport())
