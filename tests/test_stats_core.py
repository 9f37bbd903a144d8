"""Moderators' statistics on a real SQLite file: a hand-built two-guild dataset checked against
hand-computed numbers, suppression (unit, property and end to end), period filtering, guild
isolation and the CSV export."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path

import aiosqlite
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bot.stats.figures as stats
from bot.content import Content, Quiz, load_content
from bot.faq.review import FaqGroup, faq_queue, faq_votes
from bot.stats import Summary, summary
from bot.stats.export import (
    export_csvs,
    funnel_bars,
    funnel_chart,
    outcome_bars,
    outcome_chart,
    question_bars,
    question_chart,
)
from bot.stats.suppression import Cell, Group, hidden_cells, suppress
from bot.stats.types import PERIODS
from bot.storage import Storage

ROOT = Path(__file__).resolve().parents[1]
NOW = 1795694400.0  # Thursday 2026-11-26 12:00 UTC
DAY = 86400.0
A, B = 111, 222


def uid(n: int) -> int:
    """Member ids long and distinctive enough to search the export for."""
    return 9_100_000_000_000_000 + n


@pytest.fixture(scope="module")
def quiz() -> Quiz:
    content: Content = load_content(ROOT / "data")
    return content.quiz


# ---------------------------------------------------------------- the dataset


@dataclass
class Seeder:
    db: aiosqlite.Connection
    quiz: Quiz

    async def _session(
        self,
        user: int,
        guild: int | None,
        status: str,
        position: int,
        started: float,
        version: str,
        end: float,
    ) -> int:
        finished = None if status == "active" else end
        cur = await self.db.execute(
            "INSERT INTO quiz_sessions (user_id, guild_id, quiz_version, status, position, started_at,"
            " updated_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (user, guild, version, status, position, started, end, finished),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    async def _answers(self, session: int, picks: list[tuple[int, int]], at: float) -> None:
        """picks: (question index in all_questions, option index)."""
        qs = self.quiz.all_questions
        await self.db.executemany(
            "INSERT INTO quiz_answers (session_id, question_id, option_id, answered_at) VALUES (?, ?, ?, ?)",
            [(session, qs[q].id, qs[q].options[o].id, at) for q, o in picks],
        )

    async def completed(
        self,
        user: int,
        guild: int | None,
        outcome: str,
        days_ago: float,
        minutes: float,
        *,
        version: str = "v2",
        tiebreaks: bool = False,
        stale_tiebreaks: bool = False,
    ) -> None:
        """ai members pick every main question's first option, ml the last, hybrid the second."""
        done = NOW - days_ago * DAY
        started = done - minutes * 60
        main = len(self.quiz.questions)
        position = len(self.quiz.all_questions) if tiebreaks else main
        sid = await self._session(user, guild, "completed", position, started, version, done)
        pick = {"ai": 0, "hybrid": 1, "ml": -1}[outcome]
        picks = [(q, pick) for q in range(main)]
        if tiebreaks or stale_tiebreaks:  # stale: answered, then Back dropped them from the sequence
            picks += [(q, 1 if tiebreaks else 0) for q in range(main, len(self.quiz.all_questions))]
        await self._answers(sid, picks, started)
        await self.db.execute(
            "INSERT INTO quiz_results (session_id, user_id, guild_id, outcome, fit_ai, fit_ml, quiz_version,"
            " content_version, started_at, completed_at) VALUES (?, ?, ?, ?, 50, 50, ?, 'c', ?, ?)",
            (sid, user, guild, outcome, version, started, done),
        )

    async def unfinished(
        self, user: int, guild: int | None, status: str, position: int, days_ago: float
    ) -> None:
        started = NOW - days_ago * DAY
        sid = await self._session(user, guild, status, position, started, "v2", started + 60)
        await self._answers(sid, [(q, 0) for q in range(position)], started)


async def seed(db: aiosqlite.Connection, quiz: Quiz) -> None:
    s = Seeder(db, quiz)
    # Guild A. Days ago from Thursday noon: 3 = Monday this week, 5 = last Saturday, 11 = Sunday
    # two weeks back. Minutes are start-to-result times, for the median.
    await s.completed(uid(1), A, "ai", 1, 5)
    await s.completed(uid(2), A, "ai", 2, 7)
    await s.completed(uid(3), A, "ml", 2, 9)
    await s.completed(uid(4), A, "ai", 3, 11)
    await s.completed(uid(5), A, "ml", 9, 13, version="v1")
    await s.completed(uid(6), A, "ml", 10, 15, version="v1")
    await s.completed(uid(7), A, "hybrid", 11, 20, tiebreaks=True)
    await s.completed(uid(8), A, "ai", 12, 30, stale_tiebreaks=True)
    await s.completed(uid(9), A, "ai", 40, 6)
    await s.completed(uid(10), A, "ai", 20, 8)
    await s.unfinished(uid(10), A, "active", 2, 1)  # a retake in progress: the finished one still counts
    await s.completed(uid(11), A, "ml", 15, 40)  # superseded by their later result
    await s.completed(uid(11), A, "ai", 5, 12)
    await s.unfinished(uid(12), A, "abandoned", 3, 2)
    await s.unfinished(uid(13), A, "cancelled", 3, 4)
    await s.unfinished(uid(14), A, "expired", 0, 6)
    await s.unfinished(uid(15), A, "abandoned", 7, 12)
    await s.unfinished(uid(16), A, "active", 5, 0.5)
    await s.unfinished(uid(17), A, "expired", 3, 25)
    await s.unfinished(uid(18), A, "abandoned", 2, 3)
    await s.unfinished(uid(18), A, "active", 4, 1)  # latest attempt wins when none finished
    await s.completed(uid(19), A, "hybrid", 200, 25, version="v0", tiebreaks=True)
    await s.unfinished(uid(20), A, "expired", 14, 100)  # stopped at the second tie-break
    # Guild B, including a member of A, and a DM quiz: none of it may reach A's figures.
    await s.completed(uid(1), B, "hybrid", 1, 3)
    for n in range(101, 106):
        await s.completed(uid(n), B, "hybrid", 2, 4)
    await s.unfinished(uid(106), B, "abandoned", 2, 2)
    await s.completed(uid(2), None, "ml", 1, 6)
    await db.commit()


@pytest.fixture
async def storage(tmp_path: Path, quiz: Quiz) -> AsyncIterator[Storage]:
    st_ = Storage(tmp_path / "stats.sqlite3")
    await st_.open()
    await seed(st_.db, quiz)
    await st_.rebuild_rollups()  # seeded behind storage's back: build the rollups from the rows
    yield st_
    await st_.close()


@pytest.fixture
async def reader(storage: Storage) -> AsyncIterator[aiosqlite.Connection]:
    db = await storage.open_reader()
    yield db
    await db.close()


async def run(db: aiosqlite.Connection, quiz: Quiz, period: stats.Period, k: int, guild: int = A) -> Summary:
    return await summary(db, guild_id=guild, period=period, now=NOW, k=k, quiz=quiz)


def counts(cells: dict[str, Cell]) -> dict[str, int | None]:
    return {key: c.count for key, c in cells.items()}


def week_counts(s: Summary) -> dict[str, int | None]:
    return {week: cell.count for week, cell in s.weekly}


def option_counts(s: Summary, question: str) -> list[int | None]:
    q = next(q for q in s.questions if q.id == question)
    return [c.count for c in q.options.values()]


def dropoff(s: Summary) -> dict[str, int | None]:
    return {q.id: q.dropoff.count for q in s.questions if q.dropoff.count != 0}


# ---------------------------------------------------------------- hand-computed, nothing hidden (k = 1)


async def test_30_days_matches_hand_computed_figures(reader: aiosqlite.Connection, quiz: Quiz) -> None:
    s = await run(reader, quiz, "30d", k=1)
    assert s.since == (NOW // DAY - 29) * DAY  # whole UTC days: today and the 29 before it
    assert counts(s.funnel) == {
        "started": 17,
        "completed": 10,
        "active": 2,
        "abandoned": 2,
        "cancelled": 1,
        "expired": 2,
    }
    assert s.takers == s.funnel["started"] and s.takers.count == 17
    assert s.completion_rate == pytest.approx(10 / 17)
    assert s.funnel["abandoned"].share == pytest.approx(2 / 17)
    assert s.median_minutes == 11.5  # 5 7 8 9 11 | 12 13 15 20 30
    assert counts(s.outcomes) == {"ai": 6, "ml": 3, "hybrid": 1}
    assert s.outcomes["ai"].share == pytest.approx(0.6)
    assert s.outcomes["ai"].show(1) == "6 (60%)"
    # Finishers per week; weeks with none are left out.
    assert week_counts(s) == {"2026-11-02": 1, "2026-11-09": 2, "2026-11-16": 3, "2026-11-23": 4}
    assert [q.id for q in s.questions] == [q.id for q in quiz.all_questions]
    assert option_counts(s, "work-style") == [6, 1, 0, 3]
    assert option_counts(s, "impact") == [6, 1, 3]
    assert all(q.answered.count == 10 for q in s.questions if not q.tiebreak)
    # Only uid(7) reached the tie-breaks; uid(8)'s answers left its sequence and do not count.
    assert all(
        q.answered.count == 1 and option_counts(s, q.id) == [0, 1, 0] for q in s.questions if q.tiebreak
    )
    work_style = s.questions[0]
    assert work_style.labels["build"] == quiz.questions[0].options[0].label
    assert dropoff(s) == {"work-style": 1, "mindset": 3, "tools": 1}
    assert s.questions[3].dropoff.share == pytest.approx(3 / 5)
    assert s.versions == {"v1": 2, "v2": 8}


async def test_periods_filter_by_start_time(reader: aiosqlite.Connection, quiz: Quiz) -> None:
    week = await run(reader, quiz, "7d", k=1)
    assert counts(week.funnel) == {
        "started": 10,
        "completed": 5,
        # uid(10) counts by their finished attempt (20 days ago), so their retake is not in this week
        "active": 2,
        "abandoned": 1,
        "cancelled": 1,
        "expired": 1,
    }
    assert counts(week.outcomes) == {"ai": 4, "ml": 1, "hybrid": 0}
    assert week_counts(week) == {"2026-11-16": 1, "2026-11-23": 4}
    assert dropoff(week) == {"work-style": 1, "mindset": 2}
    assert week.median_minutes == 9.0
    assert week.versions == {"v2": 5}

    everything = await run(reader, quiz, "all", k=1)
    assert everything.since is None
    assert counts(everything.funnel) == {
        "started": 20,
        "completed": 12,
        "active": 2,
        "abandoned": 2,
        "cancelled": 1,
        "expired": 3,
    }
    assert counts(everything.outcomes) == {"ai": 7, "ml": 3, "hybrid": 2}
    assert dropoff(everything) == {"work-style": 1, "mindset": 3, "tools": 1, "tb-proud": 1}
    assert everything.versions == {"v0": 1, "v1": 2, "v2": 9}
    assert all(q.answered.count == 2 for q in everything.questions if q.tiebreak)
    weeks = [w for w, _ in everything.weekly]
    # Weeks in which someone finished, Mondays only; they add up to the completed total.
    assert weeks[-1] == "2026-11-23" and weeks == sorted(weeks)
    assert all(date.fromisoformat(w).weekday() == 0 for w in weeks)
    assert sum(cell.count or 0 for _, cell in everything.weekly) == 12


async def test_other_guilds_and_dms_never_leak_in(storage: Storage, quiz: Quiz) -> None:
    reader = await storage.open_reader()
    try:
        before = {p: await run(reader, quiz, p, k=1) for p in PERIODS}
        other = await run(reader, quiz, "30d", k=1, guild=B)
    finally:
        await reader.close()
    assert counts(other.funnel)["started"] == 7 and counts(other.outcomes) == {"ai": 0, "ml": 0, "hybrid": 6}
    for table in ("quiz_results", "quiz_sessions"):
        await storage.db.execute(f"DELETE FROM {table} WHERE guild_id IS NOT ?", (A,))
    await storage.db.commit()
    await storage.rebuild_rollups()
    reader = await storage.open_reader()
    try:
        for period, expected in before.items():
            assert await run(reader, quiz, period, k=1) == expected
    finally:
        await reader.close()


# ---------------------------------------------------------------- suppression


def test_suppress_hides_small_cells_and_a_complement() -> None:
    cells = suppress({"ai": 6, "ml": 3, "hybrid": 1}, 2)
    # hybrid alone would be 10 - 6 - 3: the next-smallest goes too, shares with it.
    assert counts(cells) == {"ai": 6, "ml": None, "hybrid": None}
    assert cells["ai"].share == pytest.approx(0.6) and cells["ml"].share is None
    # ml (3) is not small: hidden only to protect hybrid, so it must not read "< 2".
    assert cells["ml"].show(2) == "hidden" and cells["hybrid"].show(2) == "< 2"
    assert cells["ai"].show(2) == "6 (60%)"
    # Zeros are counts below k too; total below k hides the whole group (and its total).
    assert counts(suppress({"a": 0, "b": 9, "c": 9}, 5)) == {"a": None, "b": None, "c": 9}
    whole = suppress({"a": 2, "b": 2}, 5, total="all")
    assert counts(whole) == {"a": None, "b": None, "all": None}
    # "< 5" and "< 5" adding up to 8 would read as 4 and 4: then the total goes as well.
    assert counts(suppress({"a": 4, "b": 4}, 5, total="all")) == {"a": None, "b": None, "all": None}
    # Everyone in one cell (the rest 0) is hidden too: it would say what each member chose.
    assert counts(suppress({"a": 0, "b": 0, "c": 12}, 5)) == {"a": None, "b": None, "c": None}
    assert counts(suppress({"a": 1, "b": 2}, 1)) == {"a": 1, "b": 2}  # k = 1 hides nothing


def _possible_values(bounds: dict[str, tuple[int, int]], rest: int) -> dict[str, set[int]]:
    """Values each hidden cell can take when they add up to ``rest``, each within its bounds."""
    keys = list(bounds)
    seen: dict[str, set[int]] = {key: set() for key in keys}

    def walk(i: int, left: int, chosen: list[int]) -> None:
        if i == len(keys):
            if left == 0:
                for key, v in zip(keys, chosen, strict=True):
                    seen[key].add(v)
            return
        lo, hi = bounds[keys[i]]
        for v in range(lo, min(hi, left) + 1):
            walk(i + 1, left - v, [*chosen, v])

    walk(0, rest, [])
    return seen


@settings(max_examples=400, deadline=None)
@given(st.lists(st.integers(0, 14), min_size=1, max_size=5), st.integers(2, 6))
def test_no_hidden_cell_can_be_recovered_from_total_and_shown(values: list[int], k: int) -> None:
    """Every hidden cell keeps two or more possible values, for a reader who knows the shown total
    and cells and takes each label at its word: "< k" as 0..k-1, "hidden" as k or more."""
    cells = suppress({f"c{i}": v for i, v in enumerate(values)}, k, total="total")
    total = cells.pop("total")
    hidden = [key for key, cell in cells.items() if cell.hidden]
    assert all(cells[f"c{i}"].hidden for i, v in enumerate(values) if v < k)
    for i, v in enumerate(values):  # the label never lies
        label = cells[f"c{i}"].show(k)
        assert label == (f"< {k}" if v < k else "hidden") or cells[f"c{i}"].count == v
    if total.count is None:
        assert hidden == list(cells)  # nothing to subtract from
        return
    assert len(hidden) != 1
    rest = total.count - sum(c.count for c in cells.values() if c.count is not None)
    bounds = {key: ((0, k - 1) if cells[key].why == "small" else (k, rest)) for key in hidden}
    seen = _possible_values(bounds, rest)
    assert all(len(v) >= 2 for v in seen.values()), seen


def _table(cells: list[list[int]]) -> tuple[dict[str, int], list[Group]]:
    """A weeks x outcomes table with its row, column and grand totals, as the summary links them."""
    rows, cols = len(cells), len(cells[0])
    counts_ = {f"{r}.{c}": cells[r][c] for r in range(rows) for c in range(cols)}
    counts_ |= {f"{r}.T": sum(cells[r]) for r in range(rows)}
    counts_ |= {f"T.{c}": sum(row[c] for row in cells) for c in range(cols)}
    counts_["T.T"] = sum(map(sum, cells))
    groups = [Group(f"{r}.T", tuple(f"{r}.{c}" for c in range(cols))) for r in range(rows)]
    groups += [Group(f"T.{c}", tuple(f"{r}.{c}" for r in range(rows))) for c in range(cols)]
    groups += [
        Group("T.T", tuple(f"T.{c}" for c in range(cols))),
        Group("T.T", tuple(f"{r}.T" for r in range(rows))),
    ]
    return counts_, groups


def _linearly_fixed(groups: list[Group], hidden: frozenset[str]) -> set[str]:
    """Independent check by rank: a hidden x is fixed iff adding the equation "x = c" adds no rank."""
    order = sorted(hidden)
    matrix = [[Fraction(p in g.parts) - (p == g.total) for p in order] for g in groups]

    def rank(rows: list[list[Fraction]]) -> int:
        rows = [r[:] for r in rows]
        rank_ = 0
        for col in range(len(order)):
            pivot = next((i for i in range(rank_, len(rows)) if rows[i][col]), None)
            if pivot is None:
                continue
            rows[rank_], rows[pivot] = rows[pivot], rows[rank_]
            for i in range(len(rows)):
                if i != rank_ and rows[i][col]:
                    f = rows[i][col] / rows[rank_][col]
                    rows[i] = [a - f * b for a, b in zip(rows[i], rows[rank_], strict=True)]
            rank_ += 1
        return rank_

    base = rank(matrix)
    return {
        key
        for i, key in enumerate(order)
        if rank([*matrix, [Fraction(j == i) for j in range(len(order))]]) == base
    }


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda r: st.lists(st.lists(st.integers(0, 9), min_size=3, max_size=3), min_size=r, max_size=r)
    ),
    st.integers(2, 5),
)
def test_linked_tables_leave_no_hidden_cell_determined(cells: list[list[int]], k: int) -> None:
    counts_, groups = _table(cells)
    hidden = hidden_cells(counts_, groups, k)
    assert {key for key, n in counts_.items() if n < k} <= hidden
    assert not _linearly_fixed(groups, hidden)
    for g in groups:
        assert sum(key in hidden for key in (g.total, *g.parts)) != 1


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 9), min_size=3, max_size=6), st.data(), st.integers(2, 5))
def test_nested_totals_leave_no_hidden_cell_determined(parts: list[int], data: st.DataObject, k: int) -> None:
    """Like the funnel and its stopped stages: a total of all parts and a shown subtotal of some.

    Each group on its own may look safe (two hidden each) while total - subtotal pins a cell."""
    inner = data.draw(st.sets(st.integers(0, len(parts) - 1), min_size=2, max_size=len(parts) - 1))
    counts_ = {f"p{i}": n for i, n in enumerate(parts)}
    counts_ |= {"all": sum(parts), "sub": sum(parts[i] for i in inner)}
    groups = [
        Group("all", tuple(f"p{i}" for i in range(len(parts)))),
        Group("sub", tuple(f"p{i}" for i in sorted(inner))),
    ]
    hidden = hidden_cells(counts_, groups, k)
    assert not _linearly_fixed(groups, hidden)


def test_funnel_minus_stopped_would_pin_active() -> None:
    counts_ = {"started": 17, "completed": 10, "active": 2, "abandoned": 2, "cancelled": 1, "expired": 2}
    counts_["stopped"] = 5
    groups = [
        Group("started", ("completed", "active", "abandoned", "cancelled", "expired")),
        Group("stopped", ("abandoned", "cancelled", "expired")),
    ]
    hidden = hidden_cells(counts_, groups, 3, avoid={"completed"})
    # Each group alone hides several, yet started - completed - stopped = active; "stopped" goes too.
    assert hidden == {"active", "abandoned", "cancelled", "expired", "stopped"}
    assert not _linearly_fixed(groups, hidden)


async def test_small_groups_hidden_end_to_end(reader: aiosqlite.Connection, quiz: Quiz) -> None:
    s = await run(reader, quiz, "30d", k=2)
    # hybrid = 1 is below k; with "completed" (10) shown, ml goes too or hybrid = 10 - 6 - ml.
    assert counts(s.outcomes) == {"ai": 6, "ml": None, "hybrid": None}
    # ml is 2 or more, hidden only to protect hybrid: it says "hidden", never a false "< 2".
    assert s.outcomes["ml"].show(2) == "hidden" and s.outcomes["hybrid"].show(2) == "< 2"
    # Activity counts are shown even under k: one cancelled says nothing about anyone's answers.
    assert s.funnel["cancelled"].count == 1 and s.funnel["completed"].count == 10
    for group in (s.funnel, s.outcomes):
        parts = [c for key, c in group.items() if key != "started"]
        assert sum(c.hidden for c in parts) != 1

    s = await run(reader, quiz, "30d", k=5)
    assert s.takers.count == 17 and s.funnel["completed"].count == 10
    assert counts(s.funnel) == {
        "started": 17,
        "completed": 10,
        "active": 2,
        "abandoned": 2,
        "cancelled": 1,
        "expired": 2,
    }
    assert s.completion_rate == pytest.approx(10 / 17) and s.median_minutes == 11.5
    assert counts(s.outcomes) == {"ai": 6, "ml": None, "hybrid": None}
    assert [c.count for _, c in s.weekly] == [1, 2, 3, 4]  # finishers per week: activity, shown
    assert option_counts(s, "impact") == [6, None, None]
    assert all(
        q.answered.hidden and all(c.hidden for c in q.options.values()) for q in s.questions if q.tiebreak
    )
    assert all(q.dropoff.count is not None for q in s.questions)  # where members stopped: activity
    assert s.versions == {"v1": 2, "v2": 8}
    assert {q.id: q.dropoff.count for q in s.questions if q.dropoff.count} == {
        "work-style": 1,
        "mindset": 3,
        "tools": 1,
    }

    tiny = await run(reader, quiz, "30d", k=10, guild=B)  # 7 members: only activity is shown
    assert tiny.takers.count == 7 and all(not c.hidden for c in tiny.funnel.values())
    assert all(c.hidden for c in tiny.outcomes.values())
    assert tiny.funnel["completed"].count == 6 and tiny.funnel["abandoned"].count == 1
    assert tiny.completion_rate == pytest.approx(6 / 7) and tiny.median_minutes is None  # median: >= k


async def test_empty_guild_reads_zero_started(reader: aiosqlite.Connection, quiz: Quiz) -> None:
    s = await run(reader, quiz, "7d", k=5, guild=999)
    # Nobody started: an activity count, shown; the outcome parts of 0 finishers are 0 for all to see.
    assert s.takers.show(5) == "0" and s.weekly == [] and s.versions == {}
    assert all(c.count == 0 for c in s.outcomes.values())
    assert s.completion_rate is None and s.median_minutes is None


# ---------------------------------------------------------------- export and charts


def _parse(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


async def test_export_matches_summary_and_holds_aggregates_only(
    reader: aiosqlite.Connection, quiz: Quiz
) -> None:
    s = await run(reader, quiz, "all", k=2)
    files = export_csvs(s)
    assert {"funnel.csv", "outcomes.csv", "finished_by_week.csv", "questions.csv"} <= set(files)

    def shown(cell: Cell) -> str:
        return cell.show(2) if cell.count is None else str(cell.count)

    funnel = {row["stage"]: row for row in _parse(files["funnel.csv"])}
    assert {stage: row["members"] for stage, row in funnel.items()} == {
        stage: shown(c) for stage, c in s.funnel.items()
    }
    assert funnel["completed"]["share_of_started"] == f"{s.funnel['completed'].share:.3f}"
    weekly = _parse(files["finished_by_week.csv"])
    assert [row["week_start"] for row in weekly] == [w for w, _ in s.weekly] + ["all"]
    assert [row["members_finished"] for row in weekly] == [shown(c) for _, c in s.weekly] + [
        shown(s.funnel["completed"])
    ]
    outcomes = _parse(files["outcomes.csv"])
    assert [row["members"] for row in outcomes] == [shown(s.outcomes[o]) for o in stats.OUTCOMES]
    questions = _parse(files["questions.csv"])
    for q in s.questions:
        rows = [r for r in questions if r["question_id"] == q.id]
        assert [r["members"] for r in rows if r["kind"] == "option"] == [shown(c) for c in q.options.values()]
        assert [r["option"] for r in rows if r["kind"] == "option"] == list(q.labels.values())
        assert [r["members"] for r in rows if r["kind"] == "stopped_here"] == [shown(q.dropoff)]
    assert any(r["members"] == "< 2" for r in questions)

    text = b"\n".join(files.values()).decode("utf-8")
    for n in [*range(1, 21), *range(101, 107)]:
        assert str(uid(n)) not in text
    assert not re.search(r"\d{1,2}:\d{2}", text)  # no clock times
    assert not re.search(r"\d{7,}", text)  # no epoch seconds or ids of any kind
    for day in re.findall(r"\d{4}-\d{2}-\d{2}", text):
        assert date.fromisoformat(day).weekday() == 0  # week starts only


async def test_charts_label_hidden_cells_by_kind(reader: aiosqlite.Connection, quiz: Quiz) -> None:
    s = await run(reader, quiz, "30d", k=5)
    outcome, funnel, question = outcome_bars(s), funnel_bars(s), question_bars(s, "impact")
    assert outcome.values == [6, None, None] and outcome.hidden == [None, "< 5", "< 5"]
    assert funnel.values == [17, 10, 2, 2, 1, 2] and funnel.hidden == [None] * 6  # activity: shown
    assert question.values == [6, None, None] and question.hidden == [None, "< 5", "< 5"]
    with pytest.raises(KeyError):
        question_chart(s, "no-such-question")


async def test_charts_render_png(reader: aiosqlite.Connection, quiz: Quiz) -> None:
    s = await run(reader, quiz, "30d", k=5)
    for png in (outcome_chart(s), funnel_chart(s), question_chart(s, "work-style")):
        assert png.startswith(b"\x89PNG")


# ---------------------------------------------------------------- FAQ review


async def test_faq_queue_groups_similar_wording_per_guild(storage: Storage) -> None:
    asked = [
        ("What's the salary in Europe?", "salary", 1),
        ("what is the salary in europe", "salary", 1),
        ("What's the salary in Europe??", "salary", 1),
        ("salary in europe what's the", None, 1),
        ("Do I need a PhD for robotics?", "entry", 1),
        ("Is quantum computing a career?", None, 1),
        ("What's the salary in Europe?", "salary", 0),  # answered, not declined: not in the queue
    ]
    for i, (question, entry, declined) in enumerate(asked):
        await storage.record_faq_query(
            user_id=uid(i),
            guild_id=A,
            question=question,
            entry_id=entry,
            score=0.3,
            declined=bool(declined),
            source="slash",
            now=NOW - DAY,
        )
    await storage.record_faq_query(
        user_id=uid(50),
        guild_id=B,
        question="What's the salary in Europe?",
        entry_id=None,
        score=0.1,
        declined=True,
        source="slash",
        now=NOW - DAY,
    )
    for i, vote in enumerate((-1, -1, 1, 1, 1)):  # a 👎 points at the question asked, not a copy
        asked_id = await storage.record_faq_query(
            user_id=uid(60 + i),
            guild_id=A,
            question="Which skills first?",
            entry_id="skills",
            score=0.9,
            declined=False,
            source="slash",
            now=NOW - DAY,
        )
        await storage.set_feedback(
            user_id=uid(60 + i), entry_id="skills", guild_id=A, vote=vote, query_id=asked_id, now=NOW
        )
    other = await storage.record_faq_query(
        user_id=uid(70),
        guild_id=B,
        question="x",
        entry_id="skills",
        score=0.9,
        declined=False,
        source="slash",
        now=NOW,
    )
    await storage.set_feedback(
        user_id=uid(70), entry_id="skills", guild_id=B, vote=-1, query_id=other, now=NOW
    )
    reader = await storage.open_reader()
    try:
        queue = await faq_queue(reader, guild_id=A, since=NOW - 7 * DAY)
        votes = await faq_votes(reader, guild_id=A)
        assert await faq_queue(reader, guild_id=A, since=NOW) == [
            FaqGroup("Which skills first?", 2, "skills", "downvoted")
        ]
    finally:
        await reader.close()
    assert queue[0] == FaqGroup("What's the salary in Europe?", 4, "salary", "declined")
    assert queue[1] == FaqGroup("Which skills first?", 2, "skills", "downvoted")
    assert {g.sample for g in queue[2:]} == {
        "Do I need a PhD for robotics?",
        "Is quantum computing a career?",
    }
    assert votes == [("skills", 3, 2)]


# ---------------------------------------------------------------- query plans


async def test_summary_reads_a_range_of_the_rollups_primary_keys(storage: Storage) -> None:
    con = sqlite3.connect(storage.path)
    params = {"guild": A, "first": 0, "last": 20_000, "end": 20_000}
    try:
        for sql in (stats._FUNNEL_SQL, stats._RESULTS_SQL, stats._ANSWERS_SQL):
            plan = " | ".join(row[3] for row in con.execute("EXPLAIN QUERY PLAN " + sql, params))
            assert (
                "SEARCH stats_" in plan and "PRIMARY KEY (guild_id=? AND start_day>? AND start_day<?)" in plan
            )
            assert "quiz_" not in plan  # never the members' own rows
    finally:
        con.close()


async def test_compaction_changes_no_figure(storage: Storage, quiz: Quiz) -> None:
    """Housekeeping compacts the rollups (old period rows out, old all-time changes folded): every
    summary, and every previous period StatsService asks for, reads the same after it."""
    asks = [(p, NOW) for p in PERIODS] + [
        (p, s.since) for p in PERIODS if (s := await _summary_at(storage, quiz, p, NOW)).since
    ]
    before = [await _summary_at(storage, quiz, p, now) for p, now in asks]
    await storage.compact_rollups(NOW + 3 * DAY)  # housekeeping a few days on, as the cut-off stands
    rows = await storage.rollup_rows("stats_answers")
    assert all(key[1] == -2 or key[1] >= NOW // DAY - 200 for key in rows)
    assert [await _summary_at(storage, quiz, p, now) for p, now in asks] == before


async def _summary_at(storage: Storage, quiz: Quiz, period: stats.Period, now: float) -> Summary:
    reader = await storage.open_reader()
    try:
        return await summary(reader, guild_id=A, period=period, now=now, k=5, quiz=quiz)
    finally:
        await reader.close()
