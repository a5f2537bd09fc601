"""UPN check letters."""

import pytest

from trackwell.pupils.upn import check_letter, is_valid_upn, make_upn


def test_made_upns_are_valid_and_13_characters() -> None:
    upn = make_upn(925, 2001, 2019, 7)
    assert len(upn) == 13
    assert upn[1:] == "925200119007"
    assert is_valid_upn(upn)


def test_check_letter_is_weighted_sum_mod_23() -> None:
    # 2*0 + 3*0 + ... weights 2..13 over "000000000001": 13*1 = 13 -> index 13 is "P".
    assert check_letter("000000000001") == "P"


@pytest.mark.parametrize("bad", ["", "A12345678901", "a925200119007", "Z92520011900!"])
def test_invalid_upns(bad: str) -> None:
    assert not is_valid_upn(bad)


def test_a_changed_digit_is_caught() -> None:
    upn = make_upn(925, 2001, 2019, 7)
    tampered = upn[:5] + ("1" if upn[5] != "1" else "2") + upn[6:]
    assert not is_valid_upn(tampered)
