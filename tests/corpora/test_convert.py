"""The convert and convert-file commands on tiny folders laid out like the releases."""

import re
import shutil

import pytest
import spacy
import srsly
from spacy.tokens import DocBin
from typer.testing import CliRunner

from spacy_biolm.annotations import SPANS_KEY, get_annotated_labels
from spacy_biolm.cli import app
from spacy_biolm.corpora.catalog import jnlpba_dev_documents

from .conftest import write
from .fake_corpora import write_fake_corpora
from .test_bioc import BIOC
from .test_brat import ANN, TEXT
from .test_pubtator import PUBTATOR

# PubTator with only BC5CDR's types, and the fixture's Gene line as a bad record
BC5CDR = PUBTATOR.replace("1\t42\t46\tIL-2\tGene\t3558\n", "")
BC5CDR_SETS = ("Training", "Development", "Test")

runner = CliRunner()


def run(*args):
    result = runner.invoke(app, [str(arg) for arg in args])
    # Errors end in a message and exit 1, never in a traceback
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def read_docs(path):
    return list(DocBin().from_disk(path).get_docs(spacy.blank("en").vocab))


def renumber(text: str) -> str:
    """The fixture's documents under other ids ("1" -> "91"), so that the test
    split's documents are not those of train and dev (which would leave them out)."""
    text = re.sub(r"^(\d+)(?=[|\t])", r"9\1", text, flags=re.MULTILINE)
    return re.sub(r"<id>(\d+)</id>", r"<id>9\1</id>", text)


@pytest.fixture
def bc5cdr_dir(tmp_path):
    """BC5CDR in a folder beside (tiny) test splits of every other corpus, as
    `convert` reads them to leave their documents out of train and dev."""
    write_fake_corpora(tmp_path)
    folder = tmp_path / "bc5cdr"
    for name in BC5CDR_SETS:
        test = name == "Test"
        write(folder, f"CDR_{name}Set.PubTator.txt", renumber(BC5CDR) if test else BC5CDR)
        write(folder, f"CDR_{name}Set.BioC.xml", renumber(BIOC) if test else BIOC)
    return folder


def test_convert_bc5cdr(bc5cdr_dir, tmp_path):
    out = tmp_path / "corpus"
    result = run("convert", "bc5cdr", bc5cdr_dir, out)
    assert result.exit_code == 0, result.output
    assert "Converted bc5cdr" in result.output
    report = srsly.read_json(out / "report.json")
    assert report["corpus"] == "bc5cdr" and report["format"] == "pubtator"
    assert set(report["splits"]) == {"train", "dev", "test"}
    test = report["splits"]["test"]
    assert test["docs"] == 2
    assert test["source_mentions"] == {"Chemical": 3, "Disease": 4}
    assert test["converted"] == {"Chemical": 3, "Disease": 4}
    assert test["strict"] + test["recovered"] == 7
    assert (out / "misaligned.txt").read_text(encoding="utf8").startswith("# ")
    assert report["splits"]["train"]["held_out_test_docs"] == 0
    docs = read_docs(out / "dev.spacy")
    assert len(docs) == 2
    assert len(docs[0].spans[SPANS_KEY]) == 5
    assert get_annotated_labels(docs[0]) == ["Chemical", "Disease"]
    assert docs[0]._.biolm_source == "bc5cdr"


def test_convert_bc5cdr_from_bioc(bc5cdr_dir, tmp_path):
    result = run("convert", "bc5cdr", bc5cdr_dir, tmp_path / "out", "--format", "bioc")
    assert result.exit_code == 0, result.output
    report = srsly.read_json(tmp_path / "out" / "report.json")
    assert report["format"] == "bioc"
    assert report["splits"]["train"]["converted"] == {"Chemical": 3, "Disease": 2}
    assert report["splits"]["train"]["dropped"] == {
        "discontinuous mention (not representable as one span)": 1
    }


def test_convert_max_docs(bc5cdr_dir, tmp_path):
    result = run("convert", "bc5cdr", bc5cdr_dir, tmp_path / "out", "--max-docs", 1)
    assert result.exit_code == 0, result.output
    assert len(read_docs(tmp_path / "out" / "train.spacy")) == 1


def test_convert_bad_record_fails_with_location_unless_skipped(bc5cdr_dir, tmp_path):
    write(bc5cdr_dir, "CDR_TestSet.PubTator.txt", PUBTATOR)  # has a Gene mention
    result = run("convert", "bc5cdr", bc5cdr_dir, tmp_path / "out")
    assert result.exit_code == 1
    assert "E1065" in result.output and "CDR_TestSet.PubTator.txt:5" in result.output
    result = run("convert", "bc5cdr", bc5cdr_dir, tmp_path / "out", "--skip-invalid")
    assert result.exit_code == 0, result.output
    report = srsly.read_json(tmp_path / "out" / "report.json")
    assert report["splits"]["test"]["skipped_invalid"] == {"BIOLM-E1065": 1}
    assert report["splits"]["test"]["invalid_mentions"] == 1
    assert "CDR_TestSet.PubTator.txt:5" in report["splits"]["test"]["invalid_examples"][0]


@pytest.mark.parametrize(
    "args,code",
    [
        (("ncbi_disease", "{dir}", "{out}", "--format", "bioc"), "E1071"),
        (("ncbi_disease", "{dir}", "{out}"), "E1080"),
    ],
)
def test_convert_wrong_input(bc5cdr_dir, tmp_path, args, code):
    args = [arg.format(dir=bc5cdr_dir, out=tmp_path / "out") for arg in args]
    result = run("convert", *args)
    assert result.exit_code == 1
    assert code in result.output


def test_convert_reads_the_other_corpora_from_corpora_dir(bc5cdr_dir, tmp_path):
    """A corpus folder away from the others: `convert` names the missing test split
    and the option that fixes it; with --corpora-dir it leaves their test documents
    out of train and dev."""
    write(tmp_path / "nlm_gene", "NLMgene_Test.PubTator", BC5CDR.split("\n\n")[0] + "\n")
    alone = tmp_path / "elsewhere" / "bc5cdr"
    shutil.copytree(bc5cdr_dir, alone)
    result = run("convert", "bc5cdr", alone, tmp_path / "out")
    assert result.exit_code == 1
    assert "E1087" in result.output and "--corpora-dir" in result.output
    args = ("convert", "bc5cdr", alone, tmp_path / "out", "--corpora-dir", tmp_path)
    assert run(*args).exit_code == 0
    report = srsly.read_json(tmp_path / "out" / "report.json")
    assert report["splits"]["train"]["held_out_ids"] == {"1": ["nlm_gene"]}


def test_convert_unknown_corpus(bc5cdr_dir, tmp_path):
    result = run("convert", "craft", bc5cdr_dir, tmp_path / "out")
    assert result.exit_code == 2
    assert "bc5cdr" in result.output  # the choices are listed


def test_convert_jnlpba_carves_dev_from_train(tmp_path):
    write_fake_corpora(tmp_path, {("jnlpba", "test"): ()})
    folder = tmp_path / "jnlpba"
    names = [f"9{i:07d}" for i in range(30)] + ["90000003-2"]
    for name in names:
        write(folder / "train", f"{name}.txt", TEXT)
        write(folder / "train", f"{name}.ann", ANN)
    write(folder / "test", "99999999.txt", TEXT)
    write(folder / "test", "99999999.ann", ANN)
    result = run("convert", "jnlpba", folder, tmp_path / "out")
    assert result.exit_code == 0, result.output
    splits = srsly.read_json(tmp_path / "out" / "report.json")["splits"]
    dev = jnlpba_dev_documents(names)
    assert splits["dev"]["docs"] == len(dev) and splits["train"]["docs"] == 31 - len(dev)
    assert splits["test"]["unmapped_type"] == {"cell_line": 1}
    assert splits["test"]["converted"] == {"Gene": 3}


def test_jnlpba_dev_carve_out_is_fixed_and_keeps_copies_together():
    names = [str(10000000 + i) for i in range(1000)] + ["10000001-2", "10000007-2"]
    dev = jnlpba_dev_documents(names)
    assert dev == jnlpba_dev_documents(list(reversed(names)))
    assert len({name.split("-")[0] for name in dev}) == 100
    for pmid in ("10000001", "10000007"):
        assert (pmid in dev) == (f"{pmid}-2" in dev)


def test_convert_s800(tmp_path):
    write_fake_corpora(tmp_path)
    folder = tmp_path / "s800"
    write(folder / "abstracts", "species001.txt", "Mice and humans.")
    write(folder / "abstracts", "species002.txt", "Yeast cells.")
    write(folder / "abstracts", "species003.txt", "No species.")
    write(folder / "abstracts", "species004.txt", "No species either.")
    write(
        folder, "S800.tsv", "10090\tspecies001:11\t0\t3\tMice\n4932\tspecies002:22\t0\t4\tYeast\n"
    )
    pmids = (
        "species001\tPMID:11\tx\nspecies002\tPMID:22\tx\nspecies003\tPMID:33\tx\n"
        "species004\tPMID:44\tx\n"
    )
    write(folder, "pubmedid.tsv", pmids)
    for split, pmid in (("train", "11\n33"), ("devel", "22"), ("test", "44")):
        write(folder / "split", f"{split}.txt", pmid + "\n")
    result = run("convert", "s800", folder, tmp_path / "out")
    assert result.exit_code == 0, result.output
    splits = srsly.read_json(tmp_path / "out" / "report.json")["splits"]
    assert [splits[s]["docs"] for s in ("train", "dev", "test")] == [2, 1, 1]
    assert splits["train"]["converted"] == {"Species": 1}
    (doc,) = read_docs(tmp_path / "out" / "dev.spacy")
    assert [(ent.text, ent.label_) for ent in doc.ents] == [("Yeast", "Species")]


def test_convert_file_brat_with_label_options(tmp_path):
    folder = tmp_path / "mine"
    write(folder, "doc1.txt", TEXT)
    write(folder, "doc1.ann", ANN)
    output = tmp_path / "out" / "mine.spacy"
    result = run(
        "convert-file", "brat", folder, output,
        "--label-map", "protein=Gene,DNA=Gene",
        "--ignore-types", "cell_line",
        "--annotated-labels", "Gene,Chemical",
        "--source", "my_corpus",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (doc,) = read_docs(output)
    assert get_annotated_labels(doc) == ["Chemical", "Gene"]
    assert doc._.biolm_source == "my_corpus"
    report = srsly.read_json(output.with_suffix(".report.json"))
    assert report["splits"]["mine"]["unmapped_type"] == {"cell_line": 1}
    assert output.with_suffix(".misaligned.txt").exists()


@pytest.mark.parametrize(
    "args,code",
    [
        (("brat", "{dir}", "{out}", "--label-map", "protein:Gene"), "E1072"),
        (("brat", "{dir}", "{out}", "--label-map", "protein=Gene"), "E1065"),
        (("species-tsv", "{dir}", "{out}"), "E1082"),
        (("pubtator", "{dir}/missing.txt", "{out}"), "E1068"),
        (("pubtator", "{dir}", "{out}"), "E1068"),
    ],
)
def test_convert_file_errors(tmp_path, args, code):
    folder = tmp_path / "mine"
    write(folder, "doc1.txt", TEXT)
    write(folder, "doc1.ann", ANN)
    args = [arg.format(dir=folder, out=tmp_path / "out.spacy") for arg in args]
    result = run("convert-file", *args)
    assert result.exit_code == 1
    assert code in result.output


def test_convert_all_checks_every_input_before_converting(bc5cdr_dir, tmp_path):
    result = run("convert-all", tmp_path, tmp_path / "out")
    assert result.exit_code == 1
    assert "bc2gm" in result.output  # the first corpus that is not all there
    assert not (tmp_path / "out").exists()  # bc5cdr, which is there, was not converted


def test_convert_all_with_limits(corpora_dir, tmp_path):
    out = tmp_path / "out"
    result = run("convert-all", corpora_dir, out, "--max-docs", 2, "--max-docs-for", "linnaeus=1")
    assert result.exit_code == 0, result.output
    counts = {
        (folder.name, split.stem): len(read_docs(split))
        for folder in out.iterdir()
        for split in folder.glob("*.spacy")
    }
    names = ["bc5cdr", "ncbi_disease", "bc2gm", "jnlpba", "linnaeus", "s800", "biored"]
    splits = ("train", "dev", "test")
    expected = {(n, s): 1 if n == "linnaeus" else 2 for n in names for s in splits}
    del expected["biored", "test"]  # BioRED's release has train and dev only
    assert counts == expected
    assert all((out / name / "report.json").exists() for name in names)
    assert run("convert-all", corpora_dir, out, "--max-docs-for", "linnaeus").exit_code == 1


@pytest.mark.parametrize("command", ["convert", "convert-all", "convert-file"])
def test_help_has_an_example(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert f"Example: python -m spacy_biolm {command}" in result.output
