"""Leases: one process at a time among several sharing the database (housekeeping across shards)."""

from __future__ import annotations

from bot.storage._base import StorageBase


class LeaseTables(StorageBase):
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
