"""Storage cost of one quiz click: read the session with its answers, then write the answer and the
new position in one transaction (what QuizService does on a session it has not seen), or, on a
session this process served last, the guarded write alone (bot/storage/_known.py); and the same
write with 50 members clicking at once (on PostgreSQL their steps share statements, _steps.py).

    python -m bench.storage_click [--clicks 3000] [--database-url postgresql://…]

SQLite is measured with a thread hop per statement (aiosqlite, the baseline), with the click path's
statements on the event loop (the default), and on the loop from a known session, one member at a
time and 50 at once. Figures are CPU per click (a session's start included, one per 12 clicks) and
wall time per click (per round of 50 in the crowd rows); a PostgreSQL URL adds that backend (wall time
includes the server's round trips).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from bot.storage import SessionRow, Storage

QUESTIONS = 12
CROWD = 50  # members clicking at once in the crowd rows


async def step(storage: Storage, found: tuple[SessionRow, Mapping[str, str]] | None, pos: int) -> None:
    """Answer the question at ``pos`` of the session as ``found``, guarded by its updated_at."""
    assert found is not None and found[0].position == pos
    moved = await storage.save_progress(
        found[0].id,
        expect_position=pos,
        expect_updated_at=found[0].updated_at,
        position=pos + 1,
        status="active",
        now=time.time(),
        answer=(f"q{pos}", "a"),
    )
    assert moved is not None


async def clicks(storage: Storage, n: int, known: bool) -> tuple[float, float, float]:
    """(CPU µs per click, median wall µs, p99 wall µs) over n clicks spread across sessions.
    ``known``: the session comes from storage's memory of it, and the write is guarded by its
    updated_at, as a click on a session this process served last."""
    walls: list[float] = []
    cpu0 = time.process_time()
    done, user = 0, 0
    while done < n:
        user += 1
        sess = await storage.start_session(
            user_id=user, guild_id=1, origin_channel_id=None, quiz_version="v", mode="dm", now=time.time()
        )
        for pos in range(min(QUESTIONS, n - done)):
            t0 = time.perf_counter()
            found = storage.known_session(sess.id) if known else await storage.session_with_answers(sess.id)
            await step(storage, found, pos)
            walls.append((time.perf_counter() - t0) * 1e6)
            done += 1
    cpu = (time.process_time() - cpu0) * 1e6 / n
    walls.sort()
    return cpu, statistics.median(walls), walls[int(len(walls) * 0.99) - 1]


async def together(storage: Storage, n: int, members: int) -> tuple[float, float, float]:
    """As ``clicks`` on known sessions, with ``members`` members clicking at once (each click of a
    round starts in the same pass of the event loop, as a burst of interactions does): on PostgreSQL
    their steps share statements (bot/storage/_steps.py). Wall times are a whole round's."""
    walls: list[float] = []
    cpu0 = time.process_time()
    done, user = 0, 0
    while done < n:
        sessions = []
        for _ in range(members):
            user += 1
            sessions.append(
                await storage.start_session(
                    user_id=user,
                    guild_id=1,
                    origin_channel_id=None,
                    quiz_version="v",
                    mode="dm",
                    now=time.time(),
                )
            )
        for pos in range(QUESTIONS):
            t0 = time.perf_counter()

            await asyncio.gather(*(step(storage, storage.known_session(s.id), pos) for s in sessions))
            walls.append((time.perf_counter() - t0) * 1e6)
            done += members
    cpu = (time.process_time() - cpu0) * 1e6 / done
    walls.sort()
    return cpu, statistics.median(walls), walls[max(0, int(len(walls) * 0.99) - 1)]


async def measure(
    target: Path | str, fast: bool, n: int, known: bool = False, crowd: int = 0
) -> tuple[float, float, float]:
    storage = Storage(target)
    storage.fast_clicks = fast
    await storage.open()
    try:
        if crowd:
            await together(storage, min(200, n), crowd)  # warm caches and prepared statements
            return await together(storage, n, crowd)
        await clicks(storage, min(200, n), known)
        return await clicks(storage, n, known)
    finally:
        await storage.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clicks", type=int, default=3000)
    parser.add_argument("--database-url", default=None, help="also measure this PostgreSQL database")
    args = parser.parse_args()
    rows: list[tuple[str, tuple[float, float, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, fast, known, crowd in (
            ("sqlite, thread hop per statement (baseline)", False, False, 0),
            ("sqlite, click path on the loop", True, False, 0),
            ("sqlite, on the loop, known session", True, True, 0),
            (f"sqlite, known, {CROWD} at once (round)", True, True, CROWD),
        ):
            figures = await measure(
                Path(tmp) / f"{fast}-{known}-{crowd}.sqlite3", fast, args.clicks, known, crowd
            )
            rows.append((label, figures))
            print(
                f"{label:48} cpu {figures[0]:7.0f} µs/click   wall p50 {figures[1]:7.0f} µs   p99 {figures[2]:7.0f} µs",
                flush=True,
            )
    if args.database_url:
        for label, known, crowd in (
            ("postgresql", False, 0),
            ("postgresql, known session", True, 0),
            (f"postgresql, known, {CROWD} at once (round)", True, CROWD),
        ):
            figures = await measure(args.database_url, True, args.clicks, known, crowd)
            rows.append((label, figures))
            print(
                f"{label:48} cpu {figures[0]:7.0f} µs/click   wall p50 {figures[1]:7.0f} µs   p99 {figures[2]:7.0f} µs",
                flush=True,
            )
    base = rows[0][1][0]
    for label, figures in rows[1:]:
        print(f"CPU per click, {label} / baseline: {figures[0] / base:.2f}×")


if __name__ == "__main__":
    asyncio.run(main())
