"""The band-rule pages, split by feature; every view stays importable from here.

- `band_set_views`: the list of band sets, new, delete, in use, starting points, defaults
- `band_editor`: the editor with its live preview
- `band_io`: JSON import and export
- `confirm_views`: confirming a class's bands
- `point_views`: assessment points (list, close, reopen, differences)
"""

from __future__ import annotations

from .band_editor import band_set_edit
from .band_io import BAND_IMPORT, band_export, band_import
from .band_set_views import (
    band_defaults,
    band_set_active,
    band_set_delete,
    band_set_new,
    band_sets,
    starting_point_remove,
    starting_points,
)
from .confirm_views import confirm_bands
from .point_views import close_point, differences, points, reopen_point

__all__ = [
    "BAND_IMPORT",
    "band_defaults",
    "band_export",
    "band_import",
    "band_set_active",
    "band_set_delete",
    "band_set_edit",
    "band_set_new",
    "band_sets",
    "close_point",
    "confirm_bands",
    "differences",
    "points",
    "reopen_point",
    "starting_point_remove",
    "starting_points",
]
