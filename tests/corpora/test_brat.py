from functools import partial

import pytest

from spacy_biolm.annotations import SPANS_KEY, get_annotated_labels
from spacy_biolm.corpora.brat import NOT_A_MENTION, create_brat_reader_v1, read_brat
from spacy_biolm.corpora.builder import DISCONTINUOUS
from spacy_biolm.corpora.source import CorpusError

from .conftest import accounted, build, ents, write

LABELS = {"protein": "Gene", "DNA": "Gene", "RNA": "Gene"}
IGNORED = ("cell_type", "cell_line")

TEXT = "Anti-Ro(SSA) autoantibodies bind T cell receptor beta genes in HeLa cells.\n"
ANN = """\
T1\tprotein 0 27\tAnti-Ro(SSA) autoantibodies
T2\tprotein 5 12\tRo(SSA)
T3\tDNA 33 59\tT cell receptor beta genes
T4\tcell_line 63 73\tHeLa cells
T5\tDNA 33 39;54 59\tT cell genes
R1\tBinds Arg1:T1 Arg2:T3
A1\tNegated T2
#1\tAnnotatorNotes T1\tchecked
"""


def make_folder(tmp_path, ann=ANN, text=TEXT):
    folder = tmp_path / "brat"
    write(folder, "doc1.txt", text)
    write(folder, "doc1.ann", ann)
    write(folder, "doc2.txt", "No mentions at all.\n")
    write(folder, "doc2.ann", "")
    return folder


def read(folder, nlp, **kwargs):
    return build(nlp, partial(read_brat, folder), LABELS, ignore_types=IGNORED, **kwargs)


def test_brat_documents_gold_and_report(tmp_path, ws_nlp):
    docs, report, _ = read(make_folder(tmp_path), ws_nlp)
    assert [doc.text for doc in docs] == [TEXT, "No mentions at all.\n"]
    # "Ro(SSA)" expands to the whitespace token "Anti-Ro(SSA)"
    assert ents(docs[0], SPANS_KEY) == [
        ("Anti-Ro(SSA)", "Gene"),
        ("Anti-Ro(SSA) autoantibodies", "Gene"),
        ("T cell receptor beta genes", "Gene"),
    ]
    assert ents(docs[0]) == [
        ("Anti-Ro(SSA) autoantibodies", "Gene"),
        ("T cell receptor beta genes", "Gene"),
    ]
    assert report.source_mentions == {"protein": 2, "DNA": 2, "cell_line": 1}
    assert report.unmapped == {"cell_line": 1}
    assert report.dropped == {DISCONTINUOUS: 1}
    assert (report.strict, report.recovered) == (2, 1)
    assert report.misaligned == {"start -|A": 1}
    assert report.ignored == {NOT_A_MENTION: 3}
    assert accounted(report)


def test_brat_reader_selects_documents_and_registered_reader(tmp_path, ws_nlp):
    folder = make_folder(tmp_path)
    docs, _, _ = build(ws_nlp, partial(read_brat, folder, documents=["doc2"]), LABELS)
    assert [doc.text for doc in docs] == ["No mentions at all.\n"]
    reader = create_brat_reader_v1(folder, label_map=LABELS, ignore_types=list(IGNORED))
    examples = list(reader(ws_nlp))
    assert len(examples) == 2
    assert get_annotated_labels(examples[0].reference) == ["Gene"]


BAD_ANN = [
    pytest.param("T2\tprotein 5 12\tRo(SSA)", "T2\tprotein 5\tRo(SSA)", "E1062", 2, id="offsets"),
    pytest.param("T2\tprotein 5 12\tRo(SSA)", "T2 protein 5 12 Ro(SSA)", "E1062", 2, id="no tabs"),
    pytest.param("T2\tprotein 5 12\tRo(SSA)", "X2\tprotein 5 12\tRo(SSA)", "E1062", 2, id="kind"),
    pytest.param("T2\tprotein 5 12\tRo(SSA)", "T2\tprotein 5 12\tRo(SSB)", "E1064", 2, id="text"),
    pytest.param("T2\tprotein 5 12\tRo(SSA)", "T2\tprotein 5 120\tRo(SSA)", "E1063", 2, id="range"),
    pytest.param("T2\tprotein 5 12\tRo(SSA)", "T2\tpeptide 5 12\tRo(SSA)", "E1065", 2, id="type"),
]


@pytest.mark.parametrize("old,new,code,line", BAD_ANN)
def test_brat_bad_input_names_file_and_line(tmp_path, ws_nlp, old, new, code, line):
    folder = make_folder(tmp_path, ann=ANN.replace(old, new))
    with pytest.raises(CorpusError) as excinfo:
        read(folder, ws_nlp)
    assert excinfo.value.code == f"BIOLM-{code}"
    assert f"doc1.ann:{line}" in str(excinfo.value)
    docs, report, _ = read(folder, ws_nlp, skip=True)
    assert len(docs) == 2
    assert len(docs[0].spans[SPANS_KEY]) == 2
    assert report.skipped_invalid == {f"BIOLM-{code}": 1}
    assert accounted(report)


def test_brat_missing_partner_file(tmp_path, ws_nlp):
    folder = make_folder(tmp_path)
    (folder / "doc1.ann").unlink()
    with pytest.raises(CorpusError, match=r"doc1.txt has no partner doc1.ann"):
        read(folder, ws_nlp)
    docs, report, _ = read(folder, ws_nlp, skip=True)
    assert len(docs) == 1
    assert report.skipped_invalid == {"BIOLM-E1084": 1}


def test_brat_non_utf8_text_skips_the_document(tmp_path, ws_nlp):
    folder = make_folder(tmp_path, text=TEXT.encode("utf8").replace(b"bind", b"b\xefnd"))
    with pytest.raises(CorpusError, match=r"doc1.txt:1: the file is not valid UTF-8"):
        read(folder, ws_nlp)
    docs, report, _ = read(folder, ws_nlp, skip=True)
    assert [doc.text for doc in docs] == ["No mentions at all.\n"]
    assert report.skipped_invalid == {"BIOLM-E1061": 1}


def test_brat_empty_text_file(tmp_path, ws_nlp):
    folder = make_folder(tmp_path, text="")
    with pytest.raises(CorpusError, match=r"doc1.txt is empty"):
        read(folder, ws_nlp)


def test_brat_missing_folder(tmp_path, ws_nlp):
    with pytest.raises(CorpusError, match=r"nowhere is missing or is not a folder"):
        read(tmp_path / "nowhere", ws_nlp)
