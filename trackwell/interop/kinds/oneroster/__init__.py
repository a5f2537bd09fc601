"""OneRoster 1.1 CSV bundles (a zip, or a folder for the command) into one school.

The bundle's org for the school (chosen, or the only school in the bundle, or
the one whose identifier is the school's URN) gives its classes, pupils
(students), staff (teachers and aides) and enrolments. Records are matched
by the bundle's sourcedIds remembered from earlier imports (`ExternalId`),
then pupils by UPN, staff by email and classes by name within their year.
Academic years are matched by their dates; a school year the school has not
set up yet is an error (a year needs its assessment points, set up on the
Years page). Columns are read by their OneRoster names in any letter case.

By feature: `bundle` reads the zip and its files, `sessions` the orgs and
academic sessions, `people` the users, `classes` the classes and enrolments,
`commit` writes a plan, and `kind` is the import kind that puts them together.
"""

from .bundle import BUNDLE_LIMITS, FILE_LIMITS, FILES, REQUIRED_COLUMNS, SYSTEM, bundle_from_folder
from .kind import OneRosterImport, OneRosterOptions
from .people import STAFF_ROLES

__all__ = [
    "BUNDLE_LIMITS",
    "FILES",
    "FILE_LIMITS",
    "REQUIRED_COLUMNS",
    "STAFF_ROLES",
    "SYSTEM",
    "OneRosterImport",
    "OneRosterOptions",
    "bundle_from_folder",
]
