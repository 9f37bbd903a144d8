"""A result as text, Discord-free, so the DM and the terminal show the same words.

``headline`` is the short main result (fits a phone screen); ``why``, ``skills`` and ``salary`` are the
details behind its buttons. Sections are named by their titles, never by ids.
"""

from __future__ import annotations

import math

from bot.compare import and_join
from bot.content import OUTCOME_NAMES, Content, SectionId
from bot.quiz.engine import Explanation, Reason, Score

BAR_CELLS = 10
LEAN_NOTE = (
    "The figure is your answers' combined pull as a share of the most they could pull that way "
    "(100%: every answer at that end). It shows which way you lean, not how well a job would suit you."
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


def lean_share(score: Score) -> int:
    """The lean as a whole percentage, rounded down: never more than the answers gave (so 100% only when
    every answer sat at that end, and a draw never shows the draw line itself)."""
    return math.floor(abs(score.margin) * 100 + 1e-9)


def _side(score: Score) -> str:
    return OUTCOME_NAMES["ai" if score.margin > 0 else "ml"]


def lean_words(explanation: Explanation) -> str:
    score = explanation.score
    if score.outcome != "hybrid":
        return f"Your answers lean {lean_share(score)}% towards {OUTCOME_NAMES[score.outcome]}."
    if score.margin == 0:
        return "Your answers balance exactly between the two paths, so both are open to you."
    return (
        f"Your answers lean only {lean_share(score)}% towards {_side(score)}: under "
        f"{round(explanation.draw_margin * 100)}% counts as too close to call, so both paths are open to you."
    )


def title(explanation: Explanation) -> str:
    return f"Your result: {OUTCOME_NAMES[explanation.score.outcome]}"


def _towards(reason: Reason) -> str:
    return OUTCOME_NAMES["ai" if reason.weight > 0 else "ml"]


def decided(explanation: Explanation) -> list[str]:
    """The "What decided it" block: the answers that pulled hardest towards the outcome shown; for a
    draw, what pulled each way, and an honest line when one side (or both) got no pull at all."""
    if explanation.score.outcome != "hybrid":
        return ["**What decided it**", *(f"• {r.text}" for r in explanation.reasons)]
    lines = ["**What pulled each way**"]
    lines += [f"• {r.text} (towards {_towards(r)})" for r in explanation.reasons]
    tally = explanation.tally
    if not tally.ai and not tally.ml:
        lines.append("• Every answer sat in the middle of its scale.")
    elif not tally.ai or not tally.ml:
        lines.append(f"• No answer pulled towards {OUTCOME_NAMES['ai' if not tally.ai else 'ml']}.")
    return lines


def headline(explanation: Explanation) -> str:
    """The main result: the lean, the three answers that decided it, the salary band."""
    lines = [lean_words(explanation), f"`{lean_bar(explanation.score)}`", f"_{LEAN_NOTE}_", ""]
    lines += decided(explanation)
    lines += ["", "**Salary band** (base pay, as the article gives it)"]
    lines += [f"• {t.name}: {t.salary.label} {t.salary.qualifier}" for t in explanation.salary]
    return "\n".join(lines)


def why(content: Content, explanation: Explanation) -> str:
    tally = explanation.tally
    total = tally.ai + tally.ml + tally.middle

    def n(count: int) -> str:
        return str(count) if count else "none"

    lines = [
        f"Of your {total} answers, {n(tally.ai)} pulled towards {OUTCOME_NAMES['ai']}, {n(tally.ml)} towards "
        f"{OUTCOME_NAMES['ml']} and {n(tally.middle)} sat in the middle.",
        "",
    ]
    outcome = explanation.score.outcome
    heading = (
        "Pulled hardest each way"
        if outcome == "hybrid"
        else f"Pulled hardest towards {OUTCOME_NAMES[outcome]}"
    )
    lines.append(f"**{heading}**")
    draw = outcome == "hybrid"
    lines += [
        f"• {r.text}{f', towards {_towards(r)}' if draw else ''} (from {section_title(content, r.section)})"
        for r in explanation.reasons
    ]
    if explanation.counter:
        lines += ["", f"**Pulled the other way, towards {_towards(explanation.counter[0])}**"]
        lines += [f"• {r.text} (from {section_title(content, r.section)})" for r in explanation.counter]
    if explanation.hybrid_note is not None:
        note = explanation.hybrid_note
        lines += ["", f"{note.text} (from {section_title(content, note.section)})"]
    switch = explanation.switch_note
    lines += ["", f"**Switching later:** {switch.text} (from {section_title(content, switch.section)})"]
    return "\n".join(lines)


CHANGES_SHOWN = 6


def since_last(explanation: Explanation) -> str:
    """One line under a retake's result: what the last result was and how many answers moved."""
    prev = explanation.previous
    assert prev is not None
    changed = sum(1 for c in explanation.changes if c.before is not None)
    added = len(explanation.changes) - changed
    was = f"**Since your last result** ({OUTCOME_NAMES[prev.outcome]}): "
    if not explanation.changes:
        return was + "same answers as before."
    parts = [f"you changed {changed} answer{'' if changed == 1 else 's'}"] if changed else []
    if added:
        parts.append(f"answered {added} tie-break question{'' if added == 1 else 's'} not asked last time")
    return was + " and ".join(parts) + "."


EARLIER_VERSION = "_This result came from an earlier version of the quiz._"


def result_text(explanation: Explanation, *, earlier_version: bool = False) -> str:
    """The whole main result message, word for word the same in the DM and the terminal."""
    lines = [headline(explanation)]
    if earlier_version:
        lines.append(EARLIER_VERSION)
    if explanation.previous is not None:
        lines.append(f"\n{since_last(explanation)}")
    return "\n".join(lines)


def changes(explanation: Explanation) -> str:
    """The answers that changed since the last result, for "Why" ("" when nothing changed); tie-breaks
    asked this time only are counted on their own line, not listed as changes."""
    moved = [c for c in explanation.changes if c.before is not None]
    added = len(explanation.changes) - len(moved)
    if not explanation.changes:
        return ""
    lines = [
        f"• {c.question.factor}: {c.before.label} → {c.after.label}"
        for c in moved[:CHANGES_SHOWN]
        if c.before
    ]
    if len(moved) > CHANGES_SHOWN:
        lines.append(f"…and {len(moved) - CHANGES_SHOWN} more.")
    if added:
        lines.append(f"This time you also answered {added} tie-break question{'' if added == 1 else 's'}.")
    return "\n\n**Changed since last time**\n" + "\n".join(lines)


def _skills_intro(explanation: Explanation) -> str:
    gaps, total = explanation.skill_gaps, len(explanation.skills_next)
    core = "both paths' other core skills" if len(explanation.salary) > 1 else "the path's other core skills"
    if gaps == total:
        return "Your answers point to each of these as a next step."
    if gaps:
        first = "first one" if gaps == 1 else f"first {gaps}"
        return f"Your answers point to the {first}; after that come {core}."
    lead = core.replace("other ", "")
    return f"{lead[0].upper()}{lead[1:]}, leaving out any your answers say you already have."


def skills(content: Content, explanation: Explanation) -> str:
    lines = [_skills_intro(explanation), ""]
    lines += [f"• **{s.name}**" + (f": {s.why}" if s.why else "") for s in explanation.skills_next]
    if explanation.try_next:
        lines += ["", "**Try each**"] + [f"• {c.text}" for c in explanation.try_next]
    # Every skill's name is from the skills section; a `why` may rest on another section too.
    cited = list(dict.fromkeys(["skills", *(s.section for s in explanation.skills_next if s.why)]))
    lines += ["", f"From {and_join([section_title(content, c) for c in cited])}."]
    return "\n".join(lines)


def salary(content: Content, explanation: Explanation) -> str:
    lines = [f"• {t.name}: **{t.salary.label}**" for t in explanation.salary]
    lines += [""] + [f"• {c.text}" for c in explanation.salary_caveats]
    lines += ["", f"From {section_title(content, 'salary')}."]
    return "\n".join(lines)
