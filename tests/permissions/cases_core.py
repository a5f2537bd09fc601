"""Permission matrix: the home page and Django's own account pages."""

from tests.permissions.matrix import NOT_ALLOWED, Entry, expect

SIGNED_IN = expect(200)

CASES = {
    "home": Entry(get=expect(200, parent=302), post=NOT_ALLOWED),  # parents: to their children
    "login": Entry(get=expect(200, anonymous=200), post=expect(200, anonymous=200)),
    "logout": Entry(get=NOT_ALLOWED, post=expect(302, anonymous=302)),
    "password_change": Entry(get=SIGNED_IN, post=SIGNED_IN),  # POST without data: the form again
    "password_change_done": Entry(get=SIGNED_IN, post=expect(405, anonymous=302)),
}
