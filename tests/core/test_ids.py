"""Ids from query strings and forms: anything not an id is None, never an exception."""

import pytest

from trackwell.core.ids import MAX_ID, parse_id, parse_ids


@pytest.mark.parametrize(
    "raw",
    [None, "", " ", "abc", "0", "-1", "1.5", "9" * 5000, str(2**63), "٣", "²", "1e3", True, 0],
)
def test_what_is_not_an_id_is_none(raw: object) -> None:
    assert parse_id(raw) is None


@pytest.mark.parametrize(("raw", "value"), [("1", 1), (" 42 ", 42), (str(MAX_ID), MAX_ID), (7, 7)])
def test_ids(raw: object, value: int) -> None:
    assert parse_id(raw) == value


def test_a_list_of_ids_is_refused_whole_when_one_is_not_an_id() -> None:
    assert parse_ids(["1", "2"]) == [1, 2]
    assert parse_ids([]) == []
    assert parse_ids(["1", "9" * 5000]) is None
