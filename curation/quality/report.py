"""`curation report`: one offline HTML page (plots inlined as PNG, also written beside it) for maintainers.

Which labels are reliable (agreement per label), who needs more training
(per-annotator throughput and agreement with the final annotations), whether the
pre-annotator helps (predictions against finals, regions kept or changed, lead
time), and the most disputed items with links into Label Studio. No script or
style is loaded from anywhere: the page opens offline.
"""

from __future__ import annotations

import base64
import html
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import polars as pl

from curation.atomic import write_text_atomic
from curation.evaluation.scores import PRF
from curation.quality import plots
from curation.quality.agreement import Agreement, agreement, final_annotations, named
from curation.quality.annotations import Pulled
from curation.quality.disputes import TaskDispute, disputes
from curation.quality.utility import Utility, utility
from curation.schema import SCHEMA
from curation.sync.review import ReviewRule

STYLE = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:60em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.2em .6em}
td.n{text-align:right}th{background:#f3f3f3}img{max-width:100%}h2{margin-top:1.5em}"""
# Lets a headless browser (and so a test) see that every plot decoded: body[data-images="loaded/total"].
MARKER = """window.addEventListener('load',function(){var i=document.images,n=0;
for(var k=0;k<i.length;k++){if(i[k].complete&&i[k].naturalWidth>0){n++}}
document.body.setAttribute('data-images',n+'/'+i.length)});"""


def cell(value: object) -> str:
    if value is None:
        return '<td class="n">—</td>'
    if isinstance(value, float):
        return f'<td class="n">{value:.3f}</td>'
    return f'<td class="n">{value}</td>' if isinstance(value, int) else f"<td>{html.escape(str(value))}</td>"


def table(frame: pl.DataFrame, table_id: str) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in frame.iter_rows())
    return f'<table id="{table_id}"><tr>{head}</tr>{body}</table>'


def image(out: Path, name: str, data: bytes, alt: str) -> str:
    """Write the PNG beside the page and inline it, so the page needs nothing else."""
    (out / f"{name}.png").write_bytes(data)
    return f'<img id="{name}" alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'


def progress_plot(pulled: Pulled) -> bytes:
    per_day = (pulled.live.with_columns(pl.col("created_at").str.slice(0, 10).alias("day"))
               .group_by("day").agg((~pl.col("was_cancelled")).sum().alias("submitted"),
                                    pl.col("was_cancelled").sum().alias("skipped")).sort("day"))
    return plots.progress(per_day["day"].to_list(), {name: per_day[name].cum_sum().to_list() for name in ("submitted", "skipped")})


def label_plot(pulled: Pulled, rule: ReviewRule) -> bytes:
    everyone = Counter(s.label for a in pulled.annotations.values() for s in a.doc.spans)
    finals = Counter(s.label for a in final_annotations(pulled, rule).values() for s in a.doc.spans)
    labels = SCHEMA.span_labels
    return plots.grouped(labels, {"all submitted": [everyone[x] for x in labels], "final": [finals[x] for x in labels]}, "spans")


def agreement_plot(result: Agreement) -> bytes:
    labels = SCHEMA.span_labels
    f1 = {(r["label"], r["match"]): r["f1"] for r in result.spans.iter_rows(named=True)}
    alpha = dict(result.alpha.select("label", "alpha").iter_rows())
    series = {"F1 exact": [f1.get((x, "exact")) for x in labels], "F1 overlap": [f1.get((x, "overlap")) for x in labels],
              "alpha (tokens)": [alpha.get(x) for x in labels]}
    return plots.grouped(labels, series, "agreement", ylim=(min(0.0, *(v for s in series.values() for v in s if v is not None)), 1))


def annotator_table(pulled: Pulled, result: Agreement) -> pl.DataFrame:
    """Per annotator: annotations submitted and skipped, and exact-span P/R/F1 (all labels) against the finals."""
    counts = pulled.live.group_by("author").agg((~pl.col("was_cancelled")).sum().alias("submitted"),
                                                      pl.col("was_cancelled").sum().alias("skipped"))
    exact = result.versus_final.filter(pl.col("match") == "exact")
    totals = {who: PRF(*sums) for who, *sums in
              exact.group_by("annotator").agg(pl.col("tp", "fp", "fn").sum()).select("annotator", "tp", "fp", "fn").iter_rows()}
    tasks = dict(exact.group_by("annotator").agg(pl.col("tasks").max()).iter_rows())
    rows = [{"annotator": who, "submitted": submitted, "skipped": skipped, "tasks_vs_final": tasks.get(who, 0),
             "f1_vs_final": totals[who].f1 if who in totals else None}
            for who, submitted, skipped in counts.sort("author").iter_rows()]
    return pl.DataFrame(rows, schema={"annotator": pl.Int64, "submitted": pl.UInt32, "skipped": pl.UInt32,
                                      "tasks_vs_final": pl.Int64, "f1_vs_final": pl.Float64})


def dispute_table(found: list[TaskDispute], url: str, project_id: int | None) -> str:
    """Most disputed tasks: how many annotators marked each disputed region, not who (the names are a click away)."""
    rows = []
    for d in found:
        link = html.escape(d.link(url, project_id)) if project_id is not None else ""
        what = "; ".join([f"{r.label} “{r.text}” {len(r.marked_by)}/{len(d.annotators)}" for r in d.regions]
                         + [f"{c.field} {c.region}".strip() for c in d.choices])
        rows.append(f'<tr><td class="n"><a href="{link}">{d.task_id}</a></td>{cell(d.agreement)}{cell(len(d.annotators))}'
                    f"{cell(d.disputed)}<td>{html.escape(what)}</td></tr>")
    head = "<tr><th>task</th><th>span F1 (mean of pairs)</th><th>annotators</th><th>disputed</th><th>what</th></tr>"
    return f'<table id="disputes">{head}{"".join(rows)}</table>'


def utility_section(out: Path, result: Utility) -> str:
    names = ("kept", "edited", "deleted", "added")
    plot = plots.grouped(names, {"regions": [result.regions[n] for n in names]}, "regions")
    return (f"<p>{html.escape(', '.join(result.model_versions) or 'no predictions')} on {result.tasks} reviewed tasks.</p>"
            + table(result.spans, "utility-spans")
            + image(out, "preannotation", plot, "predicted regions kept, edited, deleted and regions added")
            + "<h3>Lead time (seconds) with and without predictions</h3>" + table(result.lead_time, "lead-time"))


def story_count(tasks: pl.DataFrame) -> int:
    """Distinct stories among pulled task copies (a task from before stories is a story of its own)."""
    if tasks.height == 0:
        return 0
    story = pl.col("data").str.json_path_match("$.story_id")
    return tasks.select(pl.coalesce(story, pl.col("article_id")).n_unique()).item()


def write_report(pulled: Pulled, rule: ReviewRule, out: Path, *, url: str, project_id: int | None,
                 limit: int = 10, name: Callable[[int | None], str] = str) -> Path:
    """Write out/index.html and its PNGs, annotators shown as `name(user id)`; returns the page's path."""
    out.mkdir(parents=True, exist_ok=True)
    agreed = agreement(pulled, rule)
    people = named(annotator_table(pulled, agreed), name)
    found = disputes(pulled.multi_annotated())[:limit]
    parts = [
        "<h1>Annotation quality</h1>",
        f"<p>{pulled.live.height} annotations pulled ({len(pulled.annotations)} submitted and readable), "
        f"{agreed.tasks} tasks with two or more annotators; {pulled.tasks.height} annotated tasks of "
        f"{story_count(pulled.tasks)} stories (syndicated copies and revisions share a story).</p>",
        *(f"<p>warning: {html.escape(p)}</p>" for p in pulled.problems),
        "<h2>Progress</h2>", image(out, "progress", progress_plot(pulled), "annotations over time"),
        "<h2>Labels</h2>", image(out, "labels", label_plot(pulled, rule), "spans per label"),
        "<h2>Agreement per label</h2>", image(out, "agreement", agreement_plot(agreed), "agreement per label"),
        table(agreed.spans, "span-agreement"), table(agreed.alpha, "alpha"),
        "<h3>Attributes and review decision (Cohen's kappa)</h3>", table(agreed.kappa, "kappa"),
        "<h3>Relations</h3>", table(agreed.relations, "relations"),
        "<h2>Annotators</h2>",
        image(out, "annotators", plots.annotators([str(w) for w in people["annotator"]], people["submitted"].to_list(),
                                                  people["f1_vs_final"].to_list()), "throughput and agreement per annotator"),
        table(people, "annotators-table"),
        "<h2>Pre-annotation</h2>", utility_section(out, utility(pulled, rule)),
        "<h2>Most disputed items</h2>", dispute_table(found, url, project_id),
    ]
    page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Annotation quality</title>'
            f"<style>{STYLE}</style><script>{MARKER}</script></head><body>{''.join(parts)}</body></html>")
    path = out / "index.html"
    write_text_atomic(path, page)
    return path
