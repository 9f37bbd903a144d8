"""SQLite repository: typed methods over one writer connection, numbered migrations, no SQL elsewhere.

The methods live in files named for the tables they touch; ``Storage`` is all of them together.
"""

from __future__ import annotations

from bot.storage._base import (
    BUSY_TIMEOUT_MS,
    Migration,
    StorageBase,
    StorageError,
    StorageUnavailable,
    migrations,
)
from bot.storage._community import CommunityTables
from bot.storage._copy import TableCopy, copy_database
from bot.storage._erase import Erasure
from bot.storage._lease import LeaseTables
from bot.storage._quiz import QuizTables
from bot.storage._rollups import RollupTables
from bot.storage._rows import GuildSettings, MemberData, ResultRow, SessionRow
from bot.storage._taught import TaughtTables

__all__ = [
    "BUSY_TIMEOUT_MS",
    "GuildSettings",
    "MemberData",
    "Migration",
    "ResultRow",
    "SessionRow",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "TableCopy",
    "copy_database",
    "migrations",
]


class Storage(Erasure, QuizTables, CommunityTables, TaughtTables, RollupTables, LeaseTables, StorageBase):
    """The bot's storage: open it once at start-up, close it at shutdown."""
