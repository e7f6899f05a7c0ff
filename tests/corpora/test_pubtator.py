from functools import partial

import pytest

from spacy_biolm.annotations import SPANS_KEY, get_annotated_labels
from spacy_biolm.corpora.pubtator import create_pubtator_reader_v1, read_pubtator
from spacy_biolm.corpora.source import CorpusError

from .conftest import accounted, build, ents, write

LABELS = {"Chemical": "Chemical", "Disease": "Disease", "Gene": "Gene"}

DOC_1 = """\
1|t|Cisplatin-induced nephrotoxicity in rats.
1|a|IL-2-induced hypotension was reversed by naloxone treatment.
1\t0\t9\tCisplatin\tChemical\tD002945
1\t18\t32\tnephrotoxicity\tDisease\tD007674
1\t42\t46\tIL-2\tGene\t3558
1\t42\t66\tIL-2-induced hypotension\tDisease\t-
1\t55\t66\thypotension\tDisease\tD007022
1\t83\t91\tnaloxone\tChemical\tD009270
1\tCID\tD002945\tD007674
"""
DOC_2 = """\
2|t|Famotidine and delirium.
2|a|No mentions here.
2\t0\t10\tFamotidine\tChemical\tD015738
2\t15\t23\tdelirium\tDisease\tD003693
"""
PUBTATOR = DOC_1 + "\n" + DOC_2


def read(tmp_path, content, nlp, **kwargs):
    path = write(tmp_path, "corpus.PubTator.txt", content)
    return build(nlp, partial(read_pubtator, path), LABELS, **kwargs)


def test_pubtator_documents_and_gold(tmp_path, ws_nlp):
    docs, report, _ = read(tmp_path, PUBTATOR, ws_nlp)
    assert [doc.text[:10] for doc in docs] == ["Cisplatin-", "Famotidine"]
    doc = docs[0]
    assert doc.text.startswith("Cisplatin-induced nephrotoxicity in rats. IL-2-induced")
    # All six mentions, overlapping ones included; "Cisplatin" and "IL-2" expand to
    # the whitespace tokens that contain them.
    assert ents(doc, SPANS_KEY) == [
        ("Cisplatin-induced", "Chemical"),
        ("nephrotoxicity", "Disease"),
        ("IL-2-induced", "Gene"),
        ("IL-2-induced hypotension", "Disease"),
        ("hypotension", "Disease"),
        ("naloxone", "Chemical"),
    ]
    # doc.ents: non-overlapping, the longest span wins
    assert ents(doc) == [
        ("Cisplatin-induced", "Chemical"),
        ("nephrotoxicity", "Disease"),
        ("IL-2-induced hypotension", "Disease"),
        ("naloxone", "Chemical"),
    ]
    assert get_annotated_labels(doc) == ["Chemical", "Disease", "Gene"]
    assert doc._.biolm_source == "fixture"


def test_pubtator_report_counts_every_mention(tmp_path, ws_nlp):
    _, report, _ = read(tmp_path, PUBTATOR, ws_nlp)
    assert report.docs == 2
    assert report.source_mentions == {"Chemical": 3, "Disease": 4, "Gene": 1}
    assert report.converted == {"Chemical": 3, "Disease": 4, "Gene": 1}
    assert (report.strict, report.recovered) == (5, 3)
    assert report.misaligned == {"end a|-": 1, "end 0|-": 1, "end a|.": 1}
    assert report.ignored == {"PubTator relation line (not a mention)": 1}
    assert round(report.strict_pct, 1) == 62.5
    assert accounted(report)


def test_pubtator_registered_reader_yields_examples(tmp_path, ws_nlp):
    path = write(tmp_path, "corpus.txt", PUBTATOR)
    reader = create_pubtator_reader_v1(path, label_map=LABELS, source="mine", limit=1)
    examples = list(reader(ws_nlp))
    assert len(examples) == 1
    example = examples[0]
    assert example.predicted.text == example.reference.text
    assert not example.predicted.ents
    assert len(example.reference.spans[SPANS_KEY]) == 6
    assert example.reference._.biolm_source == "mine"
    assert get_annotated_labels(example.reference) == ["Chemical", "Disease", "Gene"]


# text to replace, replacement, error code, line of the error, docs kept when skipping
BAD_INPUT = [
    pytest.param("\t32\tnephrotoxicity\tDisease\tD007674", "", "E1062", 4, 2, id="columns"),
    pytest.param("1\t18\t32", "1\t18\tx32", "E1062", 4, 2, id="non-numeric offset"),
    pytest.param("2\t15\t23", "2\t15\t99", "E1063", 14, 2, id="offset out of range"),
    pytest.param("\tdelirium\tDisease", "\tdelirious\tDisease", "E1064", 14, 2, id="text"),
    pytest.param("\tdelirium\tDisease", "\tdelirium\tSymptom", "E1065", 14, 2, id="type"),
    pytest.param("2\t0\t10", "3\t0\t10", "E1062", 13, 2, id="other doc's annotation"),
    pytest.param("2|t|Famotidine and delirium.\n", "", "E1062", 11, 1, id="no title"),
    pytest.param("D003693\n", "D003693\n\n3|t|Title\n", "E1066", 16, 2, id="truncated"),
]


@pytest.mark.parametrize("old,new,code,line,kept", BAD_INPUT)
def test_pubtator_bad_input_names_file_and_line(tmp_path, ws_nlp, old, new, code, line, kept):
    assert old in PUBTATOR
    content = PUBTATOR.replace(old, new)
    with pytest.raises(CorpusError) as excinfo:
        read(tmp_path, content, ws_nlp)
    assert excinfo.value.code == f"BIOLM-{code}"
    assert f"corpus.PubTator.txt:{line}" in str(excinfo.value)
    docs, report, invalid = read(tmp_path, content, ws_nlp, skip=True)
    assert len(docs) == kept
    assert report.skipped_invalid == {f"BIOLM-{code}": 1}
    assert accounted(report)


def test_pubtator_non_utf8_line(tmp_path, ws_nlp):
    content = PUBTATOR.encode("utf8").replace(b"2\t0\t10\tFamotidine", b"2\t0\t10\tFamotidin\xe9")
    with pytest.raises(CorpusError, match=r"corpus.PubTator.txt:13.*not valid UTF-8"):
        read(tmp_path, content, ws_nlp)
    docs, report, _ = read(tmp_path, content, ws_nlp, skip=True)
    assert len(docs) == 2
    assert report.skipped_invalid == {"BIOLM-E1061": 1}
    assert report.source_mentions == {"Chemical": 2, "Disease": 4, "Gene": 1}


def test_pubtator_empty_file(tmp_path, ws_nlp):
    with pytest.raises(CorpusError, match=r"corpus.PubTator.txt is empty") as excinfo:
        read(tmp_path, "\n\n", ws_nlp)
    assert excinfo.value.code == "BIOLM-E1060"


def test_pubtator_ignored_types_are_counted_as_unmapped(tmp_path, ws_nlp):
    path = write(tmp_path, "corpus.txt", PUBTATOR)
    label_map = {"Chemical": "Chemical", "Disease": "Disease"}
    docs, report, _ = build(ws_nlp, partial(read_pubtator, path), label_map, ignore_types=("Gene",))
    assert report.unmapped == {"Gene": 1}
    assert "Gene" not in {span.label_ for span in docs[0].spans[SPANS_KEY]}
    assert accounted(report)
