"""Values as English school systems spell them: yes/no, dates, SEN, year groups, sex.

Each reader returns the value, or raises ValueError with a message that says
what was expected; the importer adds the row and column.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from trackwell.pupils.models import SenStatus, Sex

YES = {"yes", "y", "true", "t", "1", "x", "✓", "eligible"}
NO = {"no", "n", "false", "f", "0", "", "not eligible", "-"}


def clean_text(value: str) -> str:
    """A name or label: Unicode in its composed form, spaces collapsed, control characters out."""
    value = unicodedata.normalize("NFC", value)
    value = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C" or ch == " ")
    # Curly apostrophes as Excel and MIS exports write them become the plain one.
    value = value.replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(value.split())


def parse_bool(value: str) -> bool:
    """Yes/No, Y/N, T/F, True/False, 1/0 (blank is no)."""
    key = value.strip().lower()
    if key in YES:
        return True
    if key in NO:
        return False
    raise ValueError(f"{value!r} should be yes or no (Yes/No, Y/N, T/F, True/False or 1/0).")


MONTHS = {
    m: n
    for n, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}


def parse_date(value: str) -> date:
    """A date as dd/mm/yyyy (English order, also with - or .), ISO yyyy-mm-dd, or 1 Sep 2019."""
    text = value.strip()
    if "T" in text and re.match(r"^\d{4}-\d{2}-\d{2}T", text):
        text = text.split("T", 1)[0]  # ISO date-time, as OneRoster and CTF may write it
    text = text.split(" ")[0] if re.match(r"^\d{1,4}[/.-]\d", text) else text
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := re.fullmatch(r"(\d{1,2})[ -]([A-Za-z]+)[ -](\d{4})", text):
            month = MONTHS.get(m[2].lower())
            if month:
                return date(int(m[3]), month, int(m[1]))
    except ValueError:
        raise ValueError(f"{value!r} is not a real date.") from None
    raise ValueError(f"{value!r} is not a date (write it as dd/mm/yyyy or yyyy-mm-dd).")


def _sen_key(value: str) -> str:
    """SEN text as compared: lower case, letters only, single spaces, no "and"."""
    key = re.sub(r"[^a-z ]", " ", value.strip().lower())
    return " ".join(w for w in key.split() if w != "and")


SEN_CODES = {
    "n": SenStatus.NONE,
    "k": SenStatus.SUPPORT,
    "e": SenStatus.EHCP,
    # School Action and School Action Plus ended in 2014; their pupils became SEN support.
    "a": SenStatus.SUPPORT,
    "p": SenStatus.SUPPORT,
    # A statement of SEN was replaced by an EHC plan.
    "s": SenStatus.EHCP,
}
SEN_WORDS = {
    _sen_key(words): status
    for status, spellings in (
        (
            SenStatus.NONE,
            ("none", "no", "no sen", "no special educational needs", "not sen", "no send", ""),
        ),
        (
            SenStatus.SUPPORT,
            (
                "sen support",
                "support",
                "send support",
                "k sen support",
                "school action",
                "school action plus",
            ),
        ),
        (
            SenStatus.EHCP,
            (
                "ehc",
                "ehcp",
                "ehc plan",
                "education health and care plan",
                "education, health and care plan",
                "education health care plan",
                "statement",
                "statement of sen",
                "statement of special educational needs",
            ),
        ),
    )
    for words in spellings
}


def parse_sen(value: str) -> str:
    """SEN status as N/K/E (and the older A/P/S), in words, or both ("K - SEN Support")."""
    key = _sen_key(value)
    if key in SEN_CODES:
        return str(SEN_CODES[key])
    if key in SEN_WORDS:
        return str(SEN_WORDS[key])
    # Arbor and SIMS reports write the code and its words: "E - Education, Health and Care Plan".
    m = re.fullmatch(r"\s*([A-Za-z])\s*[-\u2013\u2014:]\s*(.+)", value)
    if m and m[1].lower() in SEN_CODES:
        code = SEN_CODES[m[1].lower()]
        words = SEN_WORDS.get(_sen_key(m[2]))
        if words is None or words == code:
            return str(code)
        raise ValueError(
            f"{value!r} gives two SEN statuses: {m[1].upper()} is {code.label}, "
            f"but the words say {words.label}."
        )
    raise ValueError(
        f"{value!r} is not an SEN status (use N for none, K for SEN support, E for an EHC plan)."
    )


RECEPTION = {
    "r",
    "yr",
    "rec",
    "reception",
    "yr r",
    "year r",
    "y r",
    "0",
    "y0",
    "yr 0",
    "year 0",
    "fs2",
    "f2",
    "foundation 2",
    "foundation stage 2",
}
# Nursery (and earlier early-years) groups, as MIS exports spell them.
NURSERY = {
    "n",
    "n1",
    "n2",
    "nursery",
    "nursery 1",
    "nursery 2",
    "nur",
    "fs1",
    "f1",
    "foundation 1",
    "foundation stage 1",
    "e1",
    "e2",
    "year n",
    "yn",
}


def parse_year(value: str) -> int:
    """A national curriculum year: R, YR, Year R, Reception, Rec, 0, 3, Y3, Yr 3, Year 3, NC3.

    Reception to Year 13: the pupil record has no nursery year, so a nursery group
    (N1, N2, Nursery, FS1) is refused with a message saying so.
    """
    key = " ".join(value.strip().lower().replace(".", " ").split())
    if key in RECEPTION:
        return 0
    if key in NURSERY:
        raise ValueError(
            f"{value!r} is a nursery year; Trackwell keeps pupils from Reception to Year 13, "
            "so leave nursery pupils out of the file."
        )
    m = re.fullmatch(r"(?:year|yr|y|nc|nc year|ncy)?\s*(\d{1,2})", key)
    if m and 0 <= int(m[1]) <= 13:
        return int(m[1])
    raise ValueError(f"{value!r} is not a year group (use R or Reception, or 1 to 13).")


def parse_sex(value: str) -> str:
    """Sex as M/F, Male/Female or Boy/Girl."""
    key = value.strip().lower()
    if key in {"m", "male", "boy", "b"}:
        return str(Sex.MALE)
    if key in {"f", "female", "girl", "g"}:
        return str(Sex.FEMALE)
    raise ValueError(f"{value!r} should be M or F (Male or Female).")


ENGLISH = {
    "eng",
    "english",
    "enb",
    "believed to be english",
    "english (believed to be)",
}


UNKNOWN_LANGUAGE = {"", "not known", "nk", "not", "information not obtained", "ref", "refused"}


def eal_from_language(value: str) -> bool | None:
    """Whether a first language means English as an additional language.

    None when the language is not given (blank, not known, refused): that says nothing
    about EAL, so an import leaves the pupil's EAL as it is.
    """
    key = value.strip().lower()
    if key in UNKNOWN_LANGUAGE:
        return None
    return key not in ENGLISH
