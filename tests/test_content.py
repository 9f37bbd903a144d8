"""Content files: every file in data/ loads and cross-references hold; broken files name file, field, reason."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.content import ContentError, load_content

DATA = Path(__file__).resolve().parents[1] / "data"


def broken_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("*.sqlite3*"))
    text = (target / name).read_text()
    assert old in text, f"fixture text {old!r} not in {name}"
    (target / name).write_text(text.replace(old, new, 1))
    return target


def test_every_data_file_loads_and_cross_references_hold() -> None:
    content = load_content(DATA)
    skills = {s.id for t in content.careers.tracks for s in t.skills}
    sections = set(content.careers.article.sections)
    for q in content.quiz.all_questions:
        for o in q.options:
            assert o.section in sections
            assert set(o.gaps) <= skills
    for e in content.faq.entries:
        assert e.section in sections
    assert {t.id for t in content.careers.tracks} == {"ai", "ml"}
    assert len(content.quiz_version) == 12 and len(content.content_version) == 12


def test_salary_figures_are_the_articles(article_text: str) -> None:
    content = load_content(DATA)
    article = article_text
    for track in content.careers.tracks:
        lo, hi = track.salary.minimum // 1000, track.salary.maximum // 1000
        assert f"${lo}-{hi}k" in article
        assert track.salary.label == f"${lo}-{hi}k"
        assert "research-focused" in track.salary.basis
        # The result shows the figure with this beside it: the article's own qualifier, in few words.
        assert "research-focused companies" in track.salary.qualifier and len(track.salary.qualifier) <= 40


def test_no_dollar_figure_anywhere_that_the_article_lacks(article_text: str) -> None:
    article_figures = set(re.findall(r"\$[\d,.\-]+k?", article_text))
    for name in ("careers.yaml", "quiz.yaml", "faq.yaml"):
        for figure in re.findall(r"\$[\d,.\-]+k?", (DATA / name).read_text()):
            assert figure in article_figures, f"{name} states {figure}, which the article does not"


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        (
            "careers.yaml",
            'title: "Should I',
            "title: [",
            r"data/careers.yaml: line \d+, column \d+: invalid YAML",
        ),
        (
            "careers.yaml",
            "minimum: 110000",
            "minimum: 170000",
            r"careers.yaml: tracks\[0\].salary.minimum: must be below",
        ),
        (
            "careers.yaml",
            "minimum: 110000",
            'minimum: "lots"',
            r"careers.yaml: tracks\[0\].salary.minimum: Input should be a valid integer",
        ),
        (
            "careers.yaml",
            'section: "difference"',
            'section: "history"',
            r"careers.yaml: tracks\[0\].tagline.section: Input should be",
        ),
        (
            "careers.yaml",
            '  - id: "ml"',
            '  - id: "ai"',
            r"careers.yaml: tracks: need exactly one 'ai' and one 'ml'",
        ),
        (
            "careers.yaml",
            'author: "Zen van Riel"',
            'author: "Zen van Riel"\n  editor: "x"',
            r"careers.yaml: article.editor: Extra inputs are not permitted",
        ),
        (
            "careers.yaml",
            'id: "api-development"',
            'id: "software-engineering"',
            r"careers.yaml: tracks\[0\].skills\[1\].id: duplicate id",
        ),
        ("faq.yaml", "entries:", "entries: 5\nunused:", r"data/faq.yaml: "),
    ],
)
def test_broken_files_name_file_field_and_reason(
    tmp_path: Path, name: str, old: str, new: str, expected: str
) -> None:
    broken = broken_copy(tmp_path, name, old, new)
    with pytest.raises(ContentError, match=expected):
        load_content(broken)


def test_missing_file_is_named(tmp_path: Path) -> None:
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    (target / "faq.yaml").unlink()
    with pytest.raises(ContentError, match=r"faq.yaml: cannot read"):
        load_content(target)


def test_unquoted_no_becomes_a_bool_and_is_rejected(tmp_path: Path) -> None:
    broken = broken_copy(tmp_path, "careers.yaml", 'name: "AI Engineer"', "name: No")
    with pytest.raises(ContentError, match=r"careers.yaml: tracks\[0\].name: Input should be a valid string"):
        load_content(broken)


def test_prompt_typo_keeps_quiz_version_but_weight_change_does_not(tmp_path: Path) -> None:
    base = load_content(DATA)
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    quiz = (target / "quiz.yaml").read_text()
    (target / "quiz.yaml").write_text(quiz.replace('prompt: "', 'prompt: "Typo fixed. ', 1))
    faq = (target / "faq.yaml").read_text()
    (target / "faq.yaml").write_text(faq.replace('answer: "', 'answer: "Typo fixed. ', 1))
    edited = load_content(target)
    assert edited.quiz_version == base.quiz_version
    assert edited.content_version != base.content_version
    (target / "quiz.yaml").write_text(
        re.sub(r"ai: (\d)", lambda m: f"ai: {3 - int(m.group(1))}", quiz, count=1)
    )
    try:
        reweighted = load_content(target)
    except ContentError:
        return  # the change broke the AI->ML scale: validation caught it, which is also fine
    assert reweighted.quiz_version != base.quiz_version


def _words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9$ ]+", " ", text.lower().replace("-", " ")).split()


def test_no_run_of_six_words_is_copied_from_the_article(article_text: str) -> None:
    """Content is the project's own words: no 6-word run of the article, except its title when named."""
    content = load_content(DATA)
    article = _words(article_text)
    runs = {tuple(article[i : i + 6]) for i in range(len(article) - 5)}
    title = " ".join(_words(content.careers.article.title))
    texts: dict[str, str] = {f"faq:{e.id}": e.answer for e in content.faq.entries}
    for track in content.careers.tracks:
        claims = [
            track.tagline,
            *track.what_they_do,
            *track.daily_work,
            *track.entry,
            *track.outlook,
            *track.switch_in,
        ]
        texts |= {f"careers:{track.id}:{i}": c.text for i, c in enumerate(claims)}
        texts |= {f"careers:{track.id}:skill:{s.id}": s.why for s in track.skills}
    for q in content.quiz.all_questions:
        texts[f"quiz:{q.id}"] = " ".join([q.prompt, q.detail, *(o.label for o in q.options)])
    copied = []
    for where, text in texts.items():
        words = _words(text.replace(content.careers.article.title, " "))
        hits = [" ".join(words[i : i + 6]) for i in range(len(words) - 5) if tuple(words[i : i + 6]) in runs]
        copied += [f"{where}: {h}" for h in hits if h not in title]
    assert copied == [], "copied from the article:\n" + "\n".join(copied)


def test_quiz_followups_it_leaves_out_are_real_faq_entries() -> None:
    """quiz.yaml's unfit_followups name faq.yaml entries (not checked at load, so the quiz never needs
    the FAQ file); a typo here would silently offer the very question it meant to hold back."""
    content = load_content(DATA)
    known = {e.id for e in content.faq.entries}
    named = {f for q in content.quiz.all_questions for o in q.options for f in o.unfit_followups}
    assert named and named <= known, named - known
