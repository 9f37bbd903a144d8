"""FAQ retriever vs a plain fuzzy baseline: `python -m bench.faq`.

Both are measured in the same run on tests/data/faq_{dev,test}.yaml. The baseline is what one would
write first: rapidfuzz `process.extractOne` with `fuzz.WRatio` over every canonical question and
phrasing, declining under a threshold tuned on the dev half (as decline_below was for the retriever).
Prints a Markdown table ready to paste into the README.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process, utils

from bot.content import Faq
from bot.faq import FaqRetriever

ROOT = Path(__file__).resolve().parents[1]
# (expected id or None, question)
Labelled = list[tuple[str | None, str]]
# question -> (chosen entry id, score 0..1, declined)
Answerer = Callable[[str], tuple[str, float, bool]]


@dataclass
class Scores:
    accuracy: float
    precision: float
    recall: float


def load(name: str) -> Labelled:
    items: list[dict[str, Any]] = yaml.safe_load((ROOT / "tests" / "data" / name).read_text())
    return [(i["expect"], i["q"]) for i in items]


def score(results: Sequence[tuple[str | None, str, float, bool]], threshold: float) -> Scores:
    """results: (expected, chosen, score, forced decline); declined when score < threshold or forced."""
    answerable = [r for r in results if r[0] is not None]
    right = sum(1 for e, c, s, f in answerable if c == e and s >= threshold and not f)
    declined = [e for e, _, s, f in results if s < threshold or f]
    true_declines = sum(1 for e in declined if e is None)
    negatives = sum(1 for r in results if r[0] is None)
    return Scores(
        right / len(answerable), true_declines / len(declined) if declined else 1.0, true_declines / negatives
    )


def run(answer: Answerer, items: Labelled) -> list[tuple[str | None, str, float, bool]]:
    return [(e, *answer(q)) for e, q in items]


def latency(answer: Answerer, items: Labelled, rounds: int = 5) -> tuple[float, float]:
    """Mean and p99 per query, in microseconds, over every question of both halves `rounds` times."""
    times = []
    for _ in range(rounds):
        for _, q in items:
            start = time.perf_counter_ns()
            answer(q)
            times.append((time.perf_counter_ns() - start) / 1000)
    times.sort()
    return statistics.fmean(times), times[int(len(times) * 0.99)]


def memory(build: Callable[[], object]) -> tuple[float, float]:
    """(peak while building, still held once built), in KiB."""
    tracemalloc.start()
    built = build()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del built
    return peak / 1024, held / 1024


def main() -> None:
    faq = Faq.model_validate(yaml.safe_load((ROOT / "data" / "faq.yaml").read_text()))
    dev, test = load("faq_dev.yaml"), load("faq_test.yaml")

    retriever = FaqRetriever(faq)

    def ours(q: str) -> tuple[str, float, bool]:
        m = retriever.ask(q)
        return m.candidate.id, m.score, m.declined

    choices = [t for e in faq.entries for t in (e.question, *e.phrasings)]
    owners = [e.id for e in faq.entries for _ in (e.question, *e.phrasings)]

    def baseline(q: str) -> tuple[str, float, bool]:
        hit = process.extractOne(q, choices, scorer=fuzz.WRatio, processor=utils.default_process)
        return (owners[hit[2]], hit[1] / 100, False) if hit else ("", 0.0, True)

    # The retriever's own decision already applies decline_below; the baseline's threshold is swept on dev
    # for the most right calls (correct answers plus correct declines).
    base_dev = run(baseline, dev)

    def right_calls(t: float) -> int:
        return sum(1 for e, c, s, f in base_dev if (s < t or f) == (e is None) and (e is None or c == e))

    base_t = max((t / 100 for t in range(101)), key=right_calls)
    rows = {}
    for name, answer, threshold in (("retriever", ours, 0.0), ("baseline", baseline, base_t)):
        res = {h: score(run(answer, items), threshold) for h, items in (("dev", dev), ("test", test))}
        mean, p99 = latency(answer, dev + test)
        rows[name] = (res, mean, p99)
    mem_ours = memory(lambda: FaqRetriever(faq))
    mem_base = memory(lambda: ([t for e in faq.entries for t in (e.question, *e.phrasings)], list(owners)))

    print(
        f"FAQ retrieval: {len(faq.entries)} entries, {len(choices)} questions+phrasings; "
        f"dev {len(dev)} / test {len(test)} questions"
    )
    print(
        f"retriever decline_below={faq.decline_below:.2f}; baseline WRatio threshold={base_t:.2f} (tuned on dev)\n"
    )
    print(
        "| method | half | top-1 acc | decline P | decline R | mean µs | p99 µs | build peak KiB | held KiB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, mem in (("retriever", mem_ours), ("baseline", mem_base)):
        res, mean, p99 = rows[name]
        for half in ("dev", "test"):
            s = res[half]
            print(
                f"| {name} | {half} | {s.accuracy:.3f} | {s.precision:.3f} | {s.recall:.3f} "
                f"| {mean:.0f} | {p99:.0f} | {mem[0]:.0f} | {mem[1]:.0f} |"
            )
    (ro, om, op), (rb, bm, bp) = rows["retriever"], rows["baseline"]
    print("\nretriever / baseline ratios (test half):")
    print(
        f"  top-1 accuracy x{ro['test'].accuracy / max(rb['test'].accuracy, 1e-9):.2f}, "
        f"decline precision x{ro['test'].precision / max(rb['test'].precision, 1e-9):.2f}, "
        f"decline recall x{ro['test'].recall / max(rb['test'].recall, 1e-9):.2f}"
    )
    print(
        f"  mean latency x{om / bm:.1f}, p99 latency x{op / bp:.1f}, "
        f"build peak x{mem_ours[0] / mem_base[0]:.0f}, held memory x{mem_ours[1] / mem_base[1]:.0f}"
    )


if __name__ == "__main__":
    main()
