"""The PostgreSQL side of storage: a connection pool, its migrations, and its errors in our words.

Every Discord id is BIGINT there (SQLite's INTEGER is already 64-bit). Several bot processes may
start at once against one database, so migrations run under an advisory lock.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from bot.storage._driver import Done, Row, numbered, status_rowcount


class _Lazy:
    """A module imported on first attribute use: a bot on SQLite never loads asyncpg (~3 MiB)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


asyncpg: Any = _Lazy("asyncpg")


def __getattr__(name: str) -> Any:
    # TRANSIENT names asyncpg's classes, so it is built on first use (PEP 562). Until asyncpg is
    # loaded no asyncpg error can exist, and OSError alone is the same test.
    if name == "TRANSIENT":
        return _transient() if "asyncpg" in sys.modules else (OSError,)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Any number will do as long as it is ours alone: it serialises start-up migrations across processes.
_MIGRATION_LOCK = 0x0CA4EE4B07


# Failures that mean "the server or the connection is gone for now", not "this SQL is wrong".
@functools.cache
def _transient() -> tuple[type[BaseException], ...]:
    return (
        OSError,
        asyncpg.InterfaceError,  # includes ConnectionDoesNotExistError (a dropped connection)
        asyncpg.PostgresConnectionError,
        asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, crash shutdown
        asyncpg.exceptions.ReadOnlySQLTransactionError,  # a standby, or the database set read-only
        asyncpg.exceptions.InsufficientResourcesError,  # too many connections, disk full
        asyncpg.InternalClientError,  # a connection caught mid-way by the server's termination notice
    )


# Queries are a fixed set of strings: convert each one's placeholders once, not on every call.
_numbered = functools.lru_cache(maxsize=1024)(numbered)


async def _no_reset(conn: Any) -> None:
    """Pool release without asyncpg's default reset query (one more round trip per checkout).

    asyncpg still rolls back any open transaction before this runs. Members' connections hold no
    other session state to clear: no LISTEN, no SET, no cursors outside a transaction, and no session
    advisory lock (housekeeping's lock has a connection of its own, outside the pools)."""


def where(url: str) -> str:
    """host:port of a URL, for messages; never the user, password or query."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}"


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


class PgTx:
    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Done:
        status = await self._conn.execute(_numbered(sql), *params)
        return Done(status_rowcount(str(status)))

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(await self._conn.fetch(_numbered(sql), *params))

    async def execute_long(self, sql: str, params: Sequence[Any] = (), *, seconds: float) -> None:
        """A statement allowed to outlast the pool's command timeout (a rollup build, or waiting for
        another process's)."""
        await self._conn.execute(_numbered(sql), *params, timeout=seconds)


@asynccontextmanager
async def transaction(pool: Any, **options: Any) -> AsyncIterator[PgTx]:
    conn, tx = await _begin(pool, options)
    try:
        yield PgTx(conn)
    except BaseException:
        if not conn.is_closed():
            with contextlib.suppress(Exception):  # the body's error is the one worth reporting
                await tx.rollback()
        raise
    else:
        await tx.commit()
    finally:
        await pool.release(conn)


async def _begin(pool: Any, options: dict[str, Any]) -> tuple[Any, Any]:
    """A pooled connection with its transaction begun.

    A connection the server ended while it sat idle in the pool (a restart, a failover, an admin's
    pg_terminate_backend) fails at BEGIN, before anything of ours ran, so taking another one once is
    safe. Depending on when the server's notice is read, asyncpg reports it as a dropped connection
    or as an InternalClientError; both mean the same here. What ended one idle connection (a
    restart) has usually ended the pool's other idle ones too: all are replaced before the retry,
    which would otherwise draw another dead one."""
    for attempt in (1, 2):
        conn = await pool.acquire()
        tx = conn.transaction(**options)
        try:
            await tx.start()
        except (*_transient(), asyncpg.InternalClientError):
            conn.terminate()
            await pool.release(conn)
            if attempt == 2:
                raise
            await pool.expire_connections()
            continue
        except BaseException:
            await pool.release(conn)
            raise
        return conn, tx
    raise AssertionError("unreachable")


async def fetch(pool: Any, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    """A read outside a transaction on a pooled connection. A connection the server ended while idle
    fails the same way here as at BEGIN (see _begin), and a read can be repeated: once, on a fresh
    connection, with the pool's other idle ones replaced first."""
    for attempt in (1, 2):
        conn = await pool.acquire()
        try:
            return list(await conn.fetch(_numbered(sql), *params))
        except _transient():
            conn.terminate()
            if attempt == 2:
                raise
        finally:
            await pool.release(conn)
        await pool.expire_connections()
    raise AssertionError("unreachable")


# Members' pool (settings.database_pool_size) and moderators' (rare, one summary at a time each).
POOL_SIZE, READ_POOL_SIZE = 30, 10


async def create_pool(url: str, max_size: int, **settings: str) -> Any:
    """A pool that checks out working connections; a dropped one is replaced on its next use. It
    opens connections as clicks need them, up to ``max_size``, and closes those idle for 5 minutes."""
    return await asyncpg.create_pool(
        url,
        min_size=1,
        max_size=max_size,
        timeout=10,
        command_timeout=60,
        server_settings=settings or None,
        reset=_no_reset,
    )


async def connect_one(url: str) -> Any:
    """One connection outside the pools, for a session-level advisory lock it must keep."""
    return await asyncpg.connect(url, timeout=10, command_timeout=60)


async def current_version(tx: PgTx) -> int:
    await tx.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " applied_at DOUBLE PRECISION NOT NULL)"
    )
    rows = await tx.execute_fetchall("SELECT coalesce(max(version), 0) AS v FROM schema_version")
    return int(rows[0]["v"])


async def applied_versions(tx: PgTx) -> set[int]:
    return {int(row["version"]) for row in await tx.execute_fetchall("SELECT version FROM schema_version")}


async def lock_migrations(tx: PgTx) -> None:
    await tx.execute_fetchall("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))


async def apply(tx: PgTx, version: int, name: str, sql: str) -> None:
    await tx._conn.execute(sql)  # a script of several statements: no parameters allowed
    await tx.execute(
        "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
        (version, name, time.time()),
    )
