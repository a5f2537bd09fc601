"""Values on measures: reading what people type, showing values, and working out outcomes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from trackwell.provision.models import Measure, MeasureKind, MeasureStep, Outcome, TargetKind


def _steps(measure: Measure) -> Sequence[MeasureStep]:
    cached = getattr(measure, "_step_cache", None)
    if cached is None:
        cached = list(measure.steps.all())
        measure._step_cache = cached  # type: ignore[attr-defined]
    return cached


LARGEST = Decimal("999999")


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite():
        return None
    if abs(value) > LARGEST:
        raise ValidationError(f"'{text.strip()}' is larger than any measure Trackwell keeps.")
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def parse_value(measure: Measure, raw: str | int | Decimal | None) -> Decimal | None:
    """A typed value on the measure as a number (an ordinal step's position); empty is None."""
    if raw is None:
        return None
    text = str(raw).strip()
    if text == "":
        return None
    if measure.kind == MeasureKind.ORDINAL:
        steps = _steps(measure)
        for step in steps:
            if step.label.lower() == text.lower():
                return Decimal(step.position)
        allowed = ", ".join(s.label for s in steps)
        raise ValidationError(
            f"'{text}' is not a step of {measure.name} (its steps are {allowed})."
        )
    if measure.unit and text.lower().endswith(measure.unit.lower()):
        text = text[: -len(measure.unit)].strip()  # '92 months', as the map shows it
    value = _number(text)
    if value is None:
        raise ValidationError(f"'{text}' is not a number, as {measure.name} needs.")
    if measure.kind == MeasureKind.OBJECTIVES:
        if value < 0 or value != value.to_integral_value():
            raise ValidationError(f"'{text}' is not a count of objectives secured.")
        return value
    if measure.min_value is not None and value < measure.min_value:
        raise ValidationError(
            f"{text} is below {measure.name}'s lowest value, {measure.min_value}."
        )
    if measure.max_value is not None and value > measure.max_value:
        raise ValidationError(
            f"{text} is above {measure.name}'s highest value, {measure.max_value}."
        )
    return value


def _plain(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return f"{value.normalize():f}"


def format_value(measure: Measure, value: Decimal | None) -> str:
    """A value as the school writes it: the step's label, or the number with its unit."""
    if value is None:
        return ""
    if measure.kind == MeasureKind.ORDINAL:
        for step in _steps(measure):
            if step.position == value:
                return step.label
        return _plain(value)
    text = _plain(value)
    return f"{text} {measure.unit}" if measure.unit else text


def input_value(measure: Measure, value: Decimal | None) -> str:
    """A value as it would be typed back into a form: the step's label, or the bare number."""
    if value is None:
        return ""
    if measure.kind == MeasureKind.ORDINAL:
        return format_value(measure, value)
    return _plain(value)


def format_change(measure: Measure, change: Decimal | None) -> str:
    """A change as '+2 steps', '-3 months', '+1 objective'."""
    if change is None:
        return ""
    sign = "+" if change > 0 else ""
    number = _plain(change)
    if measure.kind == MeasureKind.ORDINAL:
        unit = "step" if abs(change) == 1 else "steps"
    elif measure.kind == MeasureKind.OBJECTIVES:
        unit = "objective" if abs(change) == 1 else "objectives"
    else:
        unit = measure.unit
    return f"{sign}{number} {unit}".strip()


_CHANGE = re.compile(r"^\+\s*(\d+(?:\.\d+)?)\s*([a-z ]*)$", re.IGNORECASE)
_SECURE = re.compile(
    r"^secure\s+(\d+)(?:\s+(?:of|out of)\s+(?:these\s+|the\s+)?(\d+))?(?:\s+objectives?)?$",
    re.IGNORECASE,
)
_REACH = re.compile(r"^(?:reach|at least|to)\s+(.+)$", re.IGNORECASE)


def parse_target(measure: Measure, raw: str) -> tuple[str, Decimal | None]:
    """A target as typed ('+1 step', 'reach 4', '2a', '+5 points', 'secure 3 of 5')."""
    text = " ".join(str(raw or "").split())
    if text == "":
        return "", None
    change = _CHANGE.match(text)
    if change:
        amount = _number(change.group(1))
        if amount is None:
            raise ValidationError(f"'{text}' is not a target we can read.")
        return TargetKind.CHANGE, amount
    secure = _SECURE.match(text)
    if secure:
        if measure.kind != MeasureKind.OBJECTIVES:
            raise ValidationError(
                f"'{text}' is a target on objectives, but {measure.name} is not read from the grid."
            )
        count = _number(secure.group(1))
        if count is None:
            raise ValidationError(f"'{text}' is not a target we can read.")
        return TargetKind.REACH, count
    reach = _REACH.match(text)
    value_text = reach.group(1) if reach else text
    try:
        value = parse_value(measure, value_text)
    except ValidationError as exc:
        raise ValidationError(
            f"'{text}' is not a target we can read: write a gain such as '+1' or '+5', "
            f"or a value to reach such as 'reach {_example(measure)}'. ({exc.messages[0]})"
        ) from exc
    return TargetKind.REACH, value


def _example(measure: Measure) -> str:
    if measure.kind == MeasureKind.ORDINAL:
        steps = _steps(measure)
        return steps[-1].label if steps else "4"
    return _plain(measure.max_value) if measure.max_value is not None else "100"


def format_target(measure: Measure, kind: str, amount: Decimal | None) -> str:
    """A target as the school would write it."""
    if not kind or amount is None:
        return ""
    if kind == TargetKind.CHANGE:
        return format_change(measure, amount)
    if measure.kind == MeasureKind.OBJECTIVES:
        return f"secure {_plain(amount)}"
    return f"reach {input_value(measure, amount)}"


def work_out_outcome(
    entry: Decimal | None, exit: Decimal | None, kind: str, amount: Decimal | None
) -> str:
    """Met when the target is reached; partly met when there is a gain short of it; else not met.

    Without an entry and an exit value there is no outcome yet (an empty string).
    Without a target, any gain counts as partly met: a SENCO would not call it met.
    """
    if entry is None or exit is None:
        return ""
    change = exit - entry
    if kind == TargetKind.CHANGE and amount is not None:
        reached = change >= amount
    elif kind == TargetKind.REACH and amount is not None:
        reached = exit >= amount
    else:
        reached = False
    if reached:
        return Outcome.MET
    if change > 0:
        return Outcome.PARTLY
    return Outcome.NOT_MET


def combine_outcomes(outcomes: Sequence[str]) -> str:
    """A participant's outcome across measures: met if all met, not met if none gained."""
    known = [o for o in outcomes if o]
    if not known:
        return ""
    if all(o == Outcome.MET for o in known):
        return Outcome.MET
    if all(o == Outcome.NOT_MET for o in known):
        return Outcome.NOT_MET
    return Outcome.PARTLY


OUTCOME_WORDS = {
    "met": Outcome.MET,
    "achieved": Outcome.MET,
    "yes": Outcome.MET,
    "partly met": Outcome.PARTLY,
    "partly": Outcome.PARTLY,
    "partially met": Outcome.PARTLY,
    "partially": Outcome.PARTLY,
    "not met": Outcome.NOT_MET,
    "no": Outcome.NOT_MET,
    "not yet": Outcome.NOT_MET,
}


def parse_outcome(raw: str) -> str | None:
    """An outcome as written in a spreadsheet ('Met', 'Partly met', 'Not met'); None if unknown."""
    text = " ".join(str(raw or "").lower().replace("_", " ").split())
    if text == "":
        return ""
    return OUTCOME_WORDS.get(text)
