"""The two tracks side by side, per topic: plain data for the /compare embeds (no discord import)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.content import Careers, Claim, SectionId, Track

Topic = Literal["salary", "skills", "work", "entry", "outlook"]
TOPICS: tuple[Topic, ...] = ("salary", "skills", "work", "entry", "outlook")

TITLES: dict[Topic, str] = {
    "salary": "Base salary",
    "skills": "Skills to build",
    "work": "Daily work",
    "entry": "How people get in",
    "outlook": "Where the jobs are, and switching later",
}


@dataclass(frozen=True)
class Column:
    track: Track
    lines: list[Claim]


@dataclass(frozen=True)
class Comparison:
    topic: Topic
    title: str
    columns: list[Column]
    notes_title: str
    notes: list[Claim]

    @property
    def sections(self) -> list[SectionId]:
        """The article sections this comparison draws on, in the order they first appear (the skills
        section first for skills: every skill's name is from it, whichever section its `why` cites)."""
        claims = [c for col in self.columns for c in col.lines] + self.notes
        first: list[SectionId] = ["skills"] if self.topic == "skills" else []
        return list(dict.fromkeys([*first, *(c.section for c in claims)]))


def and_join(items: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``: a list as a member reads it."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _skill_claims(track: Track) -> list[Claim]:
    return [Claim(text=s.line, section=s.section) for s in track.skills]


def compare(careers: Careers, topic: Topic) -> Comparison:
    columns: list[Column] = []
    for track in careers.tracks:
        lines: list[Claim]
        if topic == "salary":
            # The range alone: what it is (base salary, research-focused companies) is said once, in the notes.
            lines = [Claim(text=f"{track.salary.label} base salary", section=track.salary.section)]
        elif topic == "skills":
            lines = _skill_claims(track)
        elif topic == "work":
            lines = [*track.what_they_do[:1], *track.daily_work]
        elif topic == "entry":
            lines = list(track.entry)
        else:
            lines = [*track.outlook, *track.switch_in[:1]]
        columns.append(Column(track=track, lines=lines))
    if topic == "salary":
        notes_title, notes = "What the ranges don't show", list(careers.salary_caveats)
    elif topic == "outlook":
        # Each column already says how to switch into its track; the note adds only what both share.
        notes_title, notes = "Switching later", list(careers.switching[:1])
    else:
        notes_title, notes = "", []
    return Comparison(topic=topic, title=TITLES[topic], columns=columns, notes_title=notes_title, notes=notes)
