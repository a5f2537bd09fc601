"""Append-only tables, enforced by the database as well as by the models.

Judgement history, test result history, the audit log and closed-point
snapshots are only ever added to. Their models derive from `AppendOnlyModel`
(or, for the audit log, are `register`ed), which refuses `save()` of an existing
row and `delete()`; triggers installed by each owning app's migration
(`migration_operations`) refuse UPDATE and DELETE in the database too, so neither
a bulk queryset call, a bug nor a hand-typed SQL statement can rewrite them.
`append_only_tables()` lists them all; tests/core/test_append_only.py fails if one
has no triggers, or if a model named like history (`*History`, `*Revision`,
`*Event`) is not among them.

The one way past the triggers is `allow_erasure()`, for the two operations
whose purpose is erasure: the retention job (records past the school's
retention period) and wiping a database before a restore (`flush`).

On PostgreSQL it calls `trackwell_allow_erasure(reason)`, a SECURITY DEFINER
function owned by the role that ran the migrations. The function records a
grant for the current transaction in `trackwell_erasure_grant`, which only its
owner can write (a trigger refuses every other role's INSERT, UPDATE, DELETE and
TRUNCATE, whatever privileges it was given); the triggers on the append-only
tables let a change through only while the transaction holds an open grant, and
`trackwell_end_erasure()` closes it at the end of the block. So the runtime role
cannot get past by setting anything in its session, and every erasure it does
leaves a row (when, which login, why) it cannot remove. This holds when the
tables, triggers and functions belong to a separate owner role and the runtime
role only has SELECT, INSERT, UPDATE and DELETE (docs/deploy.md).

On SQLite, which has no roles, the trigger calls a function that Trackwell
registers on its own connections, so any other client (the sqlite3 shell) is
refused outright, and `allow_erasure()` sets it for the block.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.dispatch import receiver

_may_erase: contextvars.ContextVar[bool] = contextvars.ContextVar("may_erase", default=False)

SQLITE_FUNCTION = "trackwell_may_erase"
PG_FUNCTION = "trackwell_refuse_change"
PG_GRANTS = "trackwell_erasure_grant"
PG_ALLOW = "trackwell_allow_erasure"
PG_END = "trackwell_end_erasure"
PG_GUARD = "trackwell_guard_erasure_grant"


class AppendOnlyError(RuntimeError, ValueError):
    """A change or deletion of an append-only row, refused by the model."""


class AppendOnlyModel(models.Model):
    """Rows that may be added but never changed or deleted (give the table its triggers)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError(
                f"{self._meta.verbose_name} rows are append-only and immutable once written: "
                "add a row instead of changing one."
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(
            f"{self._meta.verbose_name} rows are append-only: they are never deleted."
        )


# Append-only tables whose models cannot take the base class (the audit log, written
# only through `log_action`, anonymised in bulk by retention): "app_label.ModelName".
_registered: set[str] = set()


def register(model: type[models.Model]) -> type[models.Model]:
    """Count a model without `AppendOnlyModel` as append-only (its migration adds triggers)."""
    _registered.add(model._meta.label)
    return model


def append_only_models() -> list[type[models.Model]]:
    """Every installed model whose table is append-only."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, AppendOnlyModel) or model._meta.label in _registered
    ]


def append_only_tables() -> list[str]:
    return sorted(model._meta.db_table for model in append_only_models())


@receiver(connection_created)
def _register_sqlite_function(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_FUNCTION, 0, lambda: int(_may_erase.get()), deterministic=False
        )


@contextmanager
def allow_erasure(reason: str = "") -> Iterator[None]:
    """Within this block (one transaction), append-only rows may be changed or deleted.

    `reason` goes into PostgreSQL's record of the grant ("retention", "flush").
    """
    outermost = not _may_erase.get()
    token = _may_erase.set(True)
    postgres = connection.vendor == "postgresql"
    try:
        with transaction.atomic():
            if postgres and outermost:
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT {PG_ALLOW}(%s)", [reason or "unspecified"])
            yield
            if postgres and outermost:
                # Inside an outer transaction the grant would outlive this block.
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT {PG_END}()")
    finally:
        _may_erase.reset(token)


def _pg_setup_sql(schema: str) -> list[str]:
    """The grants table, its guard and the functions, on PostgreSQL (idempotent)."""
    grants = f'"{schema}".{PG_GRANTS}'
    path = f'pg_catalog, "{schema}"'
    return [
        f"""CREATE TABLE IF NOT EXISTS {grants} (
                id bigserial PRIMARY KEY,
                txid bigint NOT NULL,
                granted_at timestamptz NOT NULL DEFAULT now(),
                granted_to text NOT NULL,
                reason text NOT NULL DEFAULT '',
                ended_at timestamptz
            )""",
        f"CREATE INDEX IF NOT EXISTS {PG_GRANTS}_txid ON {grants} (txid)",
        # Only the owner writes grants (through the functions below, which run as it);
        # any other role is refused even if it was given every privilege on the table.
        f"""CREATE OR REPLACE FUNCTION "{schema}".{PG_GUARD}() RETURNS trigger
            LANGUAGE plpgsql SET search_path = {path} AS $$
            BEGIN
              IF current_user = (SELECT pg_get_userbyid(c.relowner) FROM pg_class c
                                 WHERE c.oid = TG_RELID) THEN
                RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
              END IF;
              RAISE EXCEPTION 'erasure grants are written only by {PG_ALLOW}()'
                USING ERRCODE = 'insufficient_privilege';
            END $$""",
        f"DROP TRIGGER IF EXISTS {PG_GUARD}_rows ON {grants}",
        f"""CREATE TRIGGER {PG_GUARD}_rows BEFORE INSERT OR UPDATE OR DELETE ON {grants}
            FOR EACH ROW EXECUTE FUNCTION "{schema}".{PG_GUARD}()""",
        f"DROP TRIGGER IF EXISTS {PG_GUARD}_truncate ON {grants}",
        f"""CREATE TRIGGER {PG_GUARD}_truncate BEFORE TRUNCATE ON {grants}
            FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".{PG_GUARD}()""",
        f"REVOKE ALL ON {grants} FROM PUBLIC",
        f"GRANT SELECT ON {grants} TO PUBLIC",
        f"""CREATE OR REPLACE FUNCTION "{schema}".{PG_ALLOW}(reason text) RETURNS void
            LANGUAGE sql SECURITY DEFINER SET search_path = {path} AS $$
              INSERT INTO {grants} (txid, granted_to, reason)
              VALUES (txid_current(), session_user, left(coalesce(reason, ''), 200))
            $$""",
        f"""CREATE OR REPLACE FUNCTION "{schema}".{PG_END}() RETURNS void
            LANGUAGE sql SECURITY DEFINER SET search_path = {path} AS $$
              UPDATE {grants} SET ended_at = now()
              WHERE txid = txid_current() AND ended_at IS NULL
            $$""",
        f"""CREATE OR REPLACE FUNCTION "{schema}".{PG_FUNCTION}() RETURNS trigger
            LANGUAGE plpgsql SET search_path = {path} AS $$
            BEGIN
              IF EXISTS (SELECT 1 FROM {grants} g
                         WHERE g.txid = txid_current() AND g.ended_at IS NULL) THEN
                RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
              END IF;
              RAISE EXCEPTION '%% is append-only: rows are never changed or deleted',
                TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
            END $$""",
    ]


def setup_operation() -> Any:
    """A RunPython operation bringing PostgreSQL's grants and functions up to date."""
    from django.db import migrations

    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in _pg_setup_sql(_schema(schema_editor)):
                schema_editor.execute(sql)

    return migrations.RunPython(forwards, migrations.RunPython.noop)


def _schema(schema_editor: Any) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return str(cursor.fetchone()[0])


def _trigger_names(table: str) -> tuple[str, str]:
    return f"{table}_no_update", f"{table}_no_delete"


def install_sql(vendor: str, table: str, schema: str = "public") -> list[str]:
    """SQL that makes `table` append-only on this database (for schema_editor.execute)."""
    no_update, no_delete = _trigger_names(table)
    if vendor == "sqlite":
        return [
            f"""CREATE TRIGGER IF NOT EXISTS {name} BEFORE {event} ON {table}
                WHEN {SQLITE_FUNCTION}() = 0
                BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows are never
                changed or deleted'); END"""
            for name, event in ((no_update, "UPDATE"), (no_delete, "DELETE"))
        ]
    if vendor == "postgresql":
        return [
            *_pg_setup_sql(schema),
            f"DROP TRIGGER IF EXISTS {no_update} ON {table}",
            f"""CREATE TRIGGER {no_update} BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION "{schema}".{PG_FUNCTION}()""",
            # Row triggers do not fire on TRUNCATE; a statement trigger does.
            f"DROP TRIGGER IF EXISTS {no_delete} ON {table}",
            f"""CREATE TRIGGER {no_delete} BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".{PG_FUNCTION}()""",
        ]
    return []


def uninstall_sql(vendor: str, table: str) -> list[str]:
    """SQL that removes the triggers again (for migrating backwards)."""
    no_update, no_delete = _trigger_names(table)
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {no_update}", f"DROP TRIGGER IF EXISTS {no_delete}"]
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {no_update} ON {table}",
            f"DROP TRIGGER IF EXISTS {no_delete} ON {table}",
        ]
    return []


def migration_operations(*tables: str) -> Any:
    """A RunPython operation installing the triggers on `tables`, for an app's migration."""
    from django.db import migrations

    def forwards(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        schema = _schema(schema_editor) if vendor == "postgresql" else ""
        for table in tables:
            for sql in install_sql(vendor, table, schema):
                schema_editor.execute(sql)

    def backwards(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        for table in tables:
            for sql in uninstall_sql(vendor, table):
                schema_editor.execute(sql)

    return migrations.RunPython(forwards, backwards)
