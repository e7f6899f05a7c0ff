"""`annotate` never loses or duplicates a document (issue 11, items 1-3): shards
renamed into place, a ledger of finished units, rejects written with their unit,
and a resume after kill -9, or a crash at any step of finishing a unit, that gives
the bytes of an uninterrupted run."""

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import spacy
from typer.testing import CliRunner

from spacy_biolm.annotate import run
from spacy_biolm.annotate.run import annotate
from spacy_biolm.annotations import SPANS_KEY
from spacy_biolm.cli import app

from ..conftest import REPO_ROOT
from .conftest import RAISE_MARKER, make_texts, write_collection, write_jsonl

N_UNITS = 7  # six clean units and one with bad records
DOCS_PER_UNIT = 12
BATCH_SIZE = 4  # the raising doc shares its batch with good ones
BAD_UNIT = N_UNITS - 1
# The bad unit, line by line: (record or raw line, expected reject or None).
BAD_LINES: List[Tuple[object, object]] = [
    ({"id": "6-0", "text": make_texts(1, seed=60)[0]}, None),
    ({"id": "6-1"}, (1, 2, "6-1", "BIOLM-E1227")),  # no text
    ({"id": "6-2", "text": f"Patients given {RAISE_MARKER} ."}, (2, 3, "6-2", "BIOLM-E1245")),
    ("this is not JSON", (3, 4, None, "BIOLM-E1226")),
    ({"id": "6-4", "text": make_texts(1, seed=64)[0]}, None),
]


class Crash(BaseException):
    """Stands for kill -9: nothing in the code under test catches it."""


@pytest.fixture(scope="module")
def collection(tmp_path_factory) -> Path:
    folder = write_collection(
        tmp_path_factory.mktemp("collection"), units=N_UNITS - 1, docs=DOCS_PER_UNIT
    )
    lines = [json.dumps(item) if isinstance(item, dict) else item for item, _ in BAD_LINES]
    (folder / f"part{BAD_UNIT:02d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf8")
    return folder


def run_annotate(pipeline: Path, inputs: List[Path], output: Path, **options) -> run.Summary:
    options = {"output_format": "jsonl", "batch_size": BATCH_SIZE, "progress": False, **options}
    return annotate(str(pipeline), [str(path) for path in inputs], output, **options)


@pytest.fixture(scope="module")
def reference(raising_pipeline_dir: Path, collection: Path, tmp_path_factory) -> Path:
    """An uninterrupted run."""
    output = tmp_path_factory.mktemp("reference") / "out"
    run_annotate(raising_pipeline_dir, [collection], output)
    return output


def shards(output: Path) -> Dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((output / "shards").iterdir())}


def ledger(output: Path) -> List[dict]:
    return [json.loads(line) for line in (output / "ledger.jsonl").read_text().splitlines()]


def assert_same_output(output: Path, reference: Path) -> None:
    """Byte for byte the same shards and rejects; one ledger line per unit."""
    assert shards(output) == shards(reference)
    assert (output / "rejects.jsonl").read_bytes() == (reference / "rejects.jsonl").read_bytes()
    keys = [entry["key"] for entry in ledger(output)]
    assert len(keys) == len(set(keys)) == N_UNITS
    assert {e["key"]: e["md5"] for e in ledger(output)} == {
        e["key"]: e["md5"] for e in ledger(reference)
    }


def test_shards_hold_the_pipelines_annotations_in_input_order(
    reference: Path, raising_pipeline_dir: Path, pipeline_dir: Path, collection: Path
):
    names = [f"{index:06d}.jsonl" for index in range(N_UNITS)]
    assert list(shards(reference)) == names
    nlp = spacy.load(pipeline_dir)
    for index, name in enumerate(names):
        source = (collection / f"part{index:02d}.jsonl").read_text().splitlines()
        expected = []
        for line in source:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if "text" in record and RAISE_MARKER not in record["text"]:
                doc = nlp(record["text"])
                spans = [(s.label_, s.start_char, s.end_char) for s in doc.spans[SPANS_KEY]]
                expected.append((record["id"], sorted(spans)))
        written = [
            json.loads(line) for line in (reference / "shards" / name).read_text().splitlines()
        ]
        found = [
            (obj["id"], sorted((s["label"], s["start"], s["end"]) for s in obj["spans"]))
            for obj in written
        ]
        assert found == expected
        assert any(spans for _, spans in found)  # threshold 0: the test sees spans


def test_rejects_name_file_position_line_id_and_reason(reference: Path, collection: Path):
    rejects = [json.loads(line) for line in (reference / "rejects.jsonl").read_text().splitlines()]
    expected = [reject for _, reject in BAD_LINES if reject is not None]
    assert [(r["position"], r["line"], r["id"], r["code"]) for r in rejects] == expected
    bad_file = str((collection / f"part{BAD_UNIT:02d}.jsonl").resolve())
    assert {r["file"] for r in rejects} == {bad_file}
    assert "ValueError: cannot process a doc with" in rejects[1]["reason"]
    summary = json.loads((reference / "summary.json").read_text())
    assert summary["rejects"] == {"BIOLM-E1226": 1, "BIOLM-E1227": 1, "BIOLM-E1245": 1}
    assert summary["docs"] == summary["total_docs"] == (N_UNITS - 1) * DOCS_PER_UNIT + 2
    assert summary["units_done"] == N_UNITS and summary["units_skipped"] == 0
    assert ledger(reference)[BAD_UNIT]["rejects"] == 3


def test_kill_9_in_the_middle_then_resume_gives_the_same_bytes(
    reference: Path, raising_pipeline_dir: Path, collection: Path, tmp_path: Path
):
    output = tmp_path / "out"
    # The raising component must be registered in the child too.
    command = [
        sys.executable,
        "-c",
        "import tests.annotate.conftest; from spacy_biolm.cli import app; app()",
        "annotate",
        str(raising_pipeline_dir),
        str(collection),
        str(output),
        "--format",
        "jsonl",
        "--batch-size",
        str(BATCH_SIZE),
        "--no-progress",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    child = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    first_shard = output / "shards" / "000000.jsonl"
    deadline = time.monotonic() + 300
    while not first_shard.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    child.send_signal(signal.SIGKILL)
    _, stderr = child.communicate()
    assert child.returncode == -signal.SIGKILL, stderr.decode()
    finished = len(ledger(output)) if (output / "ledger.jsonl").exists() else 0
    assert finished < N_UNITS  # killed in the middle, not after the end
    summary = run_annotate(raising_pipeline_dir, [collection], output)
    assert summary.units_skipped == finished and summary.units_done == N_UNITS - finished
    assert_same_output(output, reference)
    assert not list((output / "shards").glob("*.tmp"))


def _crash_on_rename(monkeypatch):
    real = os.replace

    def replace(src, dst):
        if Path(dst).name.startswith(f"{BAD_UNIT:06d}."):
            raise Crash
        real(src, dst)

    monkeypatch.setattr(run.os, "replace", replace)


def _crash_on_append(monkeypatch, file_name: str, *, keep: float):
    """Crash while appending the bad unit's lines to file_name, after writing the
    first `keep` share of them."""
    real = run._append_synced

    def append(path, lines):
        lines = list(lines)
        text = "".join(lines)
        if path.name == file_name and ("6-1" in text or "part06" in text):
            with path.open("a", encoding="utf8") as file:
                file.write(text[: int(len(text) * keep)])
            raise Crash
        return real(path, lines)

    monkeypatch.setattr(run, "_append_synced", append)


@pytest.mark.parametrize(
    "crash",
    ["before the rename", "after the rename", "after the rejects", "in the ledger line"],
)
def test_a_crash_at_any_step_of_finishing_a_unit_resumes_exactly(
    crash: str, reference: Path, raising_pipeline_dir: Path, collection: Path, tmp_path, monkeypatch
):
    output = tmp_path / "out"
    with monkeypatch.context() as patch:
        if crash == "before the rename":
            _crash_on_rename(patch)
        elif crash == "after the rename":
            _crash_on_append(patch, "rejects.jsonl", keep=0.5)
        elif crash == "after the rejects":
            _crash_on_append(patch, "ledger.jsonl", keep=0.0)
        else:
            _crash_on_append(patch, "ledger.jsonl", keep=0.5)
        with pytest.raises(Crash):
            run_annotate(raising_pipeline_dir, [collection], output)
    if crash != "in the ledger line":
        assert len(ledger(output)) == BAD_UNIT
    summary = run_annotate(raising_pipeline_dir, [collection], output)
    assert (summary.units_skipped, summary.units_done) == (BAD_UNIT, 1)
    assert_same_output(output, reference)
    assert not list((output / "shards").glob("*.tmp"))


def test_n_process_2_gives_the_same_bytes(
    reference: Path, raising_pipeline_dir: Path, collection: Path, tmp_path: Path
):
    """spaCy's processes keep the order, and a doc that raises in a child is found and
    rejected as in one process."""
    run_annotate(raising_pipeline_dir, [collection], tmp_path / "out", n_process=2)
    assert_same_output(tmp_path / "out", reference)


def test_resume_with_other_settings_is_refused(reference: Path, collection: Path, tmp_path):
    output = tmp_path / "out"
    shutil.copytree(reference, output)
    run_json = json.loads((output / "run.json").read_text())
    result = CliRunner().invoke(
        app,
        ["annotate", run_json["model"], str(collection), str(output), "--format", "pubtator"],
    )
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "BIOLM-E1240" in text and "output_format 'jsonl' then, 'pubtator' now" in text
    assert shards(output) == shards(reference)


def test_an_unreadable_unit_is_not_finished_and_a_rerun_after_the_fix_completes_it(
    pipeline_dir: Path, tmp_path: Path
):
    folder = tmp_path / "in"
    records = [{"id": f"d{i}", "text": text} for i, text in enumerate(make_texts(3, seed=7))]
    write_jsonl(folder / "a.jsonl", records[:1])
    complete = gzip.compress("".join(json.dumps(r) + "\n" for r in records[1:]).encode())
    broken = folder / "b.jsonl.gz"
    broken.write_bytes(complete[: len(complete) // 2])  # a download cut short
    output = tmp_path / "out"
    summary = run_annotate(pipeline_dir, [folder], output)
    assert [failed["key"] for failed in summary.failed] == [str(broken)]
    assert [entry["shard"] for entry in ledger(output)] == ["000000.jsonl"]
    assert list(shards(output)) == ["000000.jsonl"]
    # The command says so and exits 1.
    result = CliRunner().invoke(app, ["annotate", str(pipeline_dir), str(folder), str(output)])
    assert result.exit_code == 1 and "BIOLM-E1242" in result.output
    broken.write_bytes(complete)
    summary = run_annotate(pipeline_dir, [folder], output)
    assert (summary.units_skipped, summary.units_done, summary.failed) == (1, 1, [])
    written = [json.loads(line)["id"] for line in (output / "shards" / "000001.jsonl").open()]
    assert written == ["d1", "d2"]


PUBMED_XML = """<?xml version="1.0" encoding="utf-8"?>
<PubmedArticleSet>
<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">11</PMID>
<Article PubModel="Print"><ArticleTitle>Aspirin induced hepatitis.</ArticleTitle>
<Abstract><AbstractText>Mice were given aspirin.</AbstractText></Abstract></Article>
</MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">
<Article PubModel="Print"><ArticleTitle>No PMID here.</ArticleTitle></Article>
</MedlineCitation></PubmedArticle>
<DeleteCitation><PMID Version="1">9001</PMID><PMID Version="1">9002</PMID></DeleteCitation>
</PubmedArticleSet>
"""


def test_pubmed_to_pubtator_from_the_command_line(pipeline_dir: Path, tmp_path: Path):
    source = tmp_path / "pubmed25n0001.xml.gz"
    source.write_bytes(gzip.compress(PUBMED_XML.encode()))
    output = tmp_path / "out"
    args = ["annotate", str(pipeline_dir), str(source), str(output), "--format", "pubtator"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = (output / "shards" / "000000.pubtator").read_text().splitlines()
    assert lines[:2] == ["11|t|Aspirin induced hepatitis.", "11|a|Mice were given aspirin."]
    summary = json.loads((output / "summary.json").read_text())
    assert (summary["docs"], summary["deleted"], sum(summary["rejects"].values())) == (1, 2, 1)
    # The same command again finds everything done.
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0 and "0 annotated, 1 already done" in result.output


def test_a_model_that_cannot_load_stops_the_run_and_binds_nothing(
    pipeline_dir: Path, tmp_path: Path
):
    folder = write_collection(tmp_path / "in", units=1, docs=2)
    output = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["annotate", str(tmp_path / "no-model"), str(folder), str(output)]
    )
    assert result.exit_code == 1 and "BIOLM-E1241" in result.output
    assert not (output / "run.json").exists()
    # The right model then runs into the same folder.
    summary = run_annotate(pipeline_dir, [folder], output)
    assert (summary.units_done, summary.docs) == (1, 2)
