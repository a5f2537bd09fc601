"""Permission matrix: the home page and Django's own account pages."""

from tests.permissions.matrix import NOT_ALLOWED, Entry, expect

SIGNED_IN = expect(200)
EVERYONE = expect(200, anonymous=200)

CASES = {
    "home": Entry(get=expect(200, parent=302), post=NOT_ALLOWED),  # parents: to their children
    "login": Entry(get=expect(200, anonymous=200), post=expect(200, anonymous=200)),
    "logout": Entry(get=NOT_ALLOWED, post=expect(302, anonymous=302)),
    "password_change": Entry(get=SIGNED_IN, post=SIGNED_IN),  # POST without data: the form again
    "password_change_done": Entry(get=SIGNED_IN, post=expect(405, anonymous=302)),
    # Forgotten passwords and the set-password links emailed to new staff: open to all.
    "password_reset": Entry(get=EVERYONE, post=EVERYONE),  # POST without data: the form again
    "password_reset_done": Entry(get=EVERYONE, post=expect(405, anonymous=405)),
    "password_reset_confirm": Entry(
        get=EVERYONE,  # a wrong link: the page saying it has expired
        post=EVERYONE,
        kwargs=lambda w: {"uidb64": "MQ", "token": "not-a-token"},
        foreign=False,
    ),
    "password_reset_complete": Entry(get=EVERYONE, post=expect(405, anonymous=405)),
}
