"""Fixtures for the import tests: MIS files written the way MIS exports write them."""

from collections.abc import Sequence

from trackwell.pupils.upn import make_upn

SIMS_HEADER = [
    "UPN",
    "Legal Surname",
    "Legal Forename",
    "DOB",
    "Gender",
    "Year",
    "Reg Group",
    "FSM Eligible",
    "Pupil Premium Indicator",
    "SEN Status",
    "First Language",
    "In Care",
]


def upn(serial: int) -> str:
    """A valid UPN for the test school's LA (820) and establishment (2001)."""
    return make_upn(820, 2001, 19, serial)


def sims_row(serial: int, surname: str, forename: str, **cells: str) -> list[str]:
    row = {
        "UPN": upn(serial),
        "Legal Surname": surname,
        "Legal Forename": forename,
        "DOB": "14/03/2018",
        "Gender": "F",
        "Year": "Year 3",
        "Reg Group": "3 Willow",
        "FSM Eligible": "N",
        "Pupil Premium Indicator": "N",
        "SEN Status": "N",
        "First Language": "English",
        "In Care": "F",
    }
    row.update(cells)
    return [row[h] for h in SIMS_HEADER]


def csv_bytes(
    rows: Sequence[Sequence[str]],
    header: Sequence[str] = SIMS_HEADER,
    *,
    crlf: bool = True,
    bom: bool = True,
) -> bytes:
    """A CSV as Excel writes it: quoted where needed, CRLF, a byte-order mark."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(header)
    writer.writerows(rows)
    text = out.getvalue()
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")
