"""Leases: one process at a time among several sharing the database (housekeeping across shards).

SQLite: a lease row with an expiry, renewed by its holder. PostgreSQL: a session advisory lock on a
connection of its own, held for as long as the process keeps the job; the server frees it the moment
that connection ends (the process died, the network dropped), so no expiry is needed.
"""

from __future__ import annotations

from typing import Any

from bot.storage import _postgres as pg
from bot.storage._base import StorageBase, StorageUnavailable


class LeaseTables(StorageBase):
    async def hold_exclusive(self, name: str, holder: str, ttl: float, now: float) -> bool:
        """Whether this process runs the job `name` now: it holds, renews or has just taken it.

        ``holder`` and ``ttl`` are the SQLite lease's; PostgreSQL uses an advisory lock instead."""
        if not self.is_postgres:
            return await self.try_lease(name, holder, ttl, now)
        conn = self._exclusive.get(name)
        if conn is not None:
            try:
                await conn.fetchval("SELECT 1")  # still connected, so still holding the lock
                return True
            except Exception:
                # Any failure (even asyncpg's InternalClientError while the server's termination notice
                # is still being read) means the lock can no longer be trusted.
                self._exclusive.pop(name, None)
                conn.terminate()
        assert self._url is not None
        try:
            conn = await pg.connect_one(self._url)
        except pg.TRANSIENT as exc:
            raise StorageUnavailable(f"PostgreSQL: {type(exc).__name__}") from exc
        try:
            got = await conn.fetchval(
                # Keyed by schema too: two deployments sharing one database must not exclude each other.
                "SELECT pg_try_advisory_lock(hashtextextended(current_schema() || ':' || $1, 0))",
                name,
            )
        except BaseException:
            conn.terminate()
            raise
        if not got:
            await conn.close()
            return False
        self._exclusive[name] = conn
        return True

    async def release_exclusive(self, name: str, holder: str) -> None:
        """Give the job up (on shutdown); another process, or this one restarted, takes it at its next
        try. On SQLite the lease row goes (only if still ours): left to lapse, it would make a restarted
        bot skip housekeeping for up to 1.5 intervals (90 minutes by default)."""
        if not self.is_postgres:
            async with self._tx() as db:
                await db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))
            return
        conn: Any = self._exclusive.pop(name, None)
        if conn is not None:
            await conn.close()

    async def try_lease(self, name: str, holder: str, ttl: float, now: float) -> bool:
        """Take or renew the lease `name` for `ttl` seconds; False while another holder's is unexpired.

        One upsert decides it, so two processes racing for a free lease cannot both win.
        """
        async with self._tx() as db:
            rows = await db.execute_fetchall(
                "INSERT INTO leases (name, holder, expires_at, acquired_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
                " expires_at = excluded.expires_at,"
                " acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at"
                " ELSE excluded.acquired_at END"
                " WHERE leases.holder = excluded.holder OR leases.expires_at <= excluded.acquired_at"
                " RETURNING holder",
                (name, holder, now + ttl, now),
            )
        return len(list(rows)) > 0

    async def lease_holder(self, name: str, now: float) -> str | None:
        """Who holds `name` now (None when free or expired)."""
        row = await self._one("SELECT holder FROM leases WHERE name = ? AND expires_at > ?", (name, now))
        return None if row is None else str(row["holder"])
