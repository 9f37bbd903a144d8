"""Utility of the suppression for a realistic community: the share of cells a moderator sees.

200 members over 8 weeks (more joining later), outcomes about 60/30/10, a fifth stopping part way
(early questions more often), a tenth retaking. Every view (7d, 30d, 90d, all) is audited from
scratch: the share shown, and that no hidden count is fixed by the equations or pinned by labels.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from bot.content import Quiz
from bot.stats.figures import Audit, audit, week_start
from bot.stats.service import week_start_epoch
from bot.stats.types import PERIODS
from bot.storage import Storage

GUILD = 42
MEMBERS, WEEKS, K = 200, 8, 5
OUTCOME_WEIGHTS = {"ai": 60, "ml": 30, "hybrid": 10}
STOP_SHARE, RETAKE_SHARE = 0.2, 0.1


def _pick(rnd: random.Random, n: int, outcome: str) -> int:
    """An option index leaning to the outcome's end of the scale, as real answers do."""
    lean = {"ai": 0.15, "ml": 0.85, "hybrid": 0.5}[outcome]
    return min(n - 1, max(0, round(rnd.gauss(lean * (n - 1), n / 3))))


def seed(
    path: Path,
    quiz: Quiz,
    now: float,
    seed: int = 12,
    *,
    members: int = MEMBERS,
    weeks: int = WEEKS,
    outcome_weights: dict[str, int] = OUTCOME_WEIGHTS,
    stop_share: float = STOP_SHARE,
    retake_share: float = RETAKE_SHARE,
    guild: int = GUILD,
) -> int:
    """Write the community's history; returns the sessions written."""
    rnd = random.Random(seed)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN")
    sid, start_of_span = 0, week_start_epoch(now) - weeks * 7 * 86400
    main, every = quiz.questions, quiz.all_questions
    for member in range(members):
        user = 10_000 + member
        week = min(weeks - 1, int(weeks * rnd.random() ** 0.7))  # later weeks busier
        attempts = 2 if rnd.random() < retake_share else 1
        for attempt in range(attempts):
            sid += 1
            started = start_of_span + (week + rnd.random()) * 7 * 86400 + attempt * 3600
            if attempt == attempts - 1 and rnd.random() < stop_share:
                position = min(len(main) - 1, int(rnd.expovariate(0.35)))
                status = rnd.choice(("abandoned", "expired", "cancelled"))
                outcome = rnd.choice(list(outcome_weights))
                done = started + 300
            else:
                outcome = rnd.choices(list(outcome_weights), weights=list(outcome_weights.values()))[0]
                position, status, done = (
                    (len(every) if outcome == "hybrid" else len(main)),
                    "completed",
                    started + 420,
                )
            con.execute(
                "INSERT INTO quiz_sessions (id, user_id, guild_id, quiz_version, status, position, started_at,"
                " updated_at, finished_at) VALUES (?, ?, ?, 'v2', ?, ?, ?, ?, ?)",
                (sid, user, guild, status, position, started, done, done),
            )
            for i, q in enumerate(every[:position]):
                option = q.options[_pick(rnd, len(q.options), outcome)].id
                con.execute(
                    "INSERT INTO quiz_answers (session_id, question_id, option_id, answered_at) VALUES (?, ?, ?, ?)",
                    (sid, q.id, option, started + 20 * i),
                )
            if status == "completed":
                con.execute(
                    "INSERT INTO quiz_results (session_id, user_id, guild_id, outcome, fit_ai, fit_ml,"
                    " quiz_version, content_version, started_at, completed_at)"
                    " VALUES (?, ?, ?, ?, 50, 50, 'v2', 'bench', ?, ?)",
                    (sid, user, guild, outcome, started, done),
                )
    con.execute("COMMIT")
    con.close()
    return sid


async def _audit_all(path: Path, quiz: Quiz, now: float) -> dict[str, Audit]:
    storage = Storage(path)
    await storage.open()
    await storage.rebuild_rollups()  # seeded behind storage's back: build the rollups from the rows
    reader = await storage.open_reader()
    try:
        return {p: await audit(reader, guild_id=GUILD, period=p, now=now, k=K, quiz=quiz) for p in PERIODS}
    finally:
        await reader.close()
        await storage.close()


async def _schema(path: Path) -> None:
    storage = Storage(path)
    await storage.open()
    await storage.close()


def run(quiz: Quiz) -> None:
    now = week_start_epoch(time.time())  # STATS_UP_TO=last-week: the cut-off is this Monday
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "community.sqlite3"
        asyncio.run(_schema(path))
        sessions = seed(path, quiz, now)
        audits = asyncio.run(_audit_all(path, quiz, now))
    print(
        f"\nutility: {MEMBERS} members over {WEEKS} weeks up to {week_start(now)} ({sessions} sessions,"
        f" outcomes ~60/30/10, {STOP_SHARE:.0%} stop part way, {RETAKE_SHARE:.0%} retake), k={K}:"
    )
    print("| period | cells | shown | '< k' | 'hidden' | fixed by equations | pinned by labels |")
    print("|---|---|---|---|---|---|---|")
    for period, a in audits.items():
        print(
            f"| {period} | {a.cells} | {a.shown} ({a.shown / a.cells:.0%}) | {a.small} | {a.protective}"
            f" | {a.determined} | {a.pinned} |"
        )
    total = audits["all"]
    verdict = "met" if total.shown / total.cells >= 0.85 else "NOT met"
    print(
        f"goal >= 85% shown (all time): {verdict}; recoverable hidden cells: {total.determined + total.pinned}"
    )
