"""The content audit (issue 11), recorded as a test: every claim the bot states cites one of the
article sections listed in careers.yaml, and the cited section holds what the claim names: each product
or technology, each dollar figure, and enough of its subject matter."""

from __future__ import annotations

import re
from pathlib import Path

from bot.content import Content, load_content

DATA = Path(__file__).parents[1] / "data"
# Names a claim may only state if its cited section names them too.
NAMED = re.compile(
    r"\b(PyTorch|TensorFlow|JAX|AWS|GCP|Azure|OpenAI|Anthropic|REST|GraphQL|Silicon Valley|Python|"
    r"Kubernetes|Docker|LangChain|Hugging ?Face|PhD|master'?s)\b"
)
STOP = set(
    [
        "about",
        "after",
        "also",
        "and",
        "any",
        "are",
        "because",
        "been",
        "both",
        "but",
        "can",
        "each",
        "even",
        "every",
        "from",
        "have",
        "into",
        "its",
        "more",
        "most",
        "much",
        "only",
        "other",
        "over",
        "same",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "very",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "will",
        "with",
        "would",
        "your",
        "you",
    ]
)


def sections_of(article_text: str, content: Content) -> dict[str, str]:
    """The article cut at the section titles careers.yaml lists (the summary title is two headings)."""
    text = article_text.replace("\u2019", "'")
    starts = []
    for sid, title in content.careers.article.sections.items():
        heading = title.split(" / ")[0]
        at = text.find(heading, 1 if sid == "which-path" else 0)  # its title is also the page title
        assert at >= 0, f"section {sid!r}: title {heading!r} not in the article"
        starts.append((at, sid))
    starts.sort()
    return {
        sid: text[at : (starts[i + 1][0] if i + 1 < len(starts) else len(text))]
        for i, (at, sid) in enumerate(starts)
    }


def claims(content: Content) -> dict[str, tuple[str, str]]:
    """Every text the bot states as the article's, with the section it cites ("a+b": either one)."""
    careers = content.careers
    out: dict[str, tuple[str, str]] = {}
    for t in careers.tracks:
        listed = [("tagline", t.tagline), *[(f"what{i}", c) for i, c in enumerate(t.what_they_do)]]
        listed += [(f"daily{i}", c) for i, c in enumerate(t.daily_work)]
        listed += [(f"entry{i}", c) for i, c in enumerate(t.entry)]
        listed += [(f"outlook{i}", c) for i, c in enumerate(t.outlook)]
        listed += [(f"switch_in{i}", c) for i, c in enumerate(t.switch_in)]
        listed += [("try_it", t.try_it)]
        out |= {f"{t.id}:{k}": (c.text, c.section) for k, c in listed}
        # A skill's name is from the skills section, or from the section its explanation cites (the
        # result and /compare name both); the explanation rests on the section it cites alone.
        out |= {
            f"{t.id}:skill:{s.id}": (s.name, "+".join(dict.fromkeys(["skills", s.section]))) for s in t.skills
        }
        out |= {f"{t.id}:skill:{s.id}:why": (s.why, s.section) for s in t.skills if s.why}
        out[f"{t.id}:salary"] = (f"{t.salary.label} {t.salary.basis}", t.salary.section)
        out[f"{t.id}:salary:qualifier"] = (f"{t.salary.label} {t.salary.qualifier}", t.salary.section)
    out |= {f"caveat{i}": (c.text, c.section) for i, c in enumerate(careers.salary_caveats)}
    out |= {f"switching{i}": (c.text, c.section) for i, c in enumerate(careers.switching)}
    out["hybrid"] = (careers.hybrid.text, careers.hybrid.section)
    for q in content.quiz.all_questions:
        out |= {f"quiz:{q.id}:{o.id}": (f"{q.factor}: {o.label}", o.section) for o in q.options}
    # FAQ answers (data/faq.yaml) are audited by their owner's tests, not here.
    return out


def _stems(text: str) -> set[str]:
    return {w[:4] for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in STOP}


# Words a skill explanation may use without the section holding them: they name the article, the
# roles or the list itself, not a fact about the skill.
FRAME = {
    "article",
    "articles",
    "engineer",
    "engineers",
    "engineering",
    "role",
    "roles",
    "path",
    "paths",
    "people",
    "part",
    "list",
    "lists",
    "names",
    "says",
    "asks",
    "first",
}
SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "es", "ed", "s", "ly")
# A skill explanation must find at least this share of its key words in the section it cites.
WHY_HELD = 2 / 3


def _key(word: str) -> str:
    """A light stem, so "optimise", "optimizing" and "optimization" meet, as do "handle" and "handling"."""
    word = re.sub(r"is(e|ed|es|ing|ation|ations)$", r"iz\1", word)
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word[:5]


def _keys(text: str, *, frame: bool = False) -> set[str]:
    words = re.findall(r"[a-z]{4,}", text.lower().replace("\u2019", "'").replace("'s", ""))
    return {_key(w) for w in words if w not in STOP and (frame or w not in FRAME)}


def why_not_held(why: str, section_text: str) -> list[str]:
    """The key words of a skill explanation that its section lacks, when too many are missing for the
    section to hold it ([] when it does): the audit's check on the bot's "why" lines."""
    keys = _keys(why)
    missing = sorted(keys - _keys(section_text, frame=True))
    held = len(keys) - len(missing)
    return missing if held < 2 or held < WHY_HELD * len(keys) else []


def test_every_skill_explanation_is_what_its_section_says(article_text: str) -> None:
    """A skill's `why` is shown as the article's (under a footer naming its section), so most of its
    key words must be the section's own: a reason the article never gives brings words it lacks."""
    content = load_content(DATA)
    sections = sections_of(article_text, content)
    problems = [
        f"{t.id}:{s.id}: {s.why!r} - section {s.section!r} lacks {missing}"
        for t in content.careers.tracks
        for s in t.skills
        if s.why and (missing := why_not_held(s.why, sections[s.section]))
    ]
    assert problems == [], "\n".join(problems)


def test_the_why_check_catches_explanations_the_article_never_gives(article_text: str) -> None:
    """The reviewer's examples (issue: /compare skills), each stated under the skills section."""
    skills = sections_of(article_text, load_content(DATA))["skills"]
    invented = [
        "Large models are trained across many machines.",
        "Needed to reason about data, training and evaluation.",
        "The maths underneath every model you will build or tune.",
        "Designing and improving models is the heart of the role.",
        "Production AI systems have to be watched to stay reliable.",
    ]
    assert [why for why in invented if not why_not_held(why, skills)] == []
    assert why_not_held("ML Engineers need experience with PyTorch, TensorFlow or JAX.", skills) == []


def test_every_claim_cites_a_listed_section_that_holds_it(article_text: str) -> None:
    content = load_content(DATA)
    sections = sections_of(article_text, content)
    problems = []
    for where, (text, sid) in claims(content).items():
        if any(part not in content.careers.article.sections for part in sid.split("+")):
            problems.append(f"{where}: cites {sid!r}, not a section careers.yaml lists")
            continue
        body = "\n".join(sections[part] for part in sid.split("+"))
        for name in NAMED.findall(text):
            if name.lower() not in body.lower():
                problems.append(f"{where}: names {name!r}, which section {sid!r} does not")
        for figure in re.findall(r"\$[\d,.\-]+k?", text):
            if figure not in body:
                problems.append(f"{where}: states {figure}, which section {sid!r} does not")
        shared = _stems(text) & _stems(body)
        # A quiz option is the member's own answer, not a claim: only its names and figures are checked.
        if not where.startswith("quiz:") and len(shared) < 2:
            problems.append(f"{where}: shares almost nothing with section {sid!r} ({sorted(shared)})")
    assert problems == [], "\n".join(problems)


def test_the_claims_the_audit_dropped_stay_dropped() -> None:
    texts = " ".join(text for text, _ in claims(load_content(DATA)).values())
    assert "Research only moves forward" not in texts
    # Second audit (member walk-through): advice and habits the article never states.
    assert "works in every day" not in texts and "then follow what you enjoy" not in texts
    assert "Both paths suit you" not in texts, "the draw is named 'Both paths' and explained, not promised"
    ml = load_content(DATA).careers.track("ml").try_it
    assert "PyTorch" not in ml.text or ml.section == "skills"


def test_no_audited_claim_copies_six_words_of_the_article(article_text: str) -> None:
    """The same rule as test_content's, over every claim above (try-its, caveats, switching included)."""
    content = load_content(DATA)

    def words(text: str) -> list[str]:
        return re.sub(r"[^a-z0-9$ ]+", " ", text.lower().replace("-", " ")).split()

    article = words(article_text)
    runs = {tuple(article[i : i + 6]) for i in range(len(article) - 5)}
    title = " ".join(words(content.careers.article.title))
    copied = []
    for where, (text, _) in claims(content).items():
        w = words(text)
        hits = [" ".join(w[i : i + 6]) for i in range(len(w) - 5) if tuple(w[i : i + 6]) in runs]
        copied += [f"{where}: {h}" for h in hits if h not in title]
    assert copied == [], "\n".join(copied)
