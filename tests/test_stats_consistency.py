"""Over random community histories: no view contradicts itself, no label lies, nothing hidden is recoverable."""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.stats_community import seed
from bot.content import Quiz, load_content
from bot.stats.export import export_csvs
from bot.stats.figures import Audit, Summary, audit, summary
from bot.stats.service import week_start_epoch
from bot.stats.suppression import Cell
from bot.stats.types import OUTCOMES, STOPPED, Period
from bot.storage import Storage

ROOT = Path(__file__).resolve().parents[1]
QUIZ: Quiz = load_content(ROOT / "data").quiz
NOW = week_start_epoch(1_764_000_000.0)
GUILD = 7


async def _views(path: Path, period: Period, k: int) -> tuple[Summary, Summary, Audit]:
    storage = Storage(path)
    await storage.open()
    await storage.rebuild_rollups()  # seeded behind storage's back: build the rollups from the rows
    reader = await storage.open_reader()
    try:
        args = {"guild_id": GUILD, "period": period, "now": NOW, "quiz": QUIZ}
        truth = await summary(reader, k=1, **args)  # type: ignore[arg-type]
        shown = await summary(reader, k=k, **args)  # type: ignore[arg-type]
        checked = await audit(reader, k=k, **args)  # type: ignore[arg-type]
        return truth, shown, checked
    finally:
        await reader.close()
        await storage.close()


def _agree(total: Cell, parts: list[Cell]) -> None:
    """Shown parts never exceed a shown total, and add up to it when all are shown."""
    if total.count is None:
        return
    known = [p.count for p in parts if p.count is not None]
    assert sum(known) <= total.count
    if len(known) == len(parts):
        assert sum(known) == total.count


def _pairs(truth: Summary, shown: Summary) -> list[tuple[Cell, Cell]]:
    pairs = [(truth.funnel[s], shown.funnel[s]) for s in shown.funnel]
    pairs += [(truth.outcomes[o], shown.outcomes[o]) for o in OUTCOMES]
    pairs += list(zip((c for _, c in truth.weekly), (c for _, c in shown.weekly), strict=True))
    for tq, sq in zip(truth.questions, shown.questions, strict=True):
        pairs += [(tq.answered, sq.answered), (tq.dropoff, sq.dropoff)]
        pairs += [(tq.options[o], sq.options[o]) for o in sq.options]
    return pairs


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    members=st.integers(1, 60),
    weeks=st.integers(1, 6),
    weights=st.tuples(st.integers(0, 10), st.integers(0, 10), st.integers(1, 10)),
    stop=st.floats(0, 0.6),
    retake=st.floats(0, 0.5),
    k=st.integers(2, 6),
    period=st.sampled_from(["7d", "30d", "all"]),
    rnd=st.integers(0, 10_000),
)
def test_views_agree_and_labels_tell_the_truth(
    members: int,
    weeks: int,
    weights: tuple[int, int, int],
    stop: float,
    retake: float,
    k: int,
    period: Period,
    rnd: int,
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.sqlite3"
        storage = Storage(path)
        asyncio.run(storage.open())
        asyncio.run(storage.close())
        seed(
            path,
            QUIZ,
            NOW,
            rnd,
            members=members,
            weeks=weeks,
            guild=GUILD,
            outcome_weights=dict(zip(OUTCOMES, weights, strict=True)),
            stop_share=stop,
            retake_share=retake,
        )
        truth, shown, checked = asyncio.run(_views(path, period, k))

    for real, cell in _pairs(truth, shown):
        assert real.count is not None
        if cell.count is not None:
            assert cell.count == real.count  # a shown number is the true number
        else:  # a label never lies: "< k" is under k, "hidden" is k or more
            assert cell.show(k) == (f"< {k}" if real.count < k else "hidden")

    # No vacuous pass: "all" counts every seeded member. A shorter period may truly hold none (one member
    # who started two weeks ago is not in "7d"; Hypothesis found that case), and its zeros are checked too.
    assert truth.funnel["started"].count or period != "all"
    s = shown
    _agree(s.funnel["started"], [s.funnel[p] for p in s.funnel if p != "started"])
    _agree(s.funnel["completed"], list(s.outcomes.values()))
    _agree(s.funnel["completed"], [c for _, c in s.weekly])
    stopped = Cell(sum(truth.funnel[p].count or 0 for p in STOPPED), None)
    if all(s.funnel[p].count is not None for p in STOPPED):
        _agree(stopped, [q.dropoff for q in s.questions])
    for q in s.questions:
        _agree(q.answered, list(q.options.values()))
        if not q.tiebreak and q.answered.count is not None and s.funnel["completed"].count is not None:
            assert q.answered.count == s.funnel["completed"].count

    files = {name: list(csv.DictReader(io.StringIO(data.decode()))) for name, data in export_csvs(s).items()}
    assert [r["members"] for r in files["outcomes.csv"]] == [
        s.outcomes[o].show(k) if s.outcomes[o].hidden else str(s.outcomes[o].count) for o in OUTCOMES
    ]
    assert files["finished_by_week.csv"][-1]["members_finished"] == files["funnel.csv"][1]["members"]

    assert checked.determined == 0
    if (truth.funnel["completed"].count or 0) > 0:
        assert checked.pinned == 0
    assert checked.shown + checked.small + checked.protective == checked.cells
