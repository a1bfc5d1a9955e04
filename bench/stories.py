"""Benchmark and threshold choice for near-duplicate stories (curation/stories).

    python -m bench.stories [--n 100000] [--tasks 10000] [--repeat 3] [--skip-scale] [--skip-threshold]

1. Threshold: pairs made from the 200 BBC articles and examples/articles by the edits real
   syndication makes (bench/syndication.py), against negative pairs (every same-topic pair
   of different BBC stories, and as many pairs across topics). Each pair goes through the
   real detector (LSH candidate, then the exact containment check). The threshold is chosen
   by 5-fold cross-validation over the BBC topics (max F0.5 on four, measured on the fifth);
   examples/articles are never used to choose. Precision and recall per edit type at the
   default threshold are printed.
2. Scale: `--n` articles in one JSONL file: distinct stories (the BBC articles, and stories
   recombined from BBC sentences so there are enough distinct ones), each published 1-6 times
   with random syndication edits (a tenth of copies verbatim, under another URL), shuffled.
   Detection (ingest + placing every article in its story) against the floor, ingest +
   exact text-hash dedup, each in its own process: wall time, peak RSS, and pairwise
   precision/recall of the stories found against the constructed truth.
3. `curation tasks` (ingest, pre-annotate, validate, write) on the first `--tasks` articles
   with detection on and off, `--repeat` pairs back to back: the median throughput ratio
   (target >= 0.8), in wall and CPU time.

Targets (issue 12): 100,000 articles in < 60 s and < 1 GB on one core; recall >= 0.95 and
precision >= 0.99 at the default threshold.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench._common import ROOT, SHARED, peak_rss_mb, run_isolated
from bench.syndication import EDITS, add_paragraph, split

GRID = [round(0.30 + 0.05 * i, 2) for i in range(14)]  # 0.30 .. 0.95


def bbc() -> list[tuple[str, str, str]]:
    """(topic, path, raw text) of every BBC article."""
    paths = sorted((SHARED / "bbc-news").glob("*/*.txt"))
    if not paths:
        sys.exit(f"no BBC articles under {SHARED / 'bbc-news'}: the benchmark needs ../shared/benchmarks")
    return [(p.parent.name, str(p), p.read_text(encoding="utf-8", errors="replace")) for p in paths]


def examples() -> list[str]:
    """examples/articles as raw "headline, blank line, body" texts."""
    from curation.ingest import ingest
    from curation.models import Article

    return [f"{a.title}\n\n{a.text}\n" for a in ingest([ROOT / "examples" / "articles"]) if isinstance(a, Article)]


def edited(raw: str, kind: str, rng: random.Random, donor: str) -> str:
    """`raw` with one syndication edit; an added paragraph is another article's (as a desk adds background)."""
    if kind == "add_paragraph":
        return add_paragraph(raw, rng, extra=split(donor)[1][-1])
    return EDITS[kind](raw, rng)


# 1. threshold


def pair_scores(a: str, b: str, size: int) -> tuple[bool, float]:
    """Whether the detector's LSH makes `a` a candidate for `b`, and their exact similarity."""
    from curation.ingest import parse_text
    from curation.stories.index import NearDuplicateIndex, containment, fingerprint
    from curation.stories.registry import Text

    x, y = (parse_text(t, source_path="pair").text for t in (a, b))
    fx, fy = fingerprint(x, size), fingerprint(y, size)
    index = NearDuplicateIndex(size)
    index.add(Text(x), fx.whole, fx.head)
    return bool(index.candidates(fy)), containment(fx.shingles, fy.shingles)


def labelled_pairs(size: int) -> list[dict]:
    """Positive pairs per edit type and negative pairs, each with its topic (the CV fold) and scores."""
    rng = random.Random(12)
    corpus = bbc()
    pairs = []
    for i, (topic, _, raw) in enumerate(corpus):
        donor = corpus[(i + 37) % len(corpus)][2]
        for kind in EDITS:
            pairs.append({"topic": topic, "kind": kind, "same": True, "scores": pair_scores(raw, edited(raw, kind, rng, donor), size)})
    for i, j in itertools.combinations(range(len(corpus)), 2):
        repeat = split(corpus[i][2])[1] == split(corpus[j][2])[1]  # the BBC set holds two verbatim repeats: one story
        if corpus[i][0] == corpus[j][0] and not repeat:
            pairs.append({"topic": corpus[i][0], "kind": "same-topic story", "same": False,
                          "scores": pair_scores(corpus[i][2], corpus[j][2], size)})
    others = [(i, j) for i, j in itertools.combinations(range(len(corpus)), 2) if corpus[i][0] != corpus[j][0]]
    for i, j in rng.sample(others, len(pairs) // 2):
        pairs.append({"topic": corpus[i][0], "kind": "other-topic story", "same": False,
                      "scores": pair_scores(corpus[i][2], corpus[j][2], size)})
    ex = examples()
    for i, raw in enumerate(ex):
        for kind in EDITS:
            pairs.append({"topic": "examples", "kind": kind, "same": True,
                          "scores": pair_scores(raw, edited(raw, kind, rng, ex[(i + 1) % len(ex)]), size)})
    for a, b in itertools.combinations(ex, 2):
        pairs.append({"topic": "examples", "kind": "other-topic story", "same": False, "scores": pair_scores(a, b, size)})
    return pairs


def detected(pair: dict, threshold: float, lsh: bool = True) -> bool:
    """Reported at `threshold`: a candidate (unless `lsh` is off: as if the exact check saw every pair) similar enough."""
    candidate, score = pair["scores"]
    return (candidate or not lsh) and score >= threshold


def prf(pairs: list[dict], threshold: float, lsh: bool = True) -> tuple[float, float, float]:
    tp = sum(p["same"] and detected(p, threshold, lsh) for p in pairs)
    fp = sum(not p["same"] and detected(p, threshold, lsh) for p in pairs)
    fn = sum(p["same"] and not detected(p, threshold, lsh) for p in pairs)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, f_beta(precision, recall)


def f_beta(precision: float, recall: float, beta: float = 0.5) -> float:
    """F0.5: precision weighs more. A false merge costs more than a missed copy: exported one row per story, it
    drops a distinct article from the dataset and shows annotators a wrong "also published as"; a missed copy
    costs one more annotation."""
    b2 = beta * beta
    return (1 + b2) * precision * recall / (b2 * precision + recall) if precision + recall else 0.0


def choose(pairs: list[dict]) -> float:
    """The middle of the grid interval of maximal F0.5 of the exact similarity alone (the widest margin on both
    sides). The LSH stage does not depend on the threshold and may let any pair through, so the threshold must
    separate the similarities themselves."""
    scores = [prf(pairs, t, lsh=False)[2] for t in GRID]
    best = [t for t, f in zip(GRID, scores) if f >= max(scores) - 1e-12]
    return best[len(best) // 2]


def threshold_study(size: int, default: float) -> None:
    pairs = labelled_pairs(size)
    bbc_pairs = [p for p in pairs if p["topic"] != "examples"]
    topics = sorted({p["topic"] for p in bbc_pairs})
    print(f"\n## threshold (shingles of {size} words): {len(pairs)} pairs, 5-fold CV over BBC topics\n")
    print("| held-out topic | chosen on the other four | held-out P | held-out R |\n|---|---|---|---|")
    for topic in topics:
        chosen = choose([p for p in bbc_pairs if p["topic"] != topic])
        p, r, _ = prf([p for p in bbc_pairs if p["topic"] == topic], chosen)
        print(f"| {topic} | {chosen:.2f} | {p:.3f} | {r:.3f} |")
    print(f"\nchosen on all five topics: {choose(bbc_pairs):.2f}; configured default: {default:.2f}\n")
    print("| threshold | " + " | ".join(f"{t:.2f}" for t in GRID) + " |\n|---|" + "---|" * len(GRID))
    for lsh in (False, True):
        for name, metric in (("P", 0), ("R", 1), ("F0.5", 2)):
            print(f"| {name} {'detector' if lsh else 'similarity'} | "
                  + " | ".join(f"{prf(bbc_pairs, t, lsh)[metric]:.3f}" for t in GRID) + " |")
    print(f"\n### at the default threshold {default:.2f}\n")
    print("| pairs | kind | n | detected | least (copies) / most (others) similar | recall / false-positive rate |"
          "\n|---|---|---|---|---|---|")
    for source in ("bbc", "examples"):
        chosen = [p for p in pairs if (p["topic"] == "examples") == (source == "examples")]
        for kind in dict.fromkeys(p["kind"] for p in chosen):
            group = [p for p in chosen if p["kind"] == kind]
            hits = sum(detected(p, default) for p in group)
            label = "recall" if group[0]["same"] else "false positives"
            extreme = (min if group[0]["same"] else max)(p["scores"][1] for p in group)
            print(f"| {source} | {kind} | {len(group)} | {hits} | {extreme:.3f} | "
                  f"{label} {hits / len(group):.3f} |")
    p, r, _ = prf(pairs, default)
    print(f"\nall pairs at {default:.2f}: precision {p:.4f}, recall {r:.4f}")


# 2. scale

_SENTENCE = re.compile(r"(?<=[.!?\"])\s+(?=[A-Z\"])")


def mutated(sentence: str, vocabulary: list[str], rng: random.Random) -> str:
    """The sentence with every third word replaced by a random one: two stories that drew the same sentence share no
    5-word shingle of it, as two different stories share none."""
    words = sentence.split()
    return " ".join(rng.choice(vocabulary) if i % 3 == 2 else w for i, w in enumerate(words))


def synthetic_stories(corpus: list[tuple[str, str, str]], n: int, rng: random.Random) -> list[str]:
    """`n` distinct stories as raw texts: the BBC articles first, then stories of 3-8 paragraphs of 1-4 sentences
    drawn from all BBC sentences, each mutated for its story (`mutated`)."""
    pool = [s for _, _, raw in corpus for p in split(raw)[1] for s in _SENTENCE.split(p) if len(s.split()) >= 6]
    vocabulary = sorted({w for s in pool for w in s.split()})
    stories = list(dict.fromkeys(raw for _, _, raw in corpus))[:n]  # the BBC set repeats two articles verbatim
    while len(stories) < n:
        body = [" ".join(mutated(s, vocabulary, rng) for s in rng.sample(pool, rng.randint(1, 4)))
                for _ in range(rng.randint(3, 8))]
        stories.append(join_story(f"Story {len(stories)}: " + " ".join(rng.sample(pool, 1)[0].split()[:8]), body))
    return stories


def join_story(title: str, body: list[str]) -> str:
    return title + "\n\n" + "\n\n".join(body) + "\n"


def write_corpus(path: Path, n: int) -> int:
    """`n` articles (JSONL, `truth` = story number) in random order; returns how many stories they hold."""
    rng = random.Random(2026)
    corpus = bbc()
    kinds = list(EDITS) + ["verbatim"]
    per_story = []
    while sum(per_story) < n:
        per_story.append(min(1 + min(int(rng.expovariate(0.8)), 5), n - sum(per_story)))
    stories = synthetic_stories(corpus, len(per_story), rng)
    rows = []
    for story, (raw, copies) in enumerate(zip(stories, per_story)):
        donor = stories[(story + 1) % len(stories)]
        for c in range(copies):
            kind = "original" if c == 0 else rng.choice(kinds)
            text = raw if kind in ("original", "verbatim") else edited(raw, kind, rng, donor)
            title, body = split(text)
            rows.append({"id": f"a{story}-{c}", "title": title, "url": f"https://outlet{c}.example/{story}",
                         "text": "\n\n".join(body), "truth": story, "kind": kind})
    rng.shuffle(rows)
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row) + "\n")
    return len(stories)


def pairwise(predicted: list[str], truth: list[int]) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering against the truth."""
    pairs = lambda counts: sum(c * (c - 1) // 2 for c in counts.values())  # noqa: E731
    both = pairs(Counter(zip(predicted, truth)))
    found, wanted = pairs(Counter(predicted)), pairs(Counter(truth))
    return (both / found if found else 1.0), (both / wanted if wanted else 1.0)


def contender(name: str, corpus: Path) -> dict:
    """Run in a process of its own: ingest the corpus and group it (stories, or exact text hash)."""
    from curation.ingest import ingest
    from curation.ingest.article import sha256
    from curation.models import Article

    truth = {}
    for line in corpus.open(encoding="utf-8"):
        row = json.loads(line)
        truth[row["id"]] = row["truth"]
    start, cpu = time.perf_counter(), time.process_time()
    predicted, actual = [], []
    if name == "stories":
        from curation.stories.assign import Stories
        from curation.workspace import StoryRules

        stories = Stories(StoryRules())
        articles = (item for item in ingest([corpus]) if isinstance(item, Article))
        for placed in stories.assign(articles, lambda problem: None):  # as the pipeline places them
            predicted.append(placed.story_id)
            actual.append(truth[placed.external_id])
    else:
        first: dict[str, str] = {}
        for item in ingest([corpus]):
            if isinstance(item, Article):
                predicted.append(first.setdefault(sha256(item.text), item.article_id))
                actual.append(truth[item.external_id])
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    precision, recall = pairwise(predicted, actual)
    return {"contender": name, "articles": len(predicted), "seconds": seconds, "cpu_seconds": cpu,
            "peak_rss_mb": peak_rss_mb(), "precision": precision, "recall": recall}


def tasks_contender(corpus: Path, detect: str) -> dict:
    """`curation tasks` itself (the command, in this process), with or without `--no-near-duplicates`: whatever the
    command does with stories (warnings, story ids, "also published as") is measured."""
    from curation.cli import app

    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "tasks.jsonl"
        args = ["tasks", str(corpus), "-o", str(output), "--format", "jsonl", "-w", tmp]
        start, cpu = time.perf_counter(), time.process_time()
        app(args + ([] if detect == "on" else ["--no-near-duplicates"]), standalone_mode=False)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        n = sum(1 for _ in output.open(encoding="utf-8"))
    return {"contender": f"`curation tasks`, detection {detect}", "articles": n, "seconds": seconds,
            "cpu_seconds": cpu, "peak_rss_mb": peak_rss_mb()}


def load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def scale(n: int, tasks_n: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        stories = write_corpus(corpus, n)
        print(f"\n## scale: {n} articles, {stories} stories (one core each contender); load average {load()}\n")
        print("| contender | articles | wall s | CPU s | articles/s | peak RSS MB | pairwise P | pairwise R |"
              "\n|---|---|---|---|---|---|---|---|")
        for name in ("exact-hash", "stories"):
            r = run_isolated("bench.stories", "--contender", name, str(corpus))
            print(f"| {r['contender']} | {r['articles']} | {r['seconds']:.1f} | {r['cpu_seconds']:.1f} | "
                  f"{r['articles'] / r['seconds']:.0f} | {r['peak_rss_mb']:.0f} | {r['precision']:.4f} | "
                  f"{r['recall']:.4f} |")
        small = Path(tmp) / "tasks.jsonl"
        with corpus.open(encoding="utf-8") as source, small.open("w", encoding="utf-8") as out:
            out.writelines(itertools.islice(source, tasks_n))
        pairs = [[run_isolated("bench.stories", "--tasks-contender", detect, str(small)) for detect in ("off", "on")]
                 for _ in range(repeat)]  # back to back, so a pair sees the same load
        print(f"\n## `curation tasks` on {tasks_n} of them, {repeat} pairs of runs\n\n| pair | contender | articles | "
              "wall s | CPU s | articles/s | peak RSS MB |\n|---|---|---|---|---|---|---|")
        for i, r in ((i, r) for i, pair in enumerate(pairs, 1) for r in pair):
            print(f"| {i} | {r['contender']} | {r['articles']} | {r['seconds']:.1f} | {r['cpu_seconds']:.1f} | "
                  f"{r['articles'] / r['seconds']:.0f} | {r['peak_rss_mb']:.0f} |")
        wall = sorted(off["seconds"] / on["seconds"] for off, on in pairs)
        cpu = sorted(off["cpu_seconds"] / on["cpu_seconds"] for off, on in pairs)
        print(f"\nthroughput with detection / without (target >= 0.8), median of {repeat} pairs: "
              f"{wall[len(wall) // 2]:.2f}x wall, {cpu[len(cpu) // 2]:.2f}x CPU (each pair: wall "
              + ", ".join(f"{x:.2f}" for x in wall) + "; CPU " + ", ".join(f"{x:.2f}" for x in cpu) + ")")
        print(f"\nload average at the end (1, 5, 15 min): {load()} (2 shared cores: CPU seconds vary with it)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="pairs of `curation tasks` runs (off, on)")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-threshold", action="store_true")
    parser.add_argument("--contender", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--tasks-contender", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.contender:
        print(json.dumps(contender(args.contender[0], Path(args.contender[1]))))
        return
    if args.tasks_contender:
        print(json.dumps(tasks_contender(Path(args.tasks_contender[1]), args.tasks_contender[0])))
        return
    from curation.workspace import StoryRules

    rules = StoryRules()
    if not args.skip_threshold:
        threshold_study(rules.shingle_size, rules.threshold)
    if not args.skip_scale:
        scale(args.n, args.tasks, args.repeat)


if __name__ == "__main__":
    main()
