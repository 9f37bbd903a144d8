"""Stats bar charts where a hidden count is drawn as words on an empty row, never as a bar.

A short stub would read as a small number; an empty row with "< 5" or "hidden" in italics cannot.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence

from bot.charts import AI_COLOUR, DPI, WIDTH_IN

CHART_DATA_KEY = "careerbot:data"  # PNG text chunk holding what the chart shows, bar by bar


def hidden_bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[int | None],
    hidden: Sequence[str | None],
    *,
    colours: Sequence[str] | None = None,
    xlabel: str = "",
) -> bytes:
    """The PNG carries its own figures as text (label, value or hidden words), for readers and tests."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator  # loaded by bot.charts; named here for the type

    fig = Figure(figsize=(WIDTH_IN, max(2.4, 0.5 * len(labels) + 1.6)), dpi=DPI)
    ax = fig.add_subplot()
    shown = [v for v in values if v is not None]
    top = max(shown, default=1) or 1
    for row, value in enumerate(values):
        if value is None:
            words = hidden[row] or "hidden"
            note = "too few to show" if words.startswith("<") else "not shown, to protect a small count"
            ax.text(0, row, f"  {words}: {note}", va="center", fontsize=9, style="italic", color="#555555")
        else:
            colour = colours[row % len(colours)] if colours else AI_COLOUR
            ax.barh(row, value, color=colour)
            ax.text(value + top * 0.01, row, f"{value:g}", va="center", fontsize=9)
    ax.set_yticks(range(len(labels)), labels=list(labels))
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlim(0, top * 1.15)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # members come whole
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=12)
    fig.tight_layout()
    data = [
        {"label": label, "value": value, "hidden": words}
        for label, value, words in zip(labels, values, hidden, strict=True)
    ]
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={CHART_DATA_KEY: json.dumps(data, ensure_ascii=False)})
    return buf.getvalue()
