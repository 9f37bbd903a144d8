"""The learned FAQ answerer (bot/faq/) beside the lexical retriever it replaced: `python -m bench.faq`.

Both are measured in the same run, scored by section as the outside held-out check is:
- tests/data/faq_member_test.yaml: the frozen member-style set (personas training does not use),
  overall and per persona;
- tests/data/faq_test.yaml: the old test half written alongside the lexical retriever;
- grouped cross-validation: leave one test persona out, train on data/ plus the other personas;
- cross-validation on the training data alone (data/faq_examples.yaml in contiguous folds), which is
  what the answerer's settings (decline_below, FOCUS_WEIGHT) are chosen on, never the test sets;
- the same figures without reading a long message's question sentence (FOCUS_WEIGHT 0), same run.
Cost: mean and p99 per query; start-up training time and resident memory added, measured in fresh
subprocesses (so earlier imports do not hide them) both cold (an empty cache directory: the child
imports scikit-learn and fits, a first start) and warm (the fitted model read from the cache that the
cold runs wrote: a restart, or `careerbot ask` after one).
Prints figures, ratios and "FAIL" beside any goal missed, and never stops early on a miss.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
# (persona, expected entry id or None, question)
Item = tuple[str, str | None, str]
# question -> (section or None when declined)
Answerer = Callable[[str], str | None]


@dataclass
class Scores:
    top1: float
    precision: float
    recall: float
    n: int


def load(name: str) -> list[Item]:
    items: list[dict[str, Any]] = yaml.safe_load((ROOT / "tests" / "data" / name).read_text())
    return [(str(i.get("persona", "-")), i["expect"], i["q"]) for i in items]


def score(answer: Answerer, items: Sequence[Item], section_of: dict[str, str]) -> Scores:
    """top-1: answerable questions answered from the right section; P/R of the declines."""
    got = [(e, answer(q)) for _, e, q in items]
    answerable = [(e, g) for e, g in got if e is not None]
    right = sum(1 for e, g in answerable if g == section_of[e])
    declined = [e for e, g in got if g is None]
    true = sum(1 for e in declined if e is None)
    negatives = sum(1 for e, _ in got if e is None)
    return Scores(
        right / max(1, len(answerable)),
        true / len(declined) if declined else 1.0,
        true / negatives if negatives else 1.0,
        len(items),
    )


TRAIN_FOLDS = 5


def training_cv(faq: Any, section_of: dict[str, str]) -> Scores:
    """K folds over data/faq_examples.yaml: each label's list cut into K contiguous runs, so wordings
    written together (one persona's, one style's) are held out together. The entries' own questions
    and phrasings always train."""
    from bot.faq import FaqRetriever

    pooled: list[tuple[str | None, str | None]] = []
    for k in range(TRAIN_FOLDS):
        kept: dict[str, list[str]] = {}
        held: list[tuple[str | None, str]] = []
        for label, texts in faq.examples.items():
            for i, t in enumerate(texts):
                if i * TRAIN_FOLDS // len(texts) == k:
                    held.append((None if label == "none" else label, t))
                else:
                    kept.setdefault(label, []).append(t)
        model = FaqRetriever(faq.model_copy(update={"examples": kept}))
        for e, q in held:
            m = model.ask(q)
            pooled.append((e, None if m.declined else m.candidate.section))
    return _pooled(pooled, section_of)


def _pooled(pooled: Sequence[tuple[str | None, str | None]], section_of: dict[str, str]) -> Scores:
    ans = [(e, g) for e, g in pooled if e is not None]
    dec = [e for e, g in pooled if g is None]
    return Scores(
        sum(1 for e, g in ans if g == section_of[e]) / max(1, len(ans)),
        sum(e is None for e in dec) / max(1, len(dec)),
        sum(e is None for e in dec) / max(1, sum(e is None for e, _ in pooled)),
        len(pooled),
    )


def latency(
    answer: Callable[[str], object], questions: Sequence[str], rounds: int = 3
) -> tuple[float, float]:
    """Mean and p99 per query in milliseconds."""
    times = []
    for _ in range(rounds):
        for q in questions:
            start = time.perf_counter_ns()
            answer(q)
            times.append((time.perf_counter_ns() - start) / 1e6)
    times.sort()
    return statistics.fmean(times), times[min(len(times) - 1, int(len(times) * 0.99))]


_MEMORY_PROBE = """
import json, logging, resource, sys, time
from pathlib import Path
from bot.content import load_content
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() / 2**20
said = []
class Said(logging.Handler):
    def emit(self, record):
        said.append(record.getMessage())
logging.getLogger("careerbot.faq").addHandler(Said(logging.INFO))
logging.getLogger("careerbot.faq").setLevel(logging.INFO)
content = load_content(Path(sys.argv[1]))
before = rss()
t = time.perf_counter()
from bot.faq import FaqRetriever
imported, import_s = rss(), time.perf_counter() - t
r = FaqRetriever(content.faq, cache_dir=Path(sys.argv[2]))
r.ask("warm up: which role pays more")
print(json.dumps({"added_mb": rss() - before, "import_mb": imported - before,
                  "fit_s": time.perf_counter() - t, "import_s": import_s,
                  "cached": any("read from the cache" in m for m in said)}))
"""


STARTUP_RUNS = 5  # fresh processes; a shared box's load spikes make any single run misleading
_IMPORT_PROBE = (
    "import time; t = time.perf_counter(); "
    "import sklearn.svm, sklearn.feature_extraction.text, scipy.sparse; print(time.perf_counter() - t)"
)


def _probe(code: str, *args: str) -> str | None:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if out.returncode != 0:
        print(f"probe FAILED: {out.stderr.strip().splitlines()[-1:]}")
        return None
    return out.stdout


@dataclass
class Startup:
    """STARTUP_RUNS fresh processes building the base answerer: seconds (median, best; and the median
    of the part importing bot.faq), resident memory added (median, MB), and how many of them read the
    model from the cache."""

    median_s: float
    best_s: float
    import_s: float
    added_mb: float
    import_mb: float
    cached: int
    runs: int


def _startup(cache_dirs: Sequence[Path]) -> Startup:
    runs = [json.loads(o) for d in cache_dirs if (o := _probe(_MEMORY_PROBE, str(ROOT / "data"), str(d)))]
    if not runs:
        nan = float("nan")
        return Startup(nan, nan, nan, nan, nan, 0, 0)
    return Startup(
        statistics.median(r["fit_s"] for r in runs),
        min(r["fit_s"] for r in runs),
        statistics.median(r["import_s"] for r in runs),
        statistics.median(r["added_mb"] for r in runs),
        statistics.median(r["import_mb"] for r in runs),
        sum(r["cached"] for r in runs),
        len(runs),
    )


def memory_and_startup() -> tuple[Startup, Startup, float]:
    """Cold starts (each with an empty cache directory: fit, then write the cache, as a first start
    does), warm starts (the cache written by the cold runs: a restart), and the best time of the
    fitting child importing scikit-learn (same run)."""
    with tempfile.TemporaryDirectory() as tmp:
        dirs = [Path(tmp) / f"cold-{i}" for i in range(STARTUP_RUNS)]
        cold = _startup(dirs)
        warm = _startup([dirs[0]] * STARTUP_RUNS)
    imports = [float(o) for _ in range(STARTUP_RUNS) if (o := _probe(_IMPORT_PROBE))]
    return cold, warm, min(imports, default=float("nan"))


def _flag(ok: bool) -> str:
    return "" if ok else " FAIL"


def main() -> None:
    from bench._lexical_baseline import load_baseline
    from bot.content import load_content
    from bot.faq import FaqRetriever
    from bot.faq import answerer as learned_module

    content = load_content(ROOT / "data")
    faq = content.faq
    section_of = {e.id: e.section for e in faq.entries}
    member, old = load("faq_member_test.yaml"), load("faq_test.yaml")

    start = time.perf_counter()
    learned = FaqRetriever(faq)
    fit_s = time.perf_counter() - start
    lexical = load_baseline(faq)

    def ours(q: str) -> str | None:
        m = learned.ask(q)
        return None if m.declined else m.candidate.section

    def theirs(q: str) -> str | None:
        m = lexical.ask(q)
        return None if m.declined else m.candidate.section

    print(
        f"FAQ: {len(faq.entries)} entries; training wordings: "
        f"{sum(len(v) for k, v in faq.examples.items() if k != 'none')} answerable + "
        f"{len(faq.examples.get('none', []))} none, plus each entry's question and phrasings"
    )
    print(
        f"test sets: member {len(member)} ({sum(e is None for _, e, _ in member)} to decline), "
        f"old test half {len(old)}\n"
    )
    print("| method | set | top-1 (section) | decline P | decline R | n |")
    print("|---|---|---|---|---|---|")
    results: dict[tuple[str, str], Scores] = {}
    for name, answer in (("learned", ours), ("lexical (old)", theirs)):
        for label, items in (("member test", member), ("old test half", old)):
            s = score(answer, items, section_of)
            results[name, label] = s
            print(f"| {name} | {label} | {s.top1:.3f} | {s.precision:.3f} | {s.recall:.3f} | {s.n} |")

    # Grouped cross-validation: each persona of the member set is held out in turn; the model is
    # trained on data/ plus the other personas' questions (taught-example style), then scored on it.
    personas = sorted({p for p, _, _ in member})
    pooled: list[tuple[str | None, str | None]] = []
    for held in personas:
        extra = [(q, e or "none") for p, e, q in member if p != held]
        model = FaqRetriever(faq, extra)
        for p, e, q in member:
            if p == held:
                m = model.ask(q)
                pooled.append((e, None if m.declined else m.candidate.section))
    cv = _pooled(pooled, section_of)
    print(
        f"| learned | grouped CV, leave one persona out ({len(personas)} folds) "
        f"| {cv.top1:.3f} | {cv.precision:.3f} | {cv.recall:.3f} | {cv.n} |"
    )
    t = training_cv(faq, section_of)
    print(
        f"| learned | CV on training data only ({TRAIN_FOLDS} contiguous folds) "
        f"| {t.top1:.3f} | {t.precision:.3f} | {t.recall:.3f} | {t.n} |"
    )
    # The same model without averaging in a long message's question sentence (bot/faq/_text.focus).
    weight, learned_module.FOCUS_WEIGHT = learned_module.FOCUS_WEIGHT, 0.0
    try:
        s = score(ours, member, section_of)
        print(
            f"| learned, no focus sentence | member test | {s.top1:.3f} | {s.precision:.3f} | {s.recall:.3f} | {s.n} |"
        )
        t = training_cv(faq, section_of)
        print(
            f"| learned, no focus sentence | CV on training data only "
            f"| {t.top1:.3f} | {t.precision:.3f} | {t.recall:.3f} | {t.n} |"
        )
    finally:
        learned_module.FOCUS_WEIGHT = weight

    print("\nper persona (learned, member test set):")
    by: dict[str, list[Item]] = defaultdict(list)
    for item in member:
        by[item[0]].append(item)
    for persona, items in sorted(by.items()):
        s = score(ours, items, section_of)
        print(f"  {persona:26} top-1 {s.top1:.2f}  decline P {s.precision:.2f} R {s.recall:.2f}  n={s.n}")

    questions = [q for _, _, q in member + old]
    mean, p99 = latency(learned.ask, questions)
    bmean, bp99 = latency(lexical.ask, questions)
    cold, warm, sklearn_s = memory_and_startup()
    s, b = results["learned", "member test"], results["lexical (old)", "member test"]
    print("\ncost (same run):")
    print(
        f"  learned: mean {mean:.3f} ms/query{_flag(mean <= 1)}, p99 {p99:.3f} ms{_flag(p99 <= 2)}; "
        f"lexical: mean {bmean:.3f} ms, p99 {bp99:.3f} ms (ratio x{mean / bmean:.2f})"
    )
    print(
        f"  start-up training {fit_s:.3f} s here (no disk cache). In fresh processes, {STARTUP_RUNS} "
        f"each, incl. importing bot.faq (median {cold.import_s * 1000:.0f} ms cold, "
        f"{warm.import_s * 1000:.0f} ms warm; the bot imports it before it fits):"
    )
    print(
        f"    cold (empty cache: fit, then write it): median {cold.median_s:.3f} s"
        f"{_flag(cold.median_s <= 1)}, best {cold.best_s:.3f} s; of which the fitting child importing "
        f"scikit-learn: {sklearn_s:.3f} s (best, same run)"
    )
    print(
        f"    warm (restart, read from the cache; {warm.cached} of {warm.runs} did): median "
        f"{warm.median_s * 1000:.1f} ms{_flag(warm.median_s <= 1 and warm.cached == warm.runs)}, best "
        f"{warm.best_s * 1000:.1f} ms (warm / cold x{warm.median_s / cold.median_s:.3f})"
    )
    print(
        f"  resident memory added by import + training: cold {cold.added_mb:.1f} MB, warm "
        f"{warm.added_mb:.1f} MB (import alone {cold.import_mb:.1f} MB)"
        f"{_flag(max(cold.added_mb, warm.added_mb) <= 40)}"
    )
    print(
        "\nlearned / lexical on the member test set: "
        f"top-1 x{s.top1 / max(b.top1, 1e-9):.2f}, decline P x{s.precision / max(b.precision, 1e-9):.2f}, "
        f"decline R x{s.recall / max(b.recall, 1e-9):.2f}"
    )
    print(
        f"goals on own member set: top-1 {s.top1:.3f}{_flag(s.top1 >= 0.88)}, "
        f"decline P {s.precision:.3f}{_flag(s.precision >= 0.90)}, decline R {s.recall:.3f}{_flag(s.recall >= 0.90)}"
    )


if __name__ == "__main__":
    main()
