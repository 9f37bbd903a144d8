"""Stats bar charts where a hidden count is drawn as words on an empty row, never as a bar.

A short stub would read as a small number; an empty row with "< 5" or "hidden" in italics cannot.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.charts import AI_COLOUR, DPI, WIDTH_IN, _png


def hidden_bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[int | None],
    hidden: Sequence[str | None],
    *,
    colours: Sequence[str] | None = None,
    xlabel: str = "",
) -> bytes:
    from matplotlib.figure import Figure  # loaded by bot.charts; named here for the type

    fig = Figure(figsize=(WIDTH_IN, max(2.4, 0.5 * len(labels) + 1.6)), dpi=DPI)
    ax = fig.add_subplot()
    shown = [v for v in values if v is not None]
    top = max(shown, default=1) or 1
    for row, value in enumerate(values):
        if value is None:
            words = hidden[row] or "hidden"
            note = "fewer than this" if words.startswith("<") else "not shown, see note"
            ax.text(0, row, f"  {words} ({note})", va="center", fontsize=9, style="italic", color="#555555")
        else:
            colour = colours[row % len(colours)] if colours else AI_COLOUR
            ax.barh(row, value, color=colour)
            ax.text(value + top * 0.01, row, f"{value:g}", va="center", fontsize=9)
    ax.set_yticks(range(len(labels)), labels=list(labels))
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlim(0, top * 1.15)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=12)
    fig.tight_layout()
    return _png(fig)
