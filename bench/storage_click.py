"""Storage cost of one quiz click: read the session with its answers, then write the answer and the
new position in one transaction (what QuizService does on a session it has not seen), or, on a
session this process served last, the guarded write alone (bot/storage/_known.py).

    python -m bench.storage_click [--clicks 3000] [--database-url postgresql://…]

SQLite is measured three times in the same run: with a thread hop per statement (aiosqlite, the
baseline), with the click path's statements on the event loop (the default), and on the loop from a
known session. Figures are CPU and wall time per click; a PostgreSQL URL adds that backend, read +
write and write alone (wall time includes the server's round trips).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.storage import Storage

QUESTIONS = 12


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
            assert found is not None and found[0].position == pos
            moved = await storage.save_progress(
                sess.id,
                expect_position=pos,
                expect_updated_at=found[0].updated_at,
                position=pos + 1,
                status="active",
                now=time.time(),
                answer=(f"q{pos}", "a"),
            )
            assert moved is not None
            walls.append((time.perf_counter() - t0) * 1e6)
            done += 1
    cpu = (time.process_time() - cpu0) * 1e6 / n
    walls.sort()
    return cpu, statistics.median(walls), walls[int(len(walls) * 0.99) - 1]


async def measure(target: Path | str, fast: bool, n: int, known: bool = False) -> tuple[float, float, float]:
    storage = Storage(target)
    storage.fast_clicks = fast
    await storage.open()
    try:
        await clicks(storage, min(200, n), known)  # warm caches and prepared statements
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
        for label, fast, known in (
            ("sqlite, thread hop per statement (baseline)", False, False),
            ("sqlite, click path on the loop", True, False),
            ("sqlite, on the loop, known session", True, True),
        ):
            figures = await measure(Path(tmp) / f"{fast}-{known}.sqlite3", fast, args.clicks, known)
            rows.append((label, figures))
            print(
                f"{label:48} cpu {figures[0]:7.0f} µs/click   wall p50 {figures[1]:7.0f} µs   p99 {figures[2]:7.0f} µs",
                flush=True,
            )
    if args.database_url:
        for label, known in (("postgresql", False), ("postgresql, known session", True)):
            figures = await measure(args.database_url, True, args.clicks, known)
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
