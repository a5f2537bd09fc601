"""Writes of people through the API: the MIS pupils sync and staff accounts."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from trackwell.accounts.models import Role
from trackwell.accounts.services import STAFF_ROLES
from trackwell.api.mis_sync import MAX_RECORDS

MAX_CELL = 1000  # as the import's limit on a spreadsheet cell

# The roles an API key may give, change or take away: those an MIS sync keeps in step.
# Accounts that reach the whole school (admins, leaders, SENCOs, governors) are made and
# changed only in the web app by a school admin, so a key can never raise an account
# above a class's staff nor take over or lock out the people who manage keys.
API_STAFF_ROLES = [(v, label) for v, label in STAFF_ROLES if v in (Role.TEACHER, Role.TA)]


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "maxLength": MAX_CELL},
            {"type": "integer"},
            {"type": "boolean"},
        ],
        "nullable": True,
    }
)
class CellField(serializers.Field):
    """A value as an MIS writes it: text, a number or true/false; null is blank.

    Read exactly as the CSV import reads the same cell (dates as yyyy-mm-dd or
    dd/mm/yyyy, years as R or 1-13, SEN as N/K/E, yes/no as true/false, Y/N, ...).
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or data is None:
            return data
        if isinstance(data, int):
            if abs(data) > 10**9:
                raise serializers.ValidationError("The number is too large.")
            return data
        if isinstance(data, str):
            if len(data) > MAX_CELL:
                raise serializers.ValidationError(f"At most {MAX_CELL:,} characters.")
            return data
        raise serializers.ValidationError("Expected text, a whole number, true or false.")

    def to_representation(self, value: Any) -> Any:
        return value


class PupilRecordSerializer(serializers.Serializer[dict[str, Any]]):
    """One pupil as the MIS has them; the same fields as the MIS CSV import's columns."""

    upn = CellField(help_text="Unique pupil number (13 characters); pupils are matched by it.")
    last_name = CellField(help_text="Legal surname.")
    first_name = CellField(help_text="Legal forename.")
    date_of_birth = CellField(help_text="yyyy-mm-dd (or dd/mm/yyyy).")
    sex = CellField(help_text="M or F.")
    nc_year = CellField(help_text="National curriculum year: R (or 0) to 13.")
    class_name = CellField(
        help_text="Registration group: matched by name in the current year, or created."
    )
    fsm = CellField(help_text="Free school meals: true or false.")
    disadvantaged = CellField(help_text="Pupil premium: true or false.")
    sen_status = CellField(help_text="N (none), K (SEN support) or E (EHC plan).")
    eal = CellField(help_text="English as an additional language: true or false.")
    first_language = CellField(help_text="EAL is worked out from it when `eal` is not sent.")
    looked_after = CellField(help_text="Looked after: true or false.")

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, dict):
            unknown = sorted(str(k) for k in data if k not in self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {name: "Not a field of a pupil record." for name in unknown[:20]}
                )
        value: dict[str, Any] = super().to_internal_value(data)
        return value


class PupilSyncSerializer(serializers.Serializer[dict[str, Any]]):
    pupils = serializers.ListField(
        child=PupilRecordSerializer(),
        allow_empty=False,
        max_length=MAX_RECORDS,
        help_text=f"Up to {MAX_RECORDS:,} pupils; every record sends the same fields.",
    )
    full_roll = serializers.BooleanField(
        default=False,
        help_text="The records are the whole roll: pupils not in them are marked as left "
        "(never deleted).",
    )
    left_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The leaving date for those pupils (default: today).",
    )
    dry_run = serializers.BooleanField(
        default=False, help_text="Return the plan without writing anything."
    )
    plan_digest = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=64,
        help_text="A dry run's `digest`: write only if the plan is still exactly that one "
        "(else 409).",
    )


class StaffWriteSerializer(serializers.Serializer[dict[str, Any]]):
    """A member of staff as a school admin sets them on the staff pages."""

    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    email = serializers.CharField(max_length=254)
    role = serializers.ChoiceField(
        choices=API_STAFF_ROLES,
        help_text="teacher or ta; other roles are given in the web app by a school admin.",
    )
    classes = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62),
        required=False,
        max_length=200,
        help_text="Ids of the classes they work with (teachers and teaching assistants).",
    )


class StaffCreateSerializer(StaffWriteSerializer):
    invite = serializers.BooleanField(
        default=True, help_text="Email them a one-time link to set their password."
    )


class StaffUpdateSerializer(serializers.Serializer[dict[str, Any]]):
    """Any of the fields to change, and the version you last read."""

    version = serializers.IntegerField(min_value=0, max_value=2**31)
    first_name = serializers.CharField(max_length=150, required=False)
    last_name = serializers.CharField(max_length=150, required=False)
    email = serializers.CharField(max_length=254, required=False)
    role = serializers.ChoiceField(
        choices=API_STAFF_ROLES,
        required=False,
        help_text="teacher or ta; other roles are given in the web app by a school admin.",
    )
    classes = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62),
        required=False,
        max_length=200,
    )
    is_active = serializers.BooleanField(
        required=False, help_text="false deactivates the account (signed out at once)."
    )
