"""Answer paths through data/quiz.yaml (option index per question), and helpers to click them."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import sqlite3
from pathlib import Path
from typing import Any

from bot.content import load_content
from fakediscord import FakeDiscord

DATA = Path(__file__).parents[1] / "data"

# Main questions in data order, then tie-breaks when asked. Index 0 is the AI end of every scale.
AI_PATH = [0] * 13
ML_PATH = [3, 3, 2, 2, 3, 3, 2, 3, 2, 2, 2, 2, 2]  # the last option of each question
BALANCED_MAIN = [1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1]
HYBRID_PATH = [*BALANCED_MAIN, 1, 1, 1]
AI_BY_TIEBREAK = [*BALANCED_MAIN, 0, 0, 0]


def shown_ids(message: Any) -> list[str]:
    """custom_ids of the answer buttons (first row) of a quiz message, in the order shown."""
    return [c["custom_id"] for c in message.components[0]["components"]]


@functools.cache
def _scale() -> dict[str, list[str]]:
    quiz = load_content(DATA).quiz
    return {q.id: [o.id for o in q.options] for q in quiz.all_questions}


def option_ids(message: Any) -> list[str]:
    """The same custom_ids in the data's scale order (index 0 the AI end), whatever order they show in."""
    shown = shown_ids(message)
    question = shown[0].split(":")[2]
    by_option = {cid.split(":")[3]: cid for cid in shown}
    return [by_option[o] for o in _scale()[question]]


def nav_id(message: Any, action: str) -> str:
    return next(cid for cid in message.custom_ids() if cid.startswith("cqn:") and cid.endswith(f":{action}"))


async def answer_all(fake: FakeDiscord, user: Any, message: Any, picks: list[int], **click: Any) -> Any:
    """Click each pick on the (edited in place) quiz message; returns the final message."""
    for pick in picks:
        res = await fake.click(user, message, option_ids(message)[pick], **click)
        assert res.error is None, res.error
        message = res.message
    return message


def db_rows(path: Path | str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows straight from the database a test's bot uses: a SQLite file or a PostgreSQL URL."""
    if isinstance(path, str):
        return _pg_rows(path, sql, params)
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def _pg_rows(url: str, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    # Synchronous like the SQLite branch, so tests read the same either way: its own loop, in a thread.
    import asyncpg

    from bot.storage._driver import numbered

    async def fetch() -> list[tuple[Any, ...]]:
        con = await asyncpg.connect(url)
        try:
            return [tuple(r) for r in await con.fetch(numbered(sql), *params)]
        finally:
            await con.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, fetch()).result()
