"""One pipeline for every kind of import: parse, plan, preview, commit all or nothing.

A kind of import (frameworks, MIS pupils, OneRoster, CTF, ...) is an `ImportKind`
registered under a slug. The pipeline does the rest the same way for all of them:

1. `receive` checks the documented limits, then either keeps the file for the
   mapping step (spreadsheets whose columns must be matched to fields) or
   parses it at once (`stage`). Parsing never raises: every problem comes back
   as a `Problem` with its row and column.
2. `plan_for` compares what the file says with the database as it is now and
   lists every change (created, changed field by field with old and new,
   archived or marked as left), without writing.
3. The preview page shows that plan and its `digest`.
4. `commit` plans again inside one transaction, refuses with `StalePlan` if the
   digest moved since the preview, and lets the kind write everything or
   nothing. The pending upload is removed once written.

The pipeline is split by feature, and every public name is importable from here:

- `reading`: the limits, `Problem` (the one error format), `read_table` for CSV;
- `plans`: `Plan`, `Change`, `FieldChange`, `Parsed`;
- `registry`: `ImportKind`, `register`, `get_kind`;
- `staging`: `receive`, `stage`, `map_columns` (upload and mapping step);
- `committing`: `plan_for`, `commit`, `prepare`, `apply_now` (preview and commit).

See docs/imports.md for the API and the "how to add an import" checklist.
"""

from trackwell.interop.pipeline.committing import (
    DATA_REFUSED,
    Prepared,
    StalePlan,
    apply_now,
    commit,
    plan_for,
    prepare,
)
from trackwell.interop.pipeline.plans import Change, FieldChange, Parsed, Plan, show
from trackwell.interop.pipeline.reading import (
    DEFAULT_LIMITS,
    Limits,
    Problem,
    Table,
    as_problems,
    check_size,
    decode,
    read_table,
)
from trackwell.interop.pipeline.registry import (
    ACTION_WORDS,
    DONE_WORDS,
    REGISTRY,
    ImportKind,
    get_kind,
    load_kinds,
    register,
)
from trackwell.interop.pipeline.staging import (
    KEEP_FAILED,
    KEEP_UPLOADS_FOR,
    Staged,
    map_columns,
    receive,
    stage,
)

__all__ = [
    "ACTION_WORDS",
    "DATA_REFUSED",
    "DEFAULT_LIMITS",
    "DONE_WORDS",
    "KEEP_FAILED",
    "KEEP_UPLOADS_FOR",
    "REGISTRY",
    "Change",
    "FieldChange",
    "ImportKind",
    "Limits",
    "Parsed",
    "Plan",
    "Prepared",
    "Problem",
    "Staged",
    "StalePlan",
    "Table",
    "apply_now",
    "as_problems",
    "check_size",
    "commit",
    "decode",
    "get_kind",
    "load_kinds",
    "map_columns",
    "plan_for",
    "prepare",
    "read_table",
    "receive",
    "register",
    "show",
    "stage",
]
