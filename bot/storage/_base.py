"""The storage foundation: the one writer connection, migrations, transactions, backups, readers.

Members' writes go through a single aiosqlite connection guarded by an asyncio lock, so a
multi-statement transaction never interleaves with another coroutine's statements. Moderators'
heavy reads open a separate read-only connection (``open_reader``); WAL lets it run beside writes.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT_MS = 5000
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class StorageError(Exception):
    """The database cannot be used; the message says which file and why."""


class StorageUnavailable(Exception):
    """A write or read failed for a passing reason (lock held past the busy timeout, read-only file,
    dropped connection): nothing was saved, and the same action may succeed when tried again."""


# sqlite3.OperationalError texts that mean "not now", not "this SQL is wrong".
_TRANSIENT = ("locked", "busy", "readonly", "disk i/o error", "unable to open")


@contextmanager
def _transient_errors() -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as exc:
        if any(word in str(exc).lower() for word in _TRANSIENT):
            raise StorageUnavailable(str(exc)) from exc
        raise


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    found = []
    for item in resources.files("bot.storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(item.name)
        if match:
            found.append(Migration(int(match.group(1)), item.name, item.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


class StorageBase:
    def __init__(self, path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------ lifecycle

    async def open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"{self.path}: cannot create its folder: {exc.strerror}") from None
        try:
            db = await aiosqlite.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"{self.path}: cannot open the database: {exc}") from None
        db.row_factory = sqlite3.Row
        try:
            await db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA synchronous = NORMAL")
            # Keep the WAL file from growing without bound while long moderator reads hold snapshots.
            await db.execute("PRAGMA journal_size_limit = 67108864")
            await self._migrate(db)
        except sqlite3.OperationalError as exc:
            await db.close()
            reason = "not writable" if "readonly" in str(exc) or "unable to open" in str(exc) else str(exc)
            raise StorageError(f"{self.path}: {reason} ({exc})") from None
        except sqlite3.DatabaseError as exc:
            # Not SQLite at all (junk after a header, random bytes): say so once, never restart-loop on it.
            await db.close()
            raise StorageError(
                f"{self.path} is not a careerbot database ({exc}): restore a `careerbot db backup` file"
                " there, or move it aside to start empty"
            ) from None
        except BaseException:
            await db.close()
            raise
        self._db = db

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StorageError("storage is not open")
        return self._db

    @staticmethod
    async def _migrate(db: aiosqlite.Connection) -> None:
        await db.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at REAL NOT NULL)"
        )
        async with db.execute("SELECT coalesce(max(version), 0) FROM schema_version") as cur:
            row = await cur.fetchone()
        current = int(row[0]) if row else 0
        known = migrations()
        newest = known[-1].version if known else 0
        if current > newest:
            raise StorageError(
                f"database schema version {current} is newer than this careerbot knows ({newest}); "
                "upgrade careerbot or point DATABASE_PATH at another file"
            )
        for mig in known:
            if mig.version <= current:
                continue
            # executescript commits first; wrap the migration and its record in one transaction.
            await db.executescript(
                "BEGIN IMMEDIATE;\n"
                + mig.sql
                + f"\nINSERT INTO schema_version (version, name, applied_at) VALUES ({mig.version},"
                f" '{mig.name}', {time.time()});\nCOMMIT;"
            )

    async def schema_version(self) -> int:
        row = await self._one("SELECT coalesce(max(version), 0) AS v FROM schema_version")
        return int(row["v"]) if row else 0

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            with _transient_errors():
                await self.db.execute("BEGIN IMMEDIATE")
                try:
                    yield self.db
                    await self.db.execute("COMMIT")
                except BaseException:
                    if self.db.in_transaction:
                        await self.db.execute("ROLLBACK")
                    raise

    # execute_fetchall is one hop to aiosqlite's thread; execute + fetchone + close would be three,
    # and on a busy click path those hops are most of the cost.
    async def _one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._lock:
            with _transient_errors():
                return list(await self.db.execute_fetchall(sql, params))

    async def open_reader(self) -> aiosqlite.Connection:
        """A read-only connection for moderators' aggregate queries (caller closes it)."""
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        db = await aiosqlite.connect(uri, uri=True)
        db.row_factory = sqlite3.Row
        await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return db

    async def backup(self, target: Path) -> None:
        """SQLite online backup: consistent even while members keep writing."""
        target.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(target) as dest, self._lock:
            await self.db.backup(dest)
