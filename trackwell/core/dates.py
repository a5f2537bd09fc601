"""Dates and times in English style in the school's time zone, for text built in Python."""

import datetime as dt

from django.utils import formats, timezone


def english_datetime(value: dt.datetime | None) -> str:
    """'1 December 2026, 06:39' in the school's time zone ('' for None)."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATETIME_FORMAT")


def english_time(value: dt.datetime | None) -> str:
    """'06:39' in the school's time zone ('' for None)."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.time_format(value, "TIME_FORMAT")
