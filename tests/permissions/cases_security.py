"""Permission matrix: two-step sign-in, sign-in help, security settings, subject access."""

from typing import Any

from tests.factories import World
from tests.permissions.matrix import NOT_ALLOWED, Entry, expect

STAFF = ("leader", "teacher", "other_teacher", "ta", "senco", "governor")
ADMIN_ONLY = expect(403, admin=200, trust_leader=404)
ADMIN_POST = expect(403, admin=303, trust_leader=404)
SAR = expect(403, admin=200, leader=200, senco=200, trust_leader=404)


def _account(w: World) -> dict[str, Any]:
    return {"account_id": w.users["teacher"].pk}


CASES = {
    # Everyone signed in manages their own second step (here: signed in without an app).
    "security:mfa": Entry(get=expect(200), post=NOT_ALLOWED),
    "security:mfa-setup": Entry(get=expect(200), post=expect(400)),  # no code: asked again
    "security:mfa-verify": Entry(get=expect(302), post=expect(302)),  # already verified
    "security:mfa-recovery": Entry(get=NOT_ALLOWED, post=expect(302)),  # no app yet: set up
    "security:mfa-remove": Entry(
        get=NOT_ALLOWED,
        post=expect(303),
    ),
    "security:accounts": Entry(get=ADMIN_ONLY, post=NOT_ALLOWED),
    "security:unlock": Entry(get=NOT_ALLOWED, post=ADMIN_POST, kwargs=_account),
    "security:reset-mfa": Entry(get=NOT_ALLOWED, post=ADMIN_POST, kwargs=_account),
    "security:policy": Entry(
        get=expect(403, admin=200, leader=200, trust_leader=404),
        post=expect(403, admin=400, trust_leader=404),  # no fields: the form with its errors
    ),
    "security:subject-access": Entry(get=SAR, post=NOT_ALLOWED),
    "security:subject-access-pupil": Entry(
        get=SAR, post=NOT_ALLOWED, kwargs=lambda w: {"pupil_id": w.pupils_a[0].pk}
    ),
}
