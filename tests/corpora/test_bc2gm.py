from functools import partial

import pytest

from spacy_biolm.annotations import SPANS_KEY
from spacy_biolm.corpora.bc2gm import create_bc2gm_reader_v1, read_bc2gm
from spacy_biolm.corpora.source import CorpusError

from .conftest import accounted, build, ents, write

LABELS = {"GENE": "Gene"}
SENTENCES = """\
S1 Phenotypic analysis demonstrates that trio and Abl cooperate in regulating axon outgrowth.
S2 The p53 tumor suppressor binds DNA.
S3 No genes here.
"""
# Offsets count non-space characters; the end is inclusive.
GENE_EVAL = """\
S1|34 37|trio
S1|41 43|Abl
S2|3 5|p53
S2|3 20|p53 tumor suppressor
"""
# Alternatives are for evaluation only: never read as mentions.
ALTGENE_EVAL = "S2|3 12|p53 tumor\n"


def make_files(tmp_path, gene_eval=GENE_EVAL, sentences=SENTENCES):
    folder = tmp_path / "train"
    text = write(folder, "train.in", sentences)
    gene = write(folder, "GENE.eval", gene_eval)
    write(folder, "ALTGENE.eval", ALTGENE_EVAL)
    return text, gene


def read(tmp_path, nlp, **kwargs):
    text, gene = make_files(tmp_path, **{k: kwargs.pop(k) for k in list(kwargs) if k != "skip"})
    return build(nlp, partial(read_bc2gm, text, gene), LABELS, **kwargs)


def test_bc2gm_non_space_offsets_map_to_characters(tmp_path, ws_nlp):
    docs, report, _ = read(tmp_path, ws_nlp)
    assert [doc.text[:10] for doc in docs] == ["Phenotypic", "The p53 tu", "No genes h"]
    assert ents(docs[0]) == [("trio", "Gene"), ("Abl", "Gene")]
    assert ents(docs[1], SPANS_KEY) == [("p53", "Gene"), ("p53 tumor suppressor", "Gene")]
    assert ents(docs[1]) == [("p53 tumor suppressor", "Gene")]
    assert report.source_mentions == {"GENE": 4}
    assert report.strict == 4
    assert accounted(report)


def test_bc2gm_registered_reader(tmp_path, ws_nlp):
    text, gene = make_files(tmp_path)
    reader = create_bc2gm_reader_v1(text, gene, label_map=LABELS, source="bc2gm")
    examples = list(reader(ws_nlp))
    assert len(examples) == 3
    assert {eg.reference._.biolm_source for eg in examples} == {"bc2gm"}


BAD_EVAL = [
    pytest.param("S1|41 43|Abl", "S1|41-43|Abl", "E1062", 2, id="offsets"),
    pytest.param("S1|41 43|Abl", "S1|41 43", "E1062", 2, id="columns"),
    pytest.param("S1|41 43|Abl", "S9|41 43|Abl", "E1069", 2, id="unknown sentence"),
    pytest.param("S1|41 43|Abl", "S1|41 430|Abl", "E1081", 2, id="range"),
    pytest.param("S1|41 43|Abl", "S1|43 41|Abl", "E1081", 2, id="reversed"),
    pytest.param("S1|41 43|Abl", "S1|41 43|Abr", "E1064", 2, id="text"),
]


@pytest.mark.parametrize("old,new,code,line", BAD_EVAL)
def test_bc2gm_bad_input_names_file_and_line(tmp_path, ws_nlp, old, new, code, line):
    gene_eval = GENE_EVAL.replace(old, new)
    with pytest.raises(CorpusError) as excinfo:
        read(tmp_path, ws_nlp, gene_eval=gene_eval)
    assert excinfo.value.code == f"BIOLM-{code}"
    assert f"GENE.eval:{line}" in str(excinfo.value)
    docs, report, _ = read(tmp_path, ws_nlp, gene_eval=gene_eval, skip=True)
    assert ents(docs[0]) == [("trio", "Gene")]
    assert report.skipped_invalid == {f"BIOLM-{code}": 1}
    assert accounted(report)


@pytest.mark.parametrize(
    "line,code",
    [("S3", "E1062"), ("S1 The same id again.", "E1083")],
    ids=["no text", "repeated id"],
)
def test_bc2gm_bad_sentence_line(tmp_path, ws_nlp, line, code):
    sentences = SENTENCES.replace("S3 No genes here.", line)
    with pytest.raises(CorpusError, match=rf"{code}.*train.in:3: "):
        read(tmp_path, ws_nlp, sentences=sentences)
    docs, report, _ = read(tmp_path, ws_nlp, sentences=sentences, skip=True)
    assert [doc.text[:10] for doc in docs] == ["Phenotypic", "The p53 tu"]
    assert report.skipped_invalid == {f"BIOLM-{code}": 1}
