"""The thin layer between storage's queries and a database driver (aiosqlite or asyncpg).

Queries are written once, with ``?`` placeholders; rows come back as ``sqlite3.Row`` or
``asyncpg.Record``, both readable by column name or index. SQL that only one dialect speaks lives
here as named fragments, never in the query methods.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class Row(Protocol):
    """What both drivers' rows offer: ``row["col"]``, ``row[0]`` and ``dict(row)``."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def keys(self) -> Iterable[str]: ...


@dataclass(frozen=True)
class Done:
    """What a write reports: rows touched (and, on SQLite, the new rowid)."""

    rowcount: int
    lastrowid: int | None = None


class Tx(Protocol):
    """One connection inside a transaction (or, for reads, a plain connection)."""

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Done: ...

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...


@dataclass(frozen=True)
class Dialect:
    name: str
    # The member's answers of session ``s`` as one JSON object (question -> option).
    answers_json: str
    # The ids in a JSON list parameter, as a one-column subquery.
    json_ids: str


SQLITE = Dialect(
    name="sqlite",
    answers_json="(SELECT json_group_object(question_id, option_id) FROM quiz_answers a WHERE a.session_id = s.id)",
    json_ids="SELECT value FROM json_each(?)",
)
POSTGRES = Dialect(
    name="postgresql",
    answers_json=(
        "(SELECT json_object_agg(question_id, option_id)::text FROM quiz_answers a WHERE a.session_id = s.id)"
    ),
    json_ids="SELECT value::bigint FROM json_array_elements_text(?::json)",
)

_PLACEHOLDER = re.compile(r"\?|'(?:[^']|'')*'")


def numbered(sql: str) -> str:
    """``?`` -> ``$1, $2, …`` for asyncpg; question marks inside string literals stay."""
    counter = 0

    def repl(match: re.Match[str]) -> str:
        nonlocal counter
        if match.group(0) != "?":
            return match.group(0)
        counter += 1
        return f"${counter}"

    return _PLACEHOLDER.sub(repl, sql)


_STATUS_COUNT = re.compile(r"(\d+)$")


def status_rowcount(status: str) -> int:
    """asyncpg reports "UPDATE 3" / "INSERT 0 1"; the last number is the row count."""
    match = _STATUS_COUNT.search(status)
    return int(match.group(1)) if match else 0
