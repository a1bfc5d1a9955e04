"""Agreement, disagreements and pre-annotation utility against a real Label Studio, with hand-worked figures.

Three annotators (U0 < U1 < U2 by user id) annotate two pre-annotated tasks:

  A  "Officials said the dam will probably fail next year."
     prediction: SOURCE Officials (s1), CLAIM "the dam will probably fail next year" (c1), HEDGE "will" (h0)
     U0: SOURCE s1 [official_body], CLAIM long c1 [check_worthy], HEDGE "probably" h1;
         SOURCE attributed_to CLAIM, HEDGE qualifies CLAIM; review accept; lead time 30
     U1: SOURCE s1 [official_body], CLAIM short "the dam will probably fail" c1 [check_worthy], HEDGE h1;
         SOURCE attributed_to CLAIM; review accept; lead time 40       <- final of A (latest accept)
     U2: SOURCE s1 [anonymous], CLAIM long c1 [not_check_worthy]; SOURCE attributed_to CLAIM; review reject;
         lead time 50
  B  "Prices rose 5% in May, the bank reported."
     prediction: CLAIM "Prices rose 5% in May" (c1), SOURCE "the bank" (s1)
     U0: CLAIM c1 [unsure], SOURCE s1 [organisation], attributed_to; review reject; lead time 20
     U1: CLAIM c1 [check_worthy], SOURCE s1 [organisation], attributed_to; review reject; ground truth; lead time 60
         <- final of B
     U2: skips B (cancelled), and an annotation of B marking everything HEDGE is deleted after a pull.
  D  "The mayor resigned." without a prediction: U0 only, lead time 100.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from PIL import Image
from typer.testing import CliRunner

from curation.cli import app
from curation.cli.shapes import SHAPES, mismatches
from curation.models import Article, Document, Relation, Span
from curation.quality.agreement import final_annotations
from curation.quality.annotations import load
from curation.server import connect
from curation.sync.project import ensure_project
from curation.sync.pull import pull
from curation.sync.push import push_tasks
from curation.team.roster import review_rule
from curation.tasks import document_result, to_task
from tests.test_sync import fresh_project

pytestmark = pytest.mark.labelstudio
runner = CliRunner()

TEXTS = {
    "A": "Officials said the dam will probably fail next year.",
    "B": "Prices rose 5% in May, the bank reported.",
    "D": "The mayor resigned.",
}
MODEL = "test-model-1"


def article(name: str) -> Article:
    return Article(article_id=f"quality-{name}", content_hash=f"hash-{name}", text=TEXTS[name], source_path=name)


def span(name: str, sid: str, label: str, phrase: str, **attributes: str) -> Span:
    start = TEXTS[name].index(phrase)
    return Span(id=sid, start=start, end=start + len(phrase), text=phrase, label=label, attributes=attributes)


def result(name: str, spans: list[Span], relations: list[tuple[str, str, str]] = (), review: str | None = None) -> list[dict]:
    """A Label Studio result list of the spans (no scores: people's annotations have none), relations and review."""
    doc = Document(article=article(name), spans=tuple(spans),
                   relations=tuple(Relation(from_id=f, to_id=t, type=k) for f, t, k in relations))
    items = [{k: v for k, v in item.items() if k != "score"} for item in document_result(doc)]
    if review:
        items.append({"id": "rev", "from_name": "review", "to_name": "text", "type": "choices",
                      "value": {"choices": [review]}})
    return items


LONG, SHORT = "the dam will probably fail next year", "the dam will probably fail"
PREDICTIONS = {
    "A": [span("A", "s1", "SOURCE", "Officials"), span("A", "c1", "CLAIM", LONG), span("A", "h0", "HEDGE", "will")],
    "B": [span("B", "c1", "CLAIM", "Prices rose 5% in May"), span("B", "s1", "SOURCE", "the bank")],
}
ANNOTATIONS = {  # (task, annotator index): (result, extra create arguments)
    ("A", 0): (result("A", [span("A", "s1", "SOURCE", "Officials", source_type="official_body"),
                            span("A", "c1", "CLAIM", LONG, check_worthiness="check_worthy"),
                            span("A", "h1", "HEDGE", "probably")],
                      [("s1", "c1", "attributed_to"), ("h1", "c1", "qualifies")], "accept"), {"lead_time": 30.0}),
    ("A", 1): (result("A", [span("A", "s1", "SOURCE", "Officials", source_type="official_body"),
                            span("A", "c1", "CLAIM", SHORT, check_worthiness="check_worthy"),
                            span("A", "h1", "HEDGE", "probably")],
                      [("s1", "c1", "attributed_to")], "accept"), {"lead_time": 40.0}),
    ("A", 2): (result("A", [span("A", "s1", "SOURCE", "Officials", source_type="anonymous"),
                            span("A", "c1", "CLAIM", LONG, check_worthiness="not_check_worthy")],
                      [("s1", "c1", "attributed_to")], "reject"), {"lead_time": 50.0}),
    ("B", 0): (result("B", [span("B", "c1", "CLAIM", "Prices rose 5% in May", check_worthiness="unsure"),
                            span("B", "s1", "SOURCE", "the bank", source_type="organisation")],
                      [("s1", "c1", "attributed_to")], "reject"), {"lead_time": 20.0}),
    ("B", 1): (result("B", [span("B", "c1", "CLAIM", "Prices rose 5% in May", check_worthiness="check_worthy"),
                            span("B", "s1", "SOURCE", "the bank", source_type="organisation")],
                      [("s1", "c1", "attributed_to")], "reject"), {"lead_time": 60.0, "ground_truth": True}),
    ("B", 2): ([], {"was_cancelled": True, "lead_time": 5.0}),
    ("D", 0): (result("D", [span("D", "c1", "CLAIM", "The mayor resigned")]), {"lead_time": 100.0}),
}


@pytest.fixture(scope="module")
def annotated(labelstudio):
    ws = fresh_project(labelstudio[0], "quality")
    client = connect(ws)
    project = ensure_project(client, ws, MODEL)
    docs = [Document(article=article(n), model_version=MODEL, spans=tuple(PREDICTIONS.get(n, ()))) for n in TEXTS]
    push_tasks(client, project.id, [to_task(doc, with_predictions=doc.spans != ()) for doc in docs])
    tasks = {t.data["article_id"].removeprefix("quality-"): t.id for t in client.tasks.list(project=project.id)}
    users = [client.users.create(username=f"quality-ann{i}", email=f"quality-ann{i}@example.com") for i in range(3)]
    for (name, who), (items, extra) in ANNOTATIONS.items():  # in order: U0 accepts A before U1 does
        client.annotations.create(id=tasks[name], result=items, completed_by=users[who].id, **extra)
    everything = [span("B", f"x{i}", "HEDGE", word) for i, word in enumerate(("Prices", "bank"))]
    gone = client.annotations.create(id=tasks["B"], result=result("B", everything), completed_by=users[2].id)
    pull(client, ws, project.id)
    client.annotations.delete(id=gone.id)
    assert pull(client, ws, project.id).events["deleted"] == 1
    return ws, project.id, tasks, [u.id for u in users]


def invoke(*args: str) -> dict | list:
    """The command's --json document, checked against its documented shape."""
    outcome = runner.invoke(app, list(args))
    assert outcome.exit_code == 0, outcome.output
    got = json.loads(outcome.stdout)
    assert not mismatches(got, SHAPES["evaluate --reviewed" if "--reviewed" in args else args[0]])
    return got


def shown(user_id: int) -> str:
    """How maintainers see a user who is not on the team roster (curation.team.roster.names)."""
    return f"user {user_id}"


def rows(frame: list[dict], **where) -> list[dict]:
    return [r for r in frame if all(r[k] == v for k, v in where.items())]


def test_agreement_figures_match_the_hand_calculation(annotated):
    ws, _, _, users = annotated
    got = invoke("agreement", "--json", "--workspace", str(ws.root))
    assert got["tasks"] == 2 and got["problems"] == []  # A (3 annotators) and B (U0, U1; U2 skipped, deleted)

    def f1(label: str, match: str) -> tuple:
        (r,) = rows(got["spans"], label=label, match=match)
        return r["tp"], r["fp"], r["fn"], pytest.approx(r["f1"])

    # pairs A(0,1) A(0,2) A(1,2) B(0,1); the lower id's spans count as predicted
    assert f1("SOURCE", "exact") == (4, 0, 0, 1.0)  # Officials x3 pairs, the bank
    assert f1("CLAIM", "exact") == (2, 2, 2, 0.5)  # long/short differ in A(0,1) and A(1,2)
    assert f1("CLAIM", "overlap") == (4, 0, 0, 1.0)
    assert f1("HEDGE", "exact") == (1, 2, 0, 0.5)  # A(0,1) agree; U2 has none: fp in A(0,2), A(1,2)
    pair = rows(got["pairs"], annotator_a=shown(users[1]), annotator_b=shown(users[2]), label="CLAIM", match="exact")[0]
    assert (pair["tp"], pair["fp"], pair["fn"]) == (0, 1, 1)

    # Krippendorff's alpha (nominal), coincidences over tokens; A has 10 tokens x 3 coders, B 11 x 2; n = 52.
    # A: Officials SSS, said OOO, the/dam/will/fail CCC, probably HHC (U2 has no hedge), next/year CCO/COC... i.e.
    #    U1's short claim leaves next, year O; "." OOO.   B: all tokens agree (6 C, 2 S, 3 O).
    # o_OO = 3+3+6 = 12, o_SS = 3+4 = 7, o_CC = 12+1+1+12 = 26, o_HH = 1, o_HC = o_CH = 1, o_CO = o_OC = 2
    # n_O = 14, n_S = 7, n_C = 29, n_H = 2;  D_o = 6/52;  D_e = (52^2 - (196+49+841+4)) / (52*51) = 1614/2652
    # alpha = 1 - (6/52)/(1614/2652) = 1 - 306/1614 = 0.810409
    alpha = {r["label"]: r["alpha"] for r in got["alpha"]}
    assert alpha["all"] == pytest.approx(1 - 306 / 1614)
    # HEDGE yes/no: only "probably" differs (yes, yes, no): D_o = 2/52, D_e = (2704 - (2^2 + 50^2))/2652 = 200/2652
    assert alpha["HEDGE"] == pytest.approx(1 - (2 / 52) / (200 / 2652))  # 0.49
    # CLAIM yes/no (nested hedge counts as claim): next, year differ; n_yes = 7+5+7+12 = 31, n_no = 21
    assert alpha["CLAIM"] == pytest.approx(1 - (4 / 52) / ((2704 - 31**2 - 21**2) / 2652))  # 0.843318
    assert alpha["SOURCE"] == 1.0
    assert rows(got["alpha"], label="all")[0]["tokens"] == 21

    kappa = {r["field"]: r for r in got["kappa"]}
    # check-worthiness on overlap-matched claims: (cw,cw) (cw,ncw) (cw,ncw) (unsure,cw): po = 1/4,
    # pe = (3*2 [cw] + 1*0 [unsure]) / 16 = 0.375, kappa = (0.25 - 0.375) / 0.625 = -0.2
    assert (kappa["check_worthiness"]["items"], kappa["check_worthiness"]["kappa"]) == (4, pytest.approx(-0.2))
    # source type: (ob,ob) (ob,anon) (ob,anon) (org,org): po = 0.5, pe = (3*1 + 1*1)/16 = 0.25, kappa = 1/3
    assert kappa["source_type"]["kappa"] == pytest.approx(1 / 3) and kappa["source_type"]["observed"] == 0.5
    # review: A (acc,acc) (acc,rej) (acc,rej), B (rej,rej): po = 0.5, pe = (3*1 + 1*3)/16 = 0.375, kappa = 0.2
    assert (kappa["review"]["items"], kappa["review"]["kappa"]) == (4, pytest.approx(0.2))
    assert (kappa["claim_type"]["items"], kappa["claim_type"]["kappa"]) == (0, None)

    relations = {r["type"]: r for r in got["relations"]}
    # attributed_to: A(0,1) ends differ (long vs short claim), A(0,2) agree, A(1,2) differ, B(0,1) agree
    assert (relations["attributed_to"]["tp"], relations["attributed_to"]["fp"], relations["attributed_to"]["fn"]) == (2, 2, 2)
    assert (relations["qualifies"]["tp"], relations["qualifies"]["fp"], relations["qualifies"]["f1"]) == (0, 2, 0.0)

    # against the finals (U1 on A and B): U0 differs only by the long claim on A; U2 on A misses the hedge
    final = got["versus_final"]
    u0_claim = rows(final, annotator=shown(users[0]), label="CLAIM", match="exact")[0]
    assert (u0_claim["tasks"], u0_claim["tp"], u0_claim["fp"], u0_claim["fn"], u0_claim["f1"]) == (2, 1, 1, 1, 0.5)
    assert rows(final, annotator=shown(users[0]), label="CLAIM", match="overlap")[0]["f1"] == 1.0
    u2_hedge = rows(final, annotator=shown(users[2]), label="HEDGE", match="exact")[0]
    assert (u2_hedge["tasks"], u2_hedge["tp"], u2_hedge["fn"], u2_hedge["f1"]) == (1, 0, 1, 0.0)
    assert rows(final, annotator=shown(users[1])) == []  # the final annotations are not compared with themselves


def test_disagreements_list_the_most_disputed_task_first_with_its_regions_and_a_link(annotated):
    ws, project_id, tasks, users = annotated
    got = invoke("disagreements", "--json", "--workspace", str(ws.root))
    assert [d["task_id"] for d in got] == [tasks["A"], tasks["B"]]
    a, b = got
    # A: exact-span F1 U0/U1 = 2*2/6, U0/U2 = 2*2/5, U1/U2 = 2*1/5; mean = (2/3 + 0.8 + 0.4) / 3
    assert a["agreement"] == pytest.approx((2 / 3 + 0.8 + 0.4) / 3)
    assert a["link"] == f"{ws.config().label_studio_url or 'http://127.0.0.1:' + str(ws.config().port)}/projects/{project_id}/data?task={tasks['A']}"
    disputed = {(r["label"], r["text"]): (r["marked_by"], r["not_marked_by"]) for r in a["regions"]}
    u0, u1, u2 = map(shown, users)
    assert disputed == {("CLAIM", LONG): ([u0, u2], [u1]), ("CLAIM", SHORT): ([u1], [u0, u2]),
                        ("HEDGE", "probably"): ([u0, u1], [u2])}
    assert sorted(c["field"] for c in a["choices"]) == ["check_worthiness", "review", "source_type"]
    # B: identical spans (agreement 1), one choice in dispute
    assert b["agreement"] == 1.0 and b["regions"] == []
    assert b["choices"] == [{"field": "check_worthiness", "region": "CLAIM 0-21",
                             "values": {u0: "unsure", u1: "check_worthy"}}]
    assert len(invoke("disagreements", "--json", "--limit", "1", "--workspace", str(ws.root))) == 1


def test_evaluate_reviewed_scores_predictions_edits_and_lead_time(annotated):
    ws, *_ = annotated
    got = invoke("evaluate", "--reviewed", "--json", "--workspace", str(ws.root))
    assert got["tasks"] == 2 and got["model_versions"] == [MODEL]

    def score(label: str, match: str) -> tuple:
        (r,) = rows(got["spans"], label=label, match=match)
        return r["tp"], r["fp"], r["fn"]

    # prediction vs the finals (U1): A: source agrees, long vs short claim, "will" vs "probably"; B: all agree
    assert score("SOURCE", "exact") == (2, 0, 0)
    assert score("CLAIM", "exact") == (1, 1, 1) and score("CLAIM", "overlap") == (2, 0, 0)
    assert score("HEDGE", "overlap") == (0, 1, 1)
    # region ids against the prediction's, over submitted annotations of predicted tasks (not U2's skip); the
    # predictions carry no attributes, so a region given one is edited:
    # A: U0 edited s1 c1 (attributes), deleted h0, added h1; U1 edited s1, c1 (shorter too), deleted h0, added h1;
    #    U2 edited s1 c1, deleted h0.  B: U0 and U1 edited c1 s1 (attributes)
    assert got["regions"] == {"kept": 0, "edited": 10, "deleted": 3, "added": 2}
    lead = {r["predicted"]: r for r in got["lead_time"]}
    assert (lead[True]["annotations"], lead[True]["mean"]) == (5, 40.0)  # 30, 40, 50, 20, 60 (the skip is not counted)
    assert (lead[False]["annotations"], lead[False]["mean"]) == (1, 100.0)


def test_report_renders_its_plots_and_tables_in_a_headless_browser(annotated, chromium, tmp_path):
    ws, project_id, tasks, _ = annotated
    out = tmp_path / "report"
    outcome = runner.invoke(app, ["report", "-o", str(out), "--workspace", str(ws.root)])
    assert outcome.exit_code == 0, outcome.output
    page = (out / "index.html").read_text()
    assert "<script src" not in page and "<link" not in page and "http" not in page.split("<h2>Most disputed")[0]
    plots = sorted(p.name for p in out.glob("*.png"))
    assert plots == ["agreement.png", "annotators.png", "labels.png", "preannotation.png", "progress.png"]
    browser = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000"]
    dom = subprocess.run([*browser, "--dump-dom", (out / "index.html").as_uri()], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert 'data-images="5/5"' in dom  # every inlined PNG decoded with a width
    for table_id in ("span-agreement", "alpha", "kappa", "relations", "annotators-table", "utility-spans", "lead-time", "disputes"):
        assert f'<table id="{table_id}">' in dom
    assert f"/projects/{project_id}/data?task={tasks['A']}" in dom.split('id="disputes"')[1]
    shot = tmp_path / "screenshot.png"
    subprocess.run([*browser, f"--screenshot={shot}", "--window-size=1280,5000", (out / "index.html").as_uri()],
                   capture_output=True, timeout=120, check=True)
    with Image.open(shot) as picture:
        assert picture.size == (1280, 5000) and len(picture.getcolors(1 << 24)) > 50  # plots, not a blank page
    print(f"report screenshot: {shot}")


def test_adjudication_round_trip_makes_the_reviewers_accepted_pick_final(annotated, labelstudio):
    """Last in the module: the reviewer's annotation adds a fourth annotator to task A."""
    ws, project_id, tasks, users = annotated
    first = runner.invoke(app, ["adjudicate", "--workspace", str(ws.root)])
    assert first.exit_code == 0, first.output
    assert f"task {tasks['A']}: 3 predictions added" in first.output and f"task {tasks['B']}: 2 predictions added" in first.output
    again = invoke("adjudicate", "--workspace", str(ws.root), "--json")
    assert {t["task_id"]: t["predictions_added"] for t in again}[tasks["A"]] == 0  # idempotent
    client = connect(ws)
    competing = {p.model_version: p.result for p in client.predictions.list(task=tasks["A"]) if p.model_version != MODEL}
    assert set(competing) == {f"annotator:{shown(u)}" for u in users}  # by name: not on the roster, "user N"

    def spans(items: list[dict]) -> set:
        return {(r["value"]["labels"][0], r["value"]["start"], r["value"]["end"]) for r in items if r.get("from_name") == "label"}

    u2 = spans(ANNOTATIONS[("A", 2)][0])
    (picked,) = [r for r in competing.values() if spans(r) == u2]  # the reviewer picks U2's version
    reviewer = client.annotations.create(id=tasks["A"], result=picked + result("A", [], review="accept"))
    pull(client, ws, project_id)
    finals = final_annotations(load(ws), review_rule(ws))
    assert finals[tasks["A"]].annotation_id == reviewer.id
    assert {(s.label, s.start, s.end) for s in finals[tasks["A"]].doc.spans} == u2
