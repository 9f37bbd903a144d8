"""A result as text, Discord-free, so the DM and the terminal show the same words.

``headline`` is the short main result (fits a phone screen); ``why``, ``skills`` and ``salary`` are the
details behind its buttons. Sections are named by their titles, never by ids.
"""

from __future__ import annotations

from bot.content import OUTCOME_NAMES, Content, SectionId
from bot.quiz.engine import Explanation, Score

BAR_CELLS = 10
LEAN_NOTE = (
    "Each answer pulls a set amount towards one path; the bar is your answers' total pull as a share of "
    "the most those questions could pull. It says which way you lean, not how well a job would suit you."
)


def section_title(content: Content, section: SectionId) -> str:
    return f"“{content.careers.article.sections[section]}”"


def lean_bar(score: Score) -> str:
    """``AI Engineer ▱▱▱▱▱│▰▰▰▱▱ ML Engineer``: the filled side is the way the answers lean."""
    cells = max(round(abs(score.margin) * BAR_CELLS), 1 if score.margin else 0)
    left = "▱" * BAR_CELLS
    right = "▱" * BAR_CELLS
    if score.margin > 0:
        left = "▱" * (BAR_CELLS - cells) + "▰" * cells
    elif score.margin < 0:
        right = "▰" * cells + "▱" * (BAR_CELLS - cells)
    return f"{OUTCOME_NAMES['ai']} {left}│{right} {OUTCOME_NAMES['ml']}"


def lean_words(score: Score) -> str:
    share = round(abs(score.margin) * 100)
    if score.outcome == "hybrid":
        return f"Your answers sit close to the middle ({share}% lean), so both paths are open to you."
    return f"Your answers lean {share}% towards {OUTCOME_NAMES[score.outcome]}."


def title(explanation: Explanation) -> str:
    return f"Your result: {OUTCOME_NAMES[explanation.score.outcome]}"


def headline(explanation: Explanation) -> str:
    """The main result: the lean, the three answers that decided it, the salary band."""
    lines = [lean_words(explanation.score), f"`{lean_bar(explanation.score)}`", f"_{LEAN_NOTE}_", ""]
    lines.append("**What decided it**")
    lines += [f"• {r.text}" for r in explanation.reasons]
    lines += ["", "**Salary band** (base pay, as the article gives it)"]
    lines += [f"• {t.name}: {t.salary.label}" for t in explanation.salary]
    return "\n".join(lines)


def why(content: Content, explanation: Explanation) -> str:
    lines = [f"• {r.text} (from {section_title(content, r.section)})" for r in explanation.reasons]
    if explanation.hybrid_note is not None:
        note = explanation.hybrid_note
        lines += ["", f"{note.text} (from {section_title(content, note.section)})"]
    switch = explanation.switch_note
    lines += ["", f"**Switching later:** {switch.text} (from {section_title(content, switch.section)})"]
    return "\n".join(lines)


def skills(content: Content, explanation: Explanation) -> str:
    lines = [f"• **{s.name}**: {s.why}" for s in explanation.skills_next]
    if explanation.try_next:
        lines += ["", "**Try each**"] + [f"• {c.text}" for c in explanation.try_next]
    lines += ["", f"From {section_title(content, 'skills')}."]
    return "\n".join(lines)


def salary(content: Content, explanation: Explanation) -> str:
    lines = [f"• {t.name}: **{t.salary.label}**" for t in explanation.salary]
    lines += [""] + [f"• {c.text}" for c in explanation.salary_caveats]
    lines += ["", f"From {section_title(content, 'salary')}."]
    return "\n".join(lines)
