"""What leaves the statistics: CSV files of aggregates and PNG charts, suppressed cells included."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.charts import AI_COLOUR, HYBRID_COLOUR, ML_COLOUR, MUTED
from bot.content import OUTCOME_NAMES
from bot.stats.charts import hidden_bar_chart
from bot.stats.figures import PERIOD_TEXT, SUPPRESSED_NOTE, Summary
from bot.stats.suppression import Cell
from bot.stats.types import FUNNEL_STAGES, OUTCOMES


def _count(cell: Cell, k: int) -> str:
    """A number, "< k" (fewer than k), or "hidden" (k or more, hidden to protect a small count)."""
    return cell.show(k) if cell.count is None else str(cell.count)


def _share(cell: Cell) -> str:
    return "" if cell.share is None else f"{cell.share:.3f}"


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def export_csvs(summary: Summary) -> dict[str, bytes]:
    """Aggregates only: no member ids, no time finer than a week; hidden counts as "< k" or "hidden"."""
    s, k = summary, summary.k
    about = [
        ("period", s.period),
        ("k", k),
        ("members_started", _count(s.takers, k)),
        ("completion_rate", "" if s.completion_rate is None else f"{s.completion_rate:.3f}"),
        ("median_minutes_to_result", "" if s.median_minutes is None else s.median_minutes),
        ("note", SUPPRESSED_NOTE.format(k=k)),
    ]
    funnel = [(stage, _count(c, k), _share(c)) for stage, c in s.funnel.items()]
    weekly = [(w, _count(cell, k)) for w, cell in s.weekly]
    weekly.append(("all", _count(s.funnel["completed"], k)))
    outcomes = [(o, OUTCOME_NAMES[o], _count(s.outcomes[o], k), _share(s.outcomes[o])) for o in OUTCOMES]
    questions: list[tuple[object, ...]] = []
    for q in s.questions:
        for option_id, cell in q.options.items():
            questions.append(
                (q.id, q.prompt, "option", option_id, q.labels[option_id], _count(cell, k), _share(cell))
            )
        questions.append((q.id, q.prompt, "answered", "", "", _count(q.answered, k), ""))
        questions.append((q.id, q.prompt, "stopped_here", "", "", _count(q.dropoff, k), _share(q.dropoff)))
    return {
        "summary.csv": _csv(("metric", "value"), about),
        "funnel.csv": _csv(("stage", "members", "share_of_started"), funnel),
        "outcomes.csv": _csv(("outcome", "name", "members", "share_of_completed"), outcomes),
        "finished_by_week.csv": _csv(("week_start", "members_finished"), weekly),
        "questions.csv": _csv(
            ("question_id", "question", "kind", "option_id", "option", "members", "share"), questions
        ),
    }


# ---------------------------------------------------------------- charts

_OUTCOME_COLOURS = {"ai": AI_COLOUR, "ml": ML_COLOUR, "hybrid": HYBRID_COLOUR}


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Bars:
    """What a chart shows, before drawing: a suppressed value is None, with its words in ``hidden``."""

    title: str
    labels: list[str]
    values: list[int | None]
    hidden: list[str | None]  # per bar: "< k" / "hidden", None when shown
    xlabel: str
    colours: list[str] | None = None

    @property
    def hidden_label(self) -> str:
        return ", ".join(sorted({h for h in self.hidden if h}))


def _hidden(cells: Iterable[Cell], k: int) -> list[str | None]:
    return [cell.show(k) if cell.hidden else None for cell in cells]


def draw(bars: Bars) -> bytes:
    return hidden_bar_chart(
        bars.title, bars.labels, bars.values, bars.hidden, colours=bars.colours, xlabel=bars.xlabel
    )


def outcome_bars(summary: Summary) -> Bars:
    return Bars(
        title=f"Quiz results, {PERIOD_TEXT[summary.period]}",
        labels=[OUTCOME_NAMES[o] for o in OUTCOMES],
        values=[summary.outcomes[o].count for o in OUTCOMES],
        hidden=_hidden((summary.outcomes[o] for o in OUTCOMES), summary.k),
        colours=[_OUTCOME_COLOURS[o] for o in OUTCOMES],
        xlabel="members (each member's latest result)",
    )


def funnel_bars(summary: Summary) -> Bars:
    return Bars(
        title=f"Quiz funnel, {PERIOD_TEXT[summary.period]}",
        labels=[stage.capitalize() for stage in FUNNEL_STAGES],
        values=[summary.funnel[stage].count for stage in FUNNEL_STAGES],
        hidden=_hidden((summary.funnel[stage] for stage in FUNNEL_STAGES), summary.k),
        colours=[AI_COLOUR, "#27ae60", MUTED, "#e67e22", "#e67e22", "#e67e22"],
        xlabel="members, each counted once: by their latest finished attempt, else their latest attempt",
    )


def question_bars(summary: Summary, question_id: str) -> Bars:
    q = next((q for q in summary.questions if q.id == question_id), None)
    if q is None:
        raise KeyError(f"unknown question {question_id!r}")
    stopped = q.dropoff.show(summary.k)
    return Bars(
        title=_short(q.prompt, 70),
        labels=[_short(q.labels[o]) for o in q.options],
        values=[cell.count for cell in q.options.values()],
        hidden=_hidden(q.options.values(), summary.k),
        xlabel=f"members who finished (latest result) · stopped here: {stopped} of those who stopped",
    )


def outcome_chart(summary: Summary) -> bytes:
    return draw(outcome_bars(summary))


def funnel_chart(summary: Summary) -> bytes:
    return draw(funnel_bars(summary))


def question_chart(summary: Summary, question_id: str) -> bytes:
    return draw(question_bars(summary, question_id))
