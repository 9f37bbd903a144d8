"""Physical deletion: once a member's data is deleted, its bytes leave the files too.

SQLite only marks deleted cells free and keeps old page images in the ``-wal`` file until a later
checkpoint. ``secure_delete`` zeroes freed content; a TRUNCATE checkpoint folds the zeroed pages into
the main file and empties the WAL, so nothing readable is left behind a "deleted" confirmation.
"""

from __future__ import annotations

import logging

from bot.storage._base import StorageBase

log = logging.getLogger("careerbot.storage")


class Erasure(StorageBase):
    async def open(self) -> None:
        await super().open()
        if not self.is_postgres:  # PostgreSQL: VACUUM reclaims dead rows; see the README's privacy notes
            await self.db.execute_fetchall("PRAGMA secure_delete = ON")

    async def erase_traces(self) -> bool:
        """Fold the WAL into the main file and truncate it; False when a reader pinned old pages."""
        if self.is_postgres:
            return True
        async with self._lock:
            rows = list(await self.db.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)"))
        busy = bool(rows and rows[0][0])
        if busy:
            # A moderator's long read holds a snapshot; the next housekeeping pass finishes the job.
            log.warning("deleted rows may linger in the WAL until a reader finishes")
        return not busy
