"""Make sure the PostgreSQL test server answers and its database exists.

Exit 0 when ready. When it does not answer: exit 1 under CI (CI=true), so a
missing database fails the run instead of skipping it; elsewhere exit 3, which
the Makefile reports as a skipped PostgreSQL run.
"""

import os
import sys

import dj_database_url
import psycopg
from psycopg import sql

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/trackwell"


def main() -> int:
    url = os.environ.get("TEST_POSTGRES_URL") or DEFAULT_URL
    config = dj_database_url.parse(url)
    params = {
        "host": config.get("HOST") or "127.0.0.1",
        "port": int(config.get("PORT") or 5432),
        "user": config.get("USER") or "postgres",
        "password": config.get("PASSWORD") or None,
        "connect_timeout": 5,
    }
    name = config["NAME"]
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as exc:
        in_ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
        print(
            f"PostgreSQL is not reachable at {params['host']}:{params['port']}: {exc}",
            file=sys.stderr,
        )
        if in_ci:
            print("CI=true: failing rather than skipping the PostgreSQL run.", file=sys.stderr)
            return 1
        print("Skipping the PostgreSQL run (set CI=true to make this an error).", file=sys.stderr)
        return 3
    print(f"PostgreSQL ready: database {name!r} on {params['host']}:{params['port']}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
