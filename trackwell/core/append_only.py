"""Append-only tables, enforced by the database as well as by the models.

Judgement history, the audit log and closed-point snapshots are only ever
added to. Their models refuse `save()` of an existing row and `delete()`;
triggers installed by each app's migration refuse UPDATE and DELETE in the
database too, so neither a bulk queryset call, a bug nor a hand-typed SQL
statement can rewrite them.

The one way past the triggers is `allow_erasure()`, for the two operations
whose purpose is erasure: the retention job (records past the school's
retention period) and wiping a database before a restore (`flush`). On
PostgreSQL it sets a transaction-local setting the trigger reads; on SQLite
the trigger calls a function that Trackwell registers on its own connections,
so any other client (the sqlite3 shell) is refused outright.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.dispatch import receiver

_may_erase: contextvars.ContextVar[bool] = contextvars.ContextVar("may_erase", default=False)

SQLITE_FUNCTION = "trackwell_may_erase"
PG_SETTING = "trackwell.may_erase"
PG_FUNCTION = "trackwell_refuse_change"


@receiver(connection_created)
def _register_sqlite_function(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_FUNCTION, 0, lambda: int(_may_erase.get()), deterministic=False
        )


@contextmanager
def allow_erasure() -> Iterator[None]:
    """Within this block (one transaction), append-only rows may be changed or deleted."""
    token = _may_erase.set(True)
    postgres = connection.vendor == "postgresql"
    try:
        with transaction.atomic():
            if postgres:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, 'on', true)", [PG_SETTING])
            yield
            if postgres:
                # Inside an outer transaction the setting would outlive this block.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, 'off', true)", [PG_SETTING])
    finally:
        _may_erase.reset(token)


def _trigger_names(table: str) -> tuple[str, str]:
    return f"{table}_no_update", f"{table}_no_delete"


def install_sql(vendor: str, table: str) -> list[str]:
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
            f"""CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger AS $$
                BEGIN
                  IF coalesce(current_setting('{PG_SETTING}', true), '') = 'on' THEN
                    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
                  END IF;
                  RAISE EXCEPTION '%% is append-only: rows are never changed or deleted',
                    TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
                END $$ LANGUAGE plpgsql""",
            f"DROP TRIGGER IF EXISTS {no_update} ON {table}",
            f"""CREATE TRIGGER {no_update} BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()""",
        ]
    return []


def uninstall_sql(vendor: str, table: str) -> list[str]:
    """SQL that removes the triggers again (for migrating backwards)."""
    no_update, no_delete = _trigger_names(table)
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {no_update}", f"DROP TRIGGER IF EXISTS {no_delete}"]
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {no_update} ON {table}"]
    return []


def migration_operations(*tables: str) -> Any:
    """A RunPython operation installing the triggers on `tables`, for an app's migration."""
    from django.db import migrations

    def forwards(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        for table in tables:
            for sql in install_sql(vendor, table):
                schema_editor.execute(sql)

    def backwards(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        for table in tables:
            for sql in uninstall_sql(vendor, table):
                schema_editor.execute(sql)

    return migrations.RunPython(forwards, backwards)
