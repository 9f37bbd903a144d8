"""PNG charts drawn with matplotlib's object API (Figure + Agg canvas), safe to call from a worker thread.

pyplot keeps global state and is not thread-safe; Figure objects are independent, so the cogs can
draw with ``asyncio.to_thread`` without blocking the event loop or racing each other.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.content import Careers

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def new_figure(**options: Any) -> Figure:
    """A Figure on the Agg canvas. matplotlib (and numpy) load here, at the first chart, not at start-up:
    they cost about 40 MiB and half a second that a bot which never draws should not pay."""
    import matplotlib

    matplotlib.use("Agg")  # before any backend is touched: no display here or on servers
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(**options)
    FigureCanvasAgg(fig)
    return fig


WIDTH_IN, HEIGHT_IN, DPI = 8.0, 3.6, 100
SIZE_PX = (int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI))
AI_COLOUR, ML_COLOUR, HYBRID_COLOUR, MUTED = "#2e86de", "#9b59b6", "#16a085", "#b8c2cc"
TRACK_COLOURS = {"ai": AI_COLOUR, "ml": ML_COLOUR}


ALT_TEXT_MAX = 1024  # Discord's limit for an attachment's description
TITLE_CHARS = 70  # about what fits one line of an 8-inch chart at 12 pt


def wrap(text: str, width: int = TITLE_CHARS) -> str:
    """Break a long title or axis label over lines instead of letting the figure cut it."""
    return textwrap.fill(text, width=width, break_long_words=False)


def alt_text(what: str, items: Sequence[tuple[str, str]]) -> str:
    """An attachment description: what the chart shows, then every value it draws."""
    text = f"{what}: " + "; ".join(f"{label} {value}" for label, value in items) + "."
    return text if len(text) <= ALT_TEXT_MAX else text[: ALT_TEXT_MAX - 1] + "…"


def salary_alt_text(careers: Careers, highlight: str | None) -> str:
    items = [(t.name, t.salary.label) for t in careers.tracks]
    text = alt_text("Bar chart of the base salary ranges the article gives", items)
    names = {t.id: t.name for t in careers.tracks}
    if highlight in names:
        text += f" Your result, {names[highlight]}, is highlighted."
    return text


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def salary_chart(careers: Careers, highlight: str | None) -> bytes:
    """Base-salary ranges as horizontal bars; the member's outcome in colour, the other muted."""
    fig = new_figure(figsize=(WIDTH_IN, HEIGHT_IN))
    ax = fig.add_subplot()
    tracks = list(careers.tracks)
    for row, track in enumerate(tracks):
        lit = highlight in (None, "hybrid") or highlight == track.id
        colour = TRACK_COLOURS[track.id] if lit else MUTED
        lo, hi = track.salary.minimum / 1000, track.salary.maximum / 1000
        ax.barh(row, hi - lo, left=lo, height=0.5, color=colour, edgecolor="#333333" if lit else MUTED)
        label = f"{track.name}: {track.salary.label}" + ("  ← your result" if highlight == track.id else "")
        ax.text(lo, row + 0.36, label, va="bottom", fontsize=10, fontweight="bold" if lit else "normal")
    ax.set_yticks([])
    ax.set_ylim(-0.6, len(tracks) - 0.1)
    lows = [t.salary.minimum / 1000 for t in tracks]
    highs = [t.salary.maximum / 1000 for t in tracks]
    ax.set_xlim(min(lows) - 20, max(highs) + 20)
    # Ticks only at the article's own figures, so the axis implies no other number.
    ax.set_xticks(sorted({*lows, *highs}), labels=[f"${v:g}k" for v in sorted({*lows, *highs})])
    ax.set_xlabel(
        wrap("Base salary as the article gives it ($, thousands; its ranges for research-focused companies)")
    )
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(wrap("AI Engineer vs ML Engineer: base salary ranges"), fontsize=12)
    fig.tight_layout()
    return _png(fig)


_salary_cache: dict[tuple[str, str | None], bytes] = {}


def cached_salary_chart(careers: Careers, content_version: str, highlight: str | None) -> bytes:
    """Drawn once per (content version, highlight): at most four PNGs per content version.

    Content models hold lists and are not hashable, hence a keyed dict rather than lru_cache.
    A race between two threads only draws the same bytes twice.
    """
    key = (content_version, highlight)
    png = _salary_cache.get(key)
    if png is None:
        if len(_salary_cache) >= 16:
            _salary_cache.clear()
        png = _salary_cache[key] = salary_chart(careers, highlight)
    return png


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    colours: Sequence[str] | None = None,
    hidden_label: str = "hidden",
    xlabel: str = "",
) -> bytes:
    """Horizontal bars; a None value is drawn as a hatched stub labelled as suppressed."""
    fig = new_figure(figsize=(WIDTH_IN, max(2.4, 0.5 * len(labels) + 1.4)))
    ax = fig.add_subplot()
    shown = [v for v in values if v is not None]
    top = max(shown, default=1) or 1
    for row, value in enumerate(values):
        colour = colours[row % len(colours)] if colours else AI_COLOUR
        if value is None:
            ax.barh(row, top * 0.04, color="white", edgecolor=MUTED, hatch="//")
            ax.text(top * 0.05, row, hidden_label, va="center", fontsize=9, color="#555555")
        else:
            ax.barh(row, value, color=colour)
            ax.text(value + top * 0.01, row, f"{value:g}", va="center", fontsize=9)
    ax.set_yticks(range(len(labels)), labels=list(labels))
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.15)
    ax.set_xlabel(xlabel)
    ax.set_title(wrap(title), fontsize=12)
    fig.tight_layout()
    return _png(fig)
