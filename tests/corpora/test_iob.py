from functools import partial

import pytest
import spacy

from spacy_biolm.annotations import SPANS_KEY
from spacy_biolm.corpora.iob import create_iob_reader_v1, read_iob
from spacy_biolm.corpora.source import CorpusError

from .conftest import accounted, build, ents, write

WITH_DOCSTART = """\
-DOCSTART- O

IL-2\tNN\tB-protein
gene\tNN\tI-protein
expression\tNN\tO
in\tIN\tO
T\tNN\tB-cell_type
cells\tNNS\tI-cell_type
.\t.\tO

NF-kappa\tNN\tI-protein
B\tNN\tI-protein
binds\tVBZ\tO

-DOCSTART- O

Aspirin B-Chemical
. O
"""
SENTENCES = "Aspirin B-Chemical\nhelps O\n\nBRCA1 B-Gene\nI-Gene I-Gene\n"


def read(tmp_path, content, nlp, label_map=None, **kwargs):
    path = write(tmp_path, "data.iob", content)
    return build(nlp, partial(read_iob, path), label_map, **kwargs)


def test_iob_documents_by_docstart(tmp_path):
    # spaCy's own tokenizer: the whitespace one would glue ".\nNF-kappa" together
    nlp = spacy.blank("en")
    label_map = {"protein": "Gene", "Chemical": "Chemical"}
    docs, report, _ = read(tmp_path, WITH_DOCSTART, nlp, label_map, ignore_types=("cell_type",))
    assert [doc.text for doc in docs] == [
        "IL-2 gene expression in T cells .\nNF-kappa B binds",
        "Aspirin .",
    ]
    # An I- tag after O starts a mention (IOB1)
    assert ents(docs[0], SPANS_KEY) == [("IL-2 gene", "Gene"), ("NF-kappa B", "Gene")]
    assert ents(docs[1]) == [("Aspirin", "Chemical")]
    assert report.source_mentions == {"protein": 2, "cell_type": 1, "Chemical": 1}
    assert report.unmapped == {"cell_type": 1}
    assert report.strict == 3
    assert accounted(report)


def test_iob_one_document_per_sentence_without_docstart(tmp_path, ws_nlp):
    docs, _, _ = read(tmp_path, SENTENCES, ws_nlp)
    assert [doc.text for doc in docs] == ["Aspirin helps", "BRCA1 I-Gene"]
    # without a label map every type is its own label
    assert ents(docs[1]) == [("BRCA1 I-Gene", "Gene")]
    assert docs[0]._.annotated_labels is None


def test_iob_registered_reader(tmp_path, ws_nlp):
    path = write(tmp_path, "data.iob", SENTENCES)
    reader = create_iob_reader_v1(path, annotated_labels=["Chemical", "Gene"])
    examples = list(reader(ws_nlp))
    assert len(examples) == 2
    assert examples[0].reference._.annotated_labels == ["Chemical", "Gene"]


@pytest.mark.parametrize(
    "line,code",
    [("helps X-Chemical", "E1070"), ("helps B-", "E1070"), ("helps", "E1062")],
)
def test_iob_bad_tag_names_file_and_line(tmp_path, ws_nlp, line, code):
    content = SENTENCES.replace("helps O", line)
    with pytest.raises(CorpusError) as excinfo:
        read(tmp_path, content, ws_nlp)
    assert excinfo.value.code == f"BIOLM-{code}"
    assert "data.iob:2" in str(excinfo.value)
    docs, report, _ = read(tmp_path, content, ws_nlp, skip=True)
    assert [doc.text for doc in docs] == ["Aspirin", "BRCA1 I-Gene"]
    assert report.skipped_invalid == {f"BIOLM-{code}": 1}
