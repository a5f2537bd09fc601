"""Unique Pupil Numbers: the DfE's 13-character identifier with a check letter."""

CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def check_letter(body: str) -> str:
    """The check letter for the 12 characters after it (digits; the last may be a letter)."""
    if len(body) != 12:
        raise ValueError("A UPN body has 12 characters")
    total = 0
    for weight, char in enumerate(body, start=2):
        value = int(char) if char.isdigit() else CHECK_LETTERS.index(char.upper())
        total += value * weight
    return CHECK_LETTERS[total % 23]


def is_valid_upn(upn: str) -> bool:
    """Whether `upn` is 13 characters with the right check letter."""
    # ASCII only: str.isdigit() also accepts digits such as "²" that int() refuses.
    if len(upn) != 13 or not upn.isascii() or upn[0] not in CHECK_LETTERS:
        return False
    if not upn[1:12].isdigit():
        return False
    last = upn[12]
    if not (last.isdigit() or last in CHECK_LETTERS):
        return False
    return check_letter(upn[1:]) == upn[0]


def make_upn(la: int, establishment: int, year: int, serial: int) -> str:
    """Build a valid permanent UPN from its parts."""
    body = f"{la:03d}{establishment:04d}{year % 100:02d}{serial:03d}"
    return check_letter(body) + body
