"""The demo's provision plans: the interventions, rates, targets and strategies it sets up.

Each plan is one intervention as a school would write it: who it is for, how often and
for how long, who delivers it, how it is funded and what measures its effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trackwell.provision import builtin
from trackwell.provision.models import Status

TA_RATE = Decimal("14.20")
TEACHER_RATE = Decimal("31.50")
SENCO_RATE = Decimal("37.00")
EXTERNAL_RATE = Decimal("45.00")


@dataclass(frozen=True)
class Plan:
    name: str
    area: str
    years: tuple[int, ...]
    pupils: int
    measure: str  # a builtin key, "reading_age", "sub_levels", "fine_motor" or "grid:<subject>"
    per_week: int
    minutes: int
    weeks: int
    start_days_ago: int  # before the demo's today
    status: str
    who: str  # "ta", "teacher", "senco" or "external"
    funding: tuple[tuple[str, int], ...]
    resources: int = 0
    time_of_day: str = ""
    description: str = ""


PLANS = (
    Plan(
        "Reading catch-up (precision teaching)",
        "cognition",
        (3,),
        4,
        "reading_age",
        3,
        20,
        8,
        74,
        Status.EVALUATED,
        "ta",
        (("pupil_premium", 100),),
        60,
        "morning",
        "Short daily bursts on high-frequency words and fluency, with a reading book matched to "
        "the pupil's phonics.",
    ),
    Plan(
        "Number sense group",
        "academic",
        (4,),
        5,
        "grid:maths",
        3,
        25,
        8,
        30,
        Status.RUNNING,
        "ta",
        (("pupil_premium", 100),),
        40,
        "afternoon",
        "Place value and number facts with concrete resources, on the class's shared gaps.",
    ),
    Plan(
        "Spelling booster",
        "cognition",
        (5,),
        5,
        "sub_levels",
        2,
        30,
        10,
        85,
        Status.EVALUATED,
        "teacher",
        (("pupil_premium", 50), ("sen_notional", 50)),
        0,
        "afternoon",
        "Spelling patterns taught explicitly, with a look-say-cover-write-check routine.",
    ),
    Plan(
        "Phonics keep-up",
        "academic",
        (1,),
        5,
        "grid:reading",
        5,
        15,
        6,
        21,
        Status.RUNNING,
        "teacher",
        (("pupil_premium", 100),),
        0,
        "morning",
        "Same-day keep-up on the sounds taught in the class's phonics lesson.",
    ),
    Plan(
        "Talk group (language for learning)",
        "communication",
        (0, 1),
        4,
        builtin.INVOLVEMENT,
        2,
        30,
        10,
        40,
        Status.RUNNING,
        "ta",
        (("sen_notional", 100),),
        25,
        "morning",
        "Vocabulary, listening and turn-taking games in a small group.",
    ),
    Plan(
        "Social communication group",
        "communication",
        (3,),
        4,
        "leuven_both",
        1,
        45,
        6,
        70,
        Status.ENDED,
        "senco",
        (("sen_notional", 100),),
        0,
        "afternoon",
        "Structured play with building bricks, taking turns in agreed roles.",
    ),
    Plan(
        "Nurture breakfast club",
        "semh",
        (2, 3, 4),
        6,
        builtin.WELLBEING,
        5,
        30,
        12,
        50,
        Status.RUNNING,
        "ta",
        (("pupil_premium", 70), ("other", 30)),
        150,
        "before",
        "A calm start to the day with breakfast, a check-in and a settling activity.",
    ),
    Plan(
        "Emotional literacy support",
        "semh",
        (5,),
        2,
        builtin.WELLBEING,
        1,
        40,
        8,
        80,
        Status.EVALUATED,
        "external",
        (("top_up", 100),),
        0,
        "afternoon",
        "One-to-one sessions on naming and managing feelings, from a trained practitioner.",
    ),
    Plan(
        "Lunchtime friendship group",
        "semh",
        (4,),
        4,
        builtin.WELLBEING,
        2,
        20,
        6,
        -5,
        Status.PLANNED,
        "ta",
        (("pupil_premium", 100),),
        0,
        "lunchtime",
        "A small group at lunchtime for pupils finding playtimes hard.",
    ),
    Plan(
        "Fine motor skills group",
        "sensory",
        (1, 2),
        5,
        "fine_motor",
        3,
        15,
        8,
        80,
        Status.EVALUATED,
        "ta",
        (("sen_notional", 100),),
        35,
        "afternoon",
        "Threading, cutting, pegboards and letter formation in short daily practice.",
    ),
    Plan(
        "Sensory circuit",
        "sensory",
        (3, 4),
        6,
        builtin.INVOLVEMENT,
        5,
        15,
        10,
        60,
        Status.RUNNING,
        "ta",
        (("sen_notional", 60), ("top_up", 40)),
        80,
        "morning",
        "Alerting, organising and calming activities before the first lesson.",
    ),
    Plan(
        "Year 6 maths boost",
        "academic",
        (6,),
        6,
        "grid:maths",
        2,
        45,
        8,
        28,
        Status.RUNNING,
        "teacher",
        (("pupil_premium", 100),),
        0,
        "after",
        "After-school group on the year's key objectives not yet secure.",
    ),
)

STRATEGIES = (
    ("Visual timetable", "communication", "On the board every morning, referred to at changes."),
    ("Word banks on tables", "cognition", "Key vocabulary with pictures for each topic."),
    ("Pre-teaching of key vocabulary", "cognition", "Before new topics, for pupils who need it."),
    ("Writing frames", "cognition", "Sentence starters and structure for longer writing."),
    ("Concrete resources in maths", "cognition", "Base ten, counters and number lines to hand."),
)
PERSONAL = (
    ("Movement breaks", "sensory", "A job that takes them out of the room twice a morning."),
    ("Ear defenders available", "sensory", "For busy times and assemblies."),
    ("Seat near the front", "sensory", "Close to the board and the teacher's voice."),
    ("Check-in with a trusted adult", "semh", "First thing, before the register."),
)

TARGETS = {
    "cognition": "To read and spell the agreed words accurately in class work.",
    "communication": "To take turns and listen to others in a small-group game.",
    "semh": "To settle quickly at the start of the day and ask an adult for help when worried.",
    "sensory": "To hold a pencil with a tripod grip and form letters of a steady size.",
}
