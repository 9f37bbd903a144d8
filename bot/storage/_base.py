"""The storage foundation: the writer, migrations, transactions, backups, readers, on either backend.

SQLite (the default): members' writes go through a single aiosqlite connection guarded by an asyncio
lock, so a multi-statement transaction never interleaves with another coroutine's statements.
Moderators' heavy reads open a separate read-only connection; WAL lets it run beside writes.
PostgreSQL (``DATABASE_URL=postgresql://…``): an asyncpg pool; the server serialises writers, and
moderators read from a second pool whose transactions are read-only and repeatable-read.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage import _postgres as pg
from bot.storage._driver import POSTGRES, SQLITE, Done, Row, Tx
from bot.storage._known import KnownSessions
from bot.storage._postgres import asyncpg
from bot.storage._steps import Step, StepBatches

BUSY_TIMEOUT_MS = 5000
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class StorageError(Exception):
    """The database cannot be used; the message says which file and why.

    ``code`` is the process exit status: 2 for something the operator must fix (a bad file, a wrong
    password), 1 for a server that is not reachable right now (systemd may retry)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


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
    except pg.TRANSIENT as exc:
        raise StorageUnavailable(f"PostgreSQL: {type(exc).__name__}") from exc


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations(dialect: str = "sqlite") -> list[Migration]:
    """The numbered migrations: SQLite's in ``migrations/``, PostgreSQL's twins in ``migrations/postgresql/``."""
    folder = resources.files("bot.storage.migrations")
    if dialect == "postgresql":
        folder = folder / "postgresql"
    found = []
    for item in folder.iterdir():
        match = _MIGRATION_NAME.match(item.name)
        if match:
            found.append(Migration(int(match.group(1)), item.name, item.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


class _SqliteTx:
    """aiosqlite behind the common Tx interface (the caller holds the writer lock)."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Done:
        cur = await self._db.execute(sql, params)
        return Done(cur.rowcount, cur.lastrowid)

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(await self._db.execute_fetchall(sql, params))


class _LoopTx:
    """The writer's own sqlite3 connection, run on the event loop: no thread hop per statement.

    Used only for the click path's point statements (an indexed row or two, microseconds) once the
    write lock is held, so nothing here can wait on another process or on a scan."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self._con = con

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Done:
        cur = self._con.execute(sql, params)
        try:
            cur.fetchall()  # step to the end: an unfinished statement would block COMMIT
            return Done(cur.rowcount, cur.lastrowid)
        finally:
            cur.close()

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return _run(self._con, sql, params)


def _run(con: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    """Run one statement to its end and close its cursor (PRAGMAs return a row nobody reads)."""
    cur = con.execute(sql, params)
    try:
        return list(cur.fetchall())
    finally:
        cur.close()


class _WriterLock:
    """The SQLite writer's lock. ``async with`` it (every use of aiosqlite's thread, in any mixin) also
    puts back the busy timeout that the click path's loop statements lower to 0 and leave there: one
    PRAGMA when work switches from clicks to the thread, instead of two around every click statement.
    The click path takes it with ``acquire()``/``release()``, which skip that.

    A release wakes every waiter at once, in the order they came, not one per pass of the event loop as
    asyncio.Lock does. The click path holds it only around statements that never yield, so all the
    clicks queued behind a thread hop (a WAL checkpoint, a moderator's write) go through in the one
    pass after it. Woken one per pass, under load (a pass then takes tens of milliseconds) 400 members
    queued behind one checkpoint waited past the acknowledgement budget, and three clicks in four were
    deferred and edited: two requests instead of one (bench/quiz_load.py). Until the woken have run, a
    newcomer queues behind them: a batched delete that releases and takes the lock again cannot starve
    a click."""

    def __init__(self, restore: Callable[[], None]) -> None:
        self._restore = restore
        self._held = False
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._woken = 0  # woken by a release, not yet run

    def locked(self) -> bool:
        return self._held

    async def acquire(self) -> None:
        if not self._held and not self._waiters and not self._woken:
            self._held = True
            return
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        while True:
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._woken -= 1  # woken, then cancelled before it ran
                    self._pass_on()
                elif waiter in self._waiters:
                    self._waiters.remove(waiter)
                raise
            self._woken -= 1
            if not self._held:
                self._held = True
                return
            # An earlier one of those woken together holds it across an await: wait again, first in line.
            waiter = loop.create_future()
            self._waiters.appendleft(waiter)

    def release(self) -> None:
        self._held = False
        self._pass_on()

    def _pass_on(self) -> None:
        if self._held or self._woken:
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():  # (a cancelled one is)
                waiter.set_result(None)
                self._woken += 1

    async def __aenter__(self) -> None:
        await self.acquire()
        try:
            self._restore()
        except BaseException:
            self.release()
            raise

    async def __aexit__(self, *exc: object) -> None:
        self.release()


# Fold the WAL back after this many click transactions (a few pages each, so a few MB). SQLite's own
# autocheckpoint is off on the writer, so a commit on the loop never does checkpoint I/O there; the
# checkpoint runs on aiosqlite's thread instead.
_CHECKPOINT_EVERY = 256
# A log this long (frames of 4 KiB pages: ~16 MB) is also restarted after it is folded back (_fold_wal).
_RESTART_FRAMES = 4096
# How long that restart may wait for readers still on the old log (a summary takes milliseconds). The
# writer is held meanwhile, so it stays short; when it runs out, the next fold tries again.
_RESTART_WAIT_MS = 50


class StorageBase:
    # Click-path transactions run on the loop (see _LoopTx); False restores a thread hop per statement
    # (bench/storage_click.py measures both in one run).
    fast_clicks = True

    def __init__(
        self, target: Path | str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, pool_size: int = pg.POOL_SIZE
    ) -> None:
        """``target``: a SQLite file, or a ``postgresql://`` URL (kept private: it may hold a password).
        ``pool_size``: PostgreSQL's most connections for members' reads and writes."""
        self._url: str | None = None
        if isinstance(target, str) and pg.is_postgres_url(target):
            self._url, self.path, self.dialect = target, Path(), POSTGRES
            self.where = pg.where(target)
        else:
            self.path, self.dialect = Path(target), SQLITE
            self.where = str(self.path)
        self.busy_timeout_ms = busy_timeout_ms
        self.pool_size = pool_size
        self._db: aiosqlite.Connection | None = None
        self._pool: Any = None
        self._read_pool: Any = None
        # PostgreSQL connections each holding a session advisory lock (see _lease.py), by job name.
        self._exclusive: dict[str, Any] = {}
        self._lock = _WriterLock(self._restore_busy_timeout)
        self._busy_ms = busy_timeout_ms  # the writer connection's busy_timeout right now
        self._commits = 0
        # Quiz sessions as this process last saw them (see _known.py); every deletion drops its own.
        self._known = KnownSessions()
        # PostgreSQL: the quiz steps that reach storage in one pass of the loop, as one statement.
        self._steps = StepBatches(self._write_steps)

    @property
    def is_postgres(self) -> bool:
        return self._url is not None

    # ------------------------------------------------------------ lifecycle

    async def open(self) -> None:
        if self._url is not None:
            await self._open_postgres(self._url)
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"{self.path}: cannot create its folder: {exc.strerror}") from None
        try:
            # check_same_thread=False: click-path statements use this connection from the loop (one at a
            # time, under self._lock); everything else goes through aiosqlite's thread as before.
            db = await aiosqlite.connect(self.path, isolation_level=None, check_same_thread=False)
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
            await db.execute("PRAGMA wal_autocheckpoint = 0")
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

    async def _open_postgres(self, url: str) -> None:
        try:
            self._pool = await pg.create_pool(url, self.pool_size)
        except (OSError, TimeoutError) as exc:
            reason = exc.strerror or type(exc).__name__ if isinstance(exc, OSError) else "timed out"
            raise StorageError(f"cannot reach PostgreSQL at {self.where}: {reason}", code=1) from None
        except asyncpg.InvalidAuthorizationSpecificationError:
            raise StorageError(
                f"PostgreSQL at {self.where} refused the login: check the user and password in DATABASE_URL"
            ) from None
        except asyncpg.InvalidCatalogNameError:
            raise StorageError(
                f"PostgreSQL at {self.where} has no such database: create it (createdb) or fix DATABASE_URL"
            ) from None
        except asyncpg.PostgresError as exc:
            raise StorageError(f"PostgreSQL at {self.where}: {type(exc).__name__}") from None
        try:
            async with pg.transaction(self._pool) as tx:
                await pg.lock_migrations(tx)
                current = await pg.current_version(tx)
                self._refuse_newer(current, migrations("postgresql"))
                applied = await pg.applied_versions(tx)
                for mig in migrations("postgresql"):
                    if mig.version not in applied:  # a lower number added later still runs
                        await pg.apply(tx, mig.version, mig.name, mig.sql)
        except BaseException:
            await self._pool.close()
            self._pool = None
            raise

    def _refuse_newer(self, current: int, known: list[Migration]) -> None:
        newest = known[-1].version if known else 0
        if current > newest:
            setting = "DATABASE_URL" if self.is_postgres else "DATABASE_PATH"
            raise StorageError(
                f"database schema version {current} is newer than this careerbot knows ({newest}); "
                f"upgrade careerbot or point {setting} at another database"
            )

    async def _write_steps(self, steps: Sequence[Step]) -> list[Row]:
        raise NotImplementedError  # PgQuizStatements (_quiz_pg.py) writes them

    async def close(self) -> None:
        await self._steps.drain()
        for conn in self._exclusive.values():
            conn.terminate()  # ends the session, which frees its advisory locks
        self._exclusive.clear()
        if self._db is not None:
            await self._db.close()
            self._db = None
        for pool in (self._pool, self._read_pool):
            if pool is not None:
                await pool.close()
        self._pool = self._read_pool = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StorageError("storage is not open")
        return self._db

    async def _migrate(self, db: aiosqlite.Connection) -> None:
        await db.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at REAL NOT NULL)"
        )
        async with db.execute("SELECT coalesce(max(version), 0) FROM schema_version") as cur:
            row = await cur.fetchone()
        current = int(row[0]) if row else 0
        known = migrations()
        self._refuse_newer(current, known)
        async with db.execute("SELECT version FROM schema_version") as cur:
            applied = {int(row[0]) for row in await cur.fetchall()}
        for mig in known:
            if mig.version in applied:  # not "<= current": a lower number added later still runs
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

    def _loop_connection(self) -> sqlite3.Connection:
        # aiosqlite keeps the sqlite3 connection it opened in its worker thread as ``_conn``.
        con: sqlite3.Connection = self.db._conn
        return con

    @asynccontextmanager
    async def _tx(self, *, fast: bool = False) -> AsyncIterator[Tx]:
        """One write transaction: all of its statements commit together or not at all.

        ``fast``: a click's few point statements. On SQLite they run on the loop once the write lock is
        taken without waiting; if another process holds it, taking it waits on aiosqlite's thread instead
        (up to the busy timeout), so the loop never blocks on a lock."""
        if self._pool is None and fast and self.fast_clicks:
            await self._lock.acquire()
            try:
                async with self._fast_tx() as tx:
                    yield tx
            finally:
                self._lock.release()
            await self._checkpoint_if_large()
            return
        if self._pool is not None:
            with _transient_errors():
                async with pg.transaction(self._pool) as tx:
                    yield tx
            return
        async with self._lock:
            with _transient_errors():
                try:
                    await self.db.execute("BEGIN IMMEDIATE")
                    yield _SqliteTx(self.db)
                    await self.db.execute("COMMIT")
                except BaseException:
                    await self._undo()
                    raise
        await self._checkpoint_if_large()  # these commits grow the log too

    @asynccontextmanager
    async def _fast_tx(self) -> AsyncIterator[Tx]:
        con = self._loop_connection()
        with _transient_errors():
            try:
                self._set_busy_timeout(0)  # on the loop, never wait: a busy lock goes to the thread
                _run(con, "BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                self._restore_busy_timeout()
                try:
                    await self.db.execute("BEGIN IMMEDIATE")  # wait for the lock off the loop
                except BaseException:
                    await self._undo()
                    raise
            try:
                yield _LoopTx(con)
                _run(con, "COMMIT")
            except BaseException:
                if con.in_transaction:
                    _run(con, "ROLLBACK")
                raise

    async def _undo(self) -> None:
        """Roll back whatever the writer connection has open, in aiosqlite's thread and queued behind
        what still runs there: a task cancelled while awaiting its BEGIN (a shutdown) leaves that BEGIN
        to run after it, and a transaction left open would refuse every later write. sqlite3's
        rollback() is a no-op when no transaction is open. Its own failure (a connection already
        closed at shutdown) must not replace the error being raised."""
        with contextlib.suppress(Exception):
            await asyncio.shield(self.db.rollback())

    async def _checkpoint_if_large(self) -> None:
        self._commits += 1
        if self._commits % _CHECKPOINT_EVERY == 0:
            async with self._lock:
                with _transient_errors():
                    await self._fold_wal()

    async def _fold_wal(self) -> None:
        """Checkpoint the WAL; the caller holds the writer lock.

        PASSIVE never waits for readers. But a log is only started again from the top by a write that
        finds every reader off it, and with moderators' reads always overlapping that moment never
        comes: the file grew to 411 MB in bench.stats (writes and summaries back to back). So once the
        log is long, RESTART as well: it waits (up to _RESTART_WAIT_MS) for the readers still on the old
        log, new readers read the database file, and the next write starts the log from the top, where
        journal_size_limit trims the file."""
        rows = list(await self.db.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)"))
        if not rows or int(rows[0][1]) < _RESTART_FRAMES:
            return
        self._set_busy_timeout(_RESTART_WAIT_MS)
        try:
            await self.db.execute_fetchall("PRAGMA wal_checkpoint(RESTART)")
        finally:
            self._restore_busy_timeout()

    async def _one_fast(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """A click's point read (by primary key or a unique index) on the loop, without a thread hop."""
        rows = await self._all_fast(sql, params)
        return rows[0] if rows else None

    async def _all_fast(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """A click's indexed read of a row or a few, on the loop, without a thread hop.

        In WAL mode a read never waits for the writer; in the rare case SQLite still answers "busy"
        (another process recovering the WAL index), the read is retried on aiosqlite's thread. Only for
        index seeks: a scan here would hold up every member's click."""
        if self._pool is not None or not self.fast_clicks:
            return await self._all(sql, params)
        await self._lock.acquire()
        try:
            con = self._loop_connection()
            try:
                self._set_busy_timeout(0)
                return _run(con, sql, params)
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                with _transient_errors():
                    self._restore_busy_timeout()
                    return list(await self.db.execute_fetchall(sql, params))
        finally:
            self._lock.release()

    def _set_busy_timeout(self, ms: int) -> None:
        """Set the writer connection's busy_timeout (caller holds the writer lock)."""
        if self._busy_ms != ms:
            _run(self._loop_connection(), f"PRAGMA busy_timeout = {int(ms)}")
            self._busy_ms = ms

    def _restore_busy_timeout(self) -> None:
        if self._db is not None:
            self._set_busy_timeout(self.busy_timeout_ms)

    # execute_fetchall is one hop to aiosqlite's thread; execute + fetchone + close would be three,
    # and on a busy click path those hops are most of the cost.
    async def _purge_past_retention(self, table: str, time_column: str, default_days: int, now: float) -> int:
        """Delete ``table``'s rows older than their server's FAQ retention (``default_days`` where the
        server set none): question text and what was taught from it follow one rule."""
        async with self._tx() as db:
            cur = await db.execute(
                f"DELETE FROM {table} WHERE {time_column} < ? - 86400.0 * coalesce("
                f" (SELECT faq_retention_days FROM guild_settings g WHERE g.guild_id = {table}.guild_id), ?)",
                (now, default_days),
            )
            return cur.rowcount

    async def _write_one(self, sql: str, params: Sequence[Any] = ()) -> None:
        """One statement that is atomic on its own and may be repeated (it sets columns to given
        values): on PostgreSQL without BEGIN and COMMIT, one round trip instead of three, retried once
        on a connection found dead; on SQLite in the click path's transaction."""
        if self._pool is not None:
            with _transient_errors():
                await pg.fetch(self._pool, sql, params)
            return
        async with self._tx(fast=True) as db:
            await db.execute(sql, params)

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        if self._pool is not None:
            with _transient_errors():
                return await pg.fetch(self._pool, sql, params)
        async with self._lock:
            with _transient_errors():
                return list(await self.db.execute_fetchall(sql, params))

    @asynccontextmanager
    async def read_snapshot(self) -> AsyncIterator[Tx]:
        """Moderators' reads: a separate connection, one consistent snapshot, never a write.

        PostgreSQL: a second pool whose transactions are read-only and repeatable-read, so a long
        summary neither sees half of a member's click nor takes a connection members need."""
        if self.is_postgres:
            assert self._url is not None
            if self._read_pool is None:
                with _transient_errors():
                    self._read_pool = await pg.create_pool(self._url, pg.READ_POOL_SIZE)
            with _transient_errors():
                async with pg.transaction(self._read_pool, isolation="repeatable_read", readonly=True) as tx:
                    yield tx
            return
        reader = await self.open_reader()
        try:
            with _transient_errors():
                await reader.execute("BEGIN")
                yield _SqliteTx(reader)
                await reader.execute("COMMIT")
        finally:
            await reader.close()

    async def open_reader(self) -> aiosqlite.Connection:
        """A read-only SQLite connection for moderators' aggregate queries (caller closes it)."""
        if self.is_postgres:
            raise StorageError("open_reader is SQLite's; use read_snapshot() on PostgreSQL")
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        db = await aiosqlite.connect(uri, uri=True)
        db.row_factory = sqlite3.Row
        await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return db

    async def backup(self, target: Path) -> None:
        """SQLite online backup: consistent even while members keep writing."""
        if self.is_postgres:
            raise StorageError("back up PostgreSQL with pg_dump (see the README)")
        target.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(target) as dest, self._lock:
            await self.db.backup(dest)
