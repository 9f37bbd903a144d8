"""Content models for data/*.yaml and their loader.

Everything the bot says about the two careers lives in YAML, validated here at start-up: a broken
file stops the bot with ``file: path.to.field: reason`` instead of failing later inside a click.

Given a cache folder (the bot passes CACHE_DIR), the validated content is also kept there as JSON,
named by the digest of the YAML files' bytes: a restart on unchanged files reads that (~1 ms) instead
of importing and running the YAML parser (~30 ms of a ~0.5 s start). Any change to the files changes
the digest, so an edited file is always parsed and checked again; a cache that cannot be read or
written is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import os
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger("careerbot.content")

SectionId = Literal["which-path", "difference", "salary", "entry", "skills", "switch", "summary"]
TrackId = Literal["ai", "ml"]
Outcome = Literal["ai", "ml", "hybrid"]
TRACK_IDS: tuple[TrackId, ...] = ("ai", "ml")
OUTCOME_NAMES: dict[str, str] = {"ai": "AI Engineer", "ml": "ML Engineer", "hybrid": "Both paths"}

# Discord limits the content must fit (checked here so a long label fails at start-up, not on click).
BUTTON_LABEL_MAX = 80
SELECT_TEXT_MAX = 100
CUSTOM_ID_MAX = 100
# The widest session id a custom_id must carry: SQLite rowids are 64-bit, at most 19 digits.
SESSION_ID_DIGITS = 19

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", min_length=1, max_length=40)]
Text = Annotated[str, Field(min_length=1)]


class ContentError(Exception):
    """A content file is broken; ``str()`` is ``file: path.to.field: reason``."""

    def __init__(self, file: str, location: str, reason: str) -> None:
        self.file, self.location, self.reason = file, location, reason
        super().__init__(f"{file}: {location}: {reason}" if location else f"{file}: {reason}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- careers.yaml


class Claim(_Model):
    """One statement the bot makes, with the article section it rests on."""

    text: Text
    section: SectionId


class Skill(_Model):
    id: Slug
    name: Annotated[str, Field(min_length=1, max_length=SELECT_TEXT_MAX)]
    # What the cited section says about the skill; left out where the article only lists it.
    why: str = ""
    section: SectionId

    @property
    def line(self) -> str:
        """``name: why``, or the name alone when the article gives the skill no explanation."""
        return f"{self.name}: {self.why}" if self.why else self.name


class Salary(_Model):
    minimum: Annotated[int, Field(gt=0)]
    maximum: Annotated[int, Field(gt=0)]
    label: Text  # as the article writes it, e.g. "$110-160k" (it names no currency beyond "$")
    basis: Text  # what the figure is, with the article's qualifiers
    qualifier: Text  # the article's qualifier in a few words, shown beside the bare figure in a result
    section: SectionId


class Track(_Model):
    id: TrackId
    name: Annotated[str, Field(min_length=1, max_length=60)]
    tagline: Claim
    salary: Salary
    what_they_do: list[Claim] = Field(min_length=1)
    daily_work: list[Claim] = Field(min_length=1)
    entry: list[Claim] = Field(min_length=1)
    skills: list[Skill] = Field(min_length=3)
    outlook: list[Claim] = Field(min_length=1)
    switch_in: list[Claim] = Field(min_length=1)  # how someone from the other track moves here
    try_it: Claim  # a first step for a hybrid result


class Article(_Model):
    title: Text
    author: Text
    author_role: Text
    sections: dict[SectionId, Text]


class Careers(_Model):
    article: Article
    tracks: list[Track] = Field(min_length=2, max_length=2)
    salary_caveats: list[Claim] = Field(min_length=1)
    switching: list[Claim] = Field(min_length=1)
    hybrid: Claim

    def track(self, track_id: TrackId) -> Track:
        return next(t for t in self.tracks if t.id == track_id)


# ---------------------------------------------------------------- quiz.yaml


class Weights(_Model):
    ai: Annotated[int, Field(ge=0, le=3)]
    ml: Annotated[int, Field(ge=0, le=3)]

    def of(self, track: TrackId) -> int:
        return self.ai if track == "ai" else self.ml

    @property
    def lean(self) -> int:
        """Positive leans AI, negative leans ML."""
        return self.ai - self.ml


class Option(_Model):
    id: Slug
    label: Annotated[str, Field(min_length=1, max_length=BUTTON_LABEL_MAX)]
    weights: Weights
    section: SectionId
    # Skills (careers.yaml ids) this answer says the member still needs: drives "learn next".
    gaps: list[Slug] = Field(default_factory=list)
    # Skills this answer says the member already has: never suggested to them.
    has: list[Slug] = Field(default_factory=list)
    # faq.yaml entries whose premise this answer contradicts (a beginner is not "a software developer"):
    # never offered to this member as a follow-up question. Not checked at load, so the quiz never
    # depends on the FAQ file; tests/test_content.py checks the shipped ids exist.
    unfit_followups: list[Slug] = Field(default_factory=list)


class Question(_Model):
    id: Slug
    factor: Annotated[str, Field(min_length=1, max_length=60)]  # short name shown in "why" lines
    prompt: Annotated[str, Field(min_length=1, max_length=256)]
    detail: str = ""
    options: list[Option] = Field(min_length=2, max_length=5)

    @cached_property
    def _by_id(self) -> dict[str, Option]:
        # Looked up several times on every click: built once. (A cached_property, not a private
        # attribute: pydantic reads those through a Python-level __getattr__, slow on a hot path.)
        return {o.id: o for o in self.options}

    def option(self, option_id: str) -> Option | None:
        return self._by_id.get(option_id)

    @cached_property
    def reach(self) -> tuple[int, int]:
        """The most one answer here can pull the lean towards AI, and towards ML (scoring's scale)."""
        leans = [o.weights.lean for o in self.options]
        return max(0, *leans), max(0, *(-lean for lean in leans))


class Scoring(_Model):
    # |lean| / max possible |lean| under this share after the main questions asks the tie-breaks;
    # under hybrid_margin after the tie-breaks gives a hybrid result.
    tiebreak_margin: Annotated[float, Field(gt=0, lt=1)]
    hybrid_margin: Annotated[float, Field(gt=0, lt=1)]


class Quiz(_Model):
    scoring: Scoring
    questions: list[Question] = Field(min_length=1)
    tiebreakers: list[Question] = Field(default_factory=list)

    @cached_property
    def _by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.all_questions}

    @property
    def all_questions(self) -> list[Question]:
        return [*self.questions, *self.tiebreakers]

    def question(self, question_id: str) -> Question | None:
        return self._by_id.get(question_id)


# ---------------------------------------------------------------- faq.yaml


class FaqEntry(_Model):
    id: Slug
    topic: Annotated[str, Field(min_length=1, max_length=BUTTON_LABEL_MAX)]
    question: Annotated[str, Field(min_length=1, max_length=SELECT_TEXT_MAX)]
    phrasings: list[Annotated[str, Field(min_length=1)]] = Field(min_length=3)
    answer: Annotated[str, Field(min_length=1, max_length=1500)]
    section: SectionId
    related_tracks: list[TrackId] = Field(default_factory=list)


class Faq(_Model):
    # A best section probability under this is declined (bot/faq/, tuned by grouped cross-validation).
    decline_below: Annotated[float, Field(ge=0, le=1)] = 0.5
    # Place names: a pay question naming one is answered with place_note (the article has no city figures).
    places: list[str] = Field(default_factory=list)
    place_note: str = ""
    # Tools members ask about that the article never names: an answer to a question naming one says
    # so (tool_note, "{tools}" replaced by their names) rather than let the answer seem to cover it.
    unnamed_tools: list[str] = Field(default_factory=list)
    tool_note: str = ""
    entries: list[FaqEntry] = Field(min_length=1)
    # Member-style wordings per entry id, and "none" for what the article does not answer
    # (data/faq_examples.yaml): the answerer's training data.
    examples: dict[str, list[Text]] = Field(default_factory=dict)

    def entry(self, entry_id: str) -> FaqEntry | None:
        return next((e for e in self.entries if e.id == entry_id), None)


# ---------------------------------------------------------------- loading


class Content(_Model):
    careers: Careers
    quiz: Quiz
    faq: Faq
    quiz_version: str  # hash of what scoring depends on; stamped on sessions and results
    content_version: str  # hash of every content file, for `careerbot check` and logs


FILES = ("careers.yaml", "quiz.yaml", "faq.yaml")
# Optional: without it the FAQ answerer trains on the entries' own phrasings only.
EXAMPLES_FILE = "faq_examples.yaml"


def _loc(parts: Iterable[int | str]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], raw: bytes, shown: str) -> M:
    import yaml  # only when a file is parsed: a restart on unchanged content reads the JSON cache

    try:
        # libyaml's loader (same safe subset) parses the content ~10x faster: a large part of start-up.
        data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ContentError(shown, where, f"invalid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise ContentError(shown, "", "expected a mapping at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        raise ContentError(shown, _loc(err["loc"]), err["msg"]) from None


def _unique(shown: str, where: str, ids: Sequence[str]) -> None:
    seen: set[str] = set()
    for i, item in enumerate(ids):
        if item in seen:
            raise ContentError(shown, f"{where}[{i}].id", f"duplicate id {item!r}")
        seen.add(item)


def _check_careers(c: Careers, shown: str) -> None:
    ids = [t.id for t in c.tracks]
    if sorted(ids) != sorted(TRACK_IDS):
        raise ContentError(shown, "tracks", f"need exactly one 'ai' and one 'ml' track, got {ids}")
    for i, t in enumerate(c.tracks):
        if t.salary.minimum >= t.salary.maximum:
            raise ContentError(shown, f"tracks[{i}].salary.minimum", "must be below maximum")
        _unique(shown, f"tracks[{i}].skills", [s.id for s in t.skills])


def _check_questions(quiz: Quiz, careers: Careers, shown: str) -> None:
    skill_ids = {s.id for t in careers.tracks for s in t.skills}
    _unique(shown, "questions+tiebreakers", [q.id for q in quiz.all_questions])
    for group in ("questions", "tiebreakers"):
        for qi, q in enumerate(getattr(quiz, group)):
            where = f"{group}[{qi}]"
            _unique(shown, f"{where}.options", [o.id for o in q.options])
            leans = [o.weights.lean for o in q.options]
            if len(set(leans)) == 1:
                raise ContentError(shown, f"{where}.options", "no option moves the score")
            # One scale everywhere: first option the implementation side, last the research side.
            if any(a < b for a, b in itertools.pairwise(leans)) or leans[0] <= leans[-1]:
                raise ContentError(
                    shown,
                    f"{where}.options",
                    "options must run from the AI (implementation) side to the ML side",
                )
            for oi, o in enumerate(q.options):
                cid = f"cq:{'9' * SESSION_ID_DIGITS}:{q.id}:{o.id}"
                if len(cid) > CUSTOM_ID_MAX:
                    raise ContentError(
                        shown, f"{where}.options[{oi}].id", f"custom_id {len(cid)} chars > {CUSTOM_ID_MAX}"
                    )
                for kind, skills in (("gaps", o.gaps), ("has", o.has)):
                    for gi, gap in enumerate(skills):
                        if gap not in skill_ids:
                            raise ContentError(
                                shown, f"{where}.options[{oi}].{kind}[{gi}]", f"unknown skill {gap!r}"
                            )
                if set(o.gaps) & set(o.has):
                    raise ContentError(shown, f"{where}.options[{oi}]", "a skill is both a gap and had")
    # Every track must be able to win: answering all on its side must pull towards it. (The lean is
    # shared out of the most the answers could pull that way, so that member's lean is then 100%.)
    for track, pick in (("ai", max), ("ml", min)):
        best = sum(pick(o.weights.lean for o in q.options) for q in quiz.all_questions)
        if best == 0 or (best > 0) != (track == "ai"):
            raise ContentError(shown, "questions", f"track {track!r} cannot win with these weights")
    if quiz.scoring.hybrid_margin > quiz.scoring.tiebreak_margin:
        raise ContentError(shown, "scoring.hybrid_margin", "must not exceed tiebreak_margin")


def _check_faq(faq: Faq, shown: str) -> None:
    _unique(shown, "entries", [e.id for e in faq.entries])


class FaqExamples(_Model):
    examples: dict[str, list[Text]]


NONE_LABEL = "none"  # the FAQ answerer's class for questions the article does not answer


def _check_examples(ex: FaqExamples, faq: Faq, shown: str) -> None:
    known = {e.id for e in faq.entries} | {NONE_LABEL}
    for key, texts in ex.examples.items():
        if key not in known:
            raise ContentError(shown, f"examples.{key}", "not an entry id of faq.yaml or 'none'")
        if not texts:
            raise ContentError(shown, f"examples.{key}", "empty list")


def quiz_version_of(quiz: Quiz, careers: Careers) -> str:
    """Hash only what scoring depends on, so a typo fixed in a prompt restarts no session."""
    scoring = {
        "tracks": sorted(t.id for t in careers.tracks),
        "scoring": quiz.scoring.model_dump(),
        "questions": [
            [q.id, [[o.id, o.weights.ai, o.weights.ml] for o in q.options]] for q in quiz.questions
        ],
        "tiebreakers": [
            [q.id, [[o.id, o.weights.ai, o.weights.ml] for o in q.options]] for q in quiz.tiebreakers
        ],
    }
    return hashlib.sha256(json.dumps(scoring, sort_keys=True).encode()).hexdigest()[:12]


def _shown(path: Path) -> str:
    """How a file is named in errors: relative to the project when it lives inside it."""
    root = Path(__file__).resolve().parent.parent
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ContentError(_shown(path), "", f"cannot read: {exc.strerror or exc}") from None


def _digest(raws: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in raws:
        digest.update(name.encode() + b"\0" + raws[name] + b"\0")
    return digest.hexdigest()


def _from_cache(path: Path, digest: str) -> Content | None:
    try:
        cached = Content.model_validate_json(path.read_bytes())
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ValidationError) as exc:
        log.warning("content cache %s unusable (%s); parsing the YAML files", path.name, type(exc).__name__)
        return None
    return cached if cached.content_version == digest[:12] else None


def _to_cache(path: Path, content: Content) -> None:
    # Written beside, then renamed: a second process starting at the same moment reads either no
    # file or a whole one.
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(content.model_dump_json().encode())
        tmp.replace(path)
        for stale in path.parent.glob("content-*.json"):  # earlier versions of the files
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError as exc:  # a read-only content directory: start-up just parses every time
        log.debug("content cache not written: %s", exc)
        with contextlib.suppress(OSError):
            tmp.unlink()


def load_content(content_dir: Path, *, cache_dir: Path | None = None) -> Content:
    raws = {name: _read(content_dir / name) for name in FILES}
    examples_path = content_dir / EXAMPLES_FILE
    if examples_path.exists():
        raws[EXAMPLES_FILE] = _read(examples_path)
    digest = _digest(raws)
    cache_path = cache_dir / f"content-{digest}.json" if cache_dir is not None else None
    if cache_path is not None and (cached := _from_cache(cache_path, digest)) is not None:
        return cached
    content = _validate(content_dir, raws, digest)
    if cache_path is not None:
        _to_cache(cache_path, content)
    return content


def _validate(content_dir: Path, raws: dict[str, bytes], digest: str) -> Content:
    shown = {name: _shown(content_dir / name) for name in raws}
    careers = _parse(Careers, raws["careers.yaml"], shown["careers.yaml"])
    _check_careers(careers, shown["careers.yaml"])
    quiz = _parse(Quiz, raws["quiz.yaml"], shown["quiz.yaml"])
    _check_questions(quiz, careers, shown["quiz.yaml"])
    faq = _parse(Faq, raws["faq.yaml"], shown["faq.yaml"])
    _check_faq(faq, shown["faq.yaml"])
    if EXAMPLES_FILE in raws:
        examples = _parse(FaqExamples, raws[EXAMPLES_FILE], shown[EXAMPLES_FILE])
        _check_examples(examples, faq, shown[EXAMPLES_FILE])
        faq = faq.model_copy(update={"examples": examples.examples})
    return Content(
        careers=careers,
        quiz=quiz,
        faq=faq,
        quiz_version=quiz_version_of(quiz, careers),
        content_version=digest[:12],
    )


def dump_for_check(content: Content) -> dict[str, Any]:
    """What `careerbot check` prints."""
    return {
        "tracks": [f"{t.id}: {t.name} ({t.salary.label})" for t in content.careers.tracks],
        "questions": len(content.quiz.questions),
        "tiebreakers": len(content.quiz.tiebreakers),
        "faq_entries": len(content.faq.entries),
        "quiz_version": content.quiz_version,
        "content_version": content.content_version,
    }
