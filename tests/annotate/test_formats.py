"""Input readers and output writers of `annotate` (spacy_biolm.annotate.formats).

Expected texts and offsets are read by hand from the fixtures in data/ (see its
README: pubmed2.xml and pubmed4_excerpt.xml are real PubMed records from
Biopython's test data)."""

import gzip
import json
import pickle
import shutil
from pathlib import Path
from typing import Any, List, Optional, Tuple

import pytest
import spacy
from spacy.tokens import Doc, DocBin, SpanGroup

from spacy_biolm.annotate import (
    Deleted,
    Record,
    Reject,
    Unit,
    UnitError,
    count_records,
    find_units,
    formats,
    open_writer,
    read_unit,
)
from spacy_biolm.annotate.formats import RECORD_ID_ATTR, _ElementStream
from spacy_biolm.annotations import SPANS_KEY
from spacy_biolm.biogpt.component import install_extensions as install_biogpt_extensions
from spacy_biolm.corpora.bioc import read_bioc
from spacy_biolm.corpora.pubtator import read_pubtator
from spacy_biolm.corpora.source import InvalidRecords
from spacy_biolm.errors import message_code
from spacy_biolm.ner.component import SCORES_KEY, get_span_score, score_key

pytest.importorskip("lxml")

DATA = Path(__file__).parent / "data"

# pubmed2.xml, PMID 11748933: <ArticleTitle> and <AbstractText> (entities decoded;
# <CopyrightInformation>, also inside <Abstract>, is not abstract text).
TITLE_1 = (
    "Is cryopreservation a homogeneous process? Ultrastructure and motility of "
    "untreated, prefreezing, and postthawed spermatozoa of Diplodus puntazzo (Cetti)."
)
ABSTRACT_1_START = "This study subdivides the cryopreservation procedure for Diplodus"
ABSTRACT_1_END = "to better understand the process of sperm damage."
TITLE_2 = "Proton MRI of (13)C distribution by J and chemical shift editing."
# pubmed4_excerpt.xml, PMID 27797938: inline <i>TERT</i> keeps its text.
TITLE_3 = (
    "Leucocyte telomere length, genetic variants at the TERT gene region and risk "
    "of pancreatic cancer."
)
CONCLUSIONS_3 = (
    "Prediagnostic leucocyte telomere length and genetic variants at the TERT gene "
    "region were associated with risk of pancreatic cancer."
)


def unit_of(path: Path, format: Optional[str] = None) -> Unit:
    (unit,) = find_units([str(path)], format)
    return unit


def items(path: Path, format: Optional[str] = None, **kwargs: Any) -> List[Any]:
    return list(read_unit(unit_of(path, format), **kwargs))


def kinds(found: List[Any]) -> List[Tuple[str, Optional[str], str]]:
    # (type, id, code) per item: records have no code.
    return [
        (type(item).__name__, item.id, item.code if isinstance(item, Reject) else "")
        for item in found
    ]


# ---------------------------------------------------------------- PubMed


def test_pubmed_records_from_real_excerpt():
    first, second = items(DATA / "pubmed2.xml")
    assert first.id == "11748933"
    assert first.text.startswith(TITLE_1 + " " + ABSTRACT_1_START)
    assert first.text.endswith(ABSTRACT_1_END)
    assert first.passages == (("title", 0), ("abstract", len(TITLE_1) + 1))
    assert first.text[len(TITLE_1) + 1 :].startswith(ABSTRACT_1_START)
    assert "(P < 0.001)" in first.text  # &lt; decoded
    assert "Copyright" not in first.text
    assert first.meta == {"pmid": "11748933", "journal": "Cryobiology", "year": "2001"}
    assert (first.position, first.line) == (0, 4)
    assert second.id == "11700088"
    assert second.text.startswith(TITLE_2 + " The sensitivity of (13)C NMR imaging")
    assert second.passages == (("title", 0), ("abstract", len(TITLE_2) + 1))
    assert second.meta["journal"] == "J Magn Reson"
    assert second.position == 1


def test_pubmed_labelled_sections_joined_like_pubtator():
    (record,) = items(DATA / "pubmed4_excerpt.xml")
    assert record.id == "27797938"
    assert record.text.startswith(TITLE_3 + " Telomere shortening occurs as an early event")
    # Sections joined by one space, without their labels.
    assert "pancreatic cancer. We measured prediagnostic" in record.text
    assert "OBJECTIVE" not in record.text and "DESIGN" not in record.text
    assert record.text.endswith(CONCLUSIONS_3)
    # Inline <sub>, <sup>; &lt; decoded.
    assert "(linkage disequilibrium r2<0.25)" in record.text
    labels = [label for label, _ in record.meta["sections"]]
    assert labels == ["OBJECTIVE", "DESIGN", "RESULTS", "CONCLUSIONS"]
    offsets = dict(record.meta["sections"])
    assert offsets["OBJECTIVE"] == len(TITLE_3) + 1
    assert record.text[offsets["DESIGN"] :].startswith("We measured prediagnostic")
    assert record.text[offsets["CONCLUSIONS"] :] == CONCLUSIONS_3
    assert record.meta["journal"] == "Gut" and record.meta["year"] == "2017"


def test_pubmed_gzip_reads_the_same():
    plain = items(DATA / "pubmed2.xml")
    zipped = items(DATA / "pubmed2.xml.gz")
    assert [(r.id, r.text, r.passages, r.meta) for r in zipped] == [
        (r.id, r.text, r.passages, r.meta) for r in plain
    ]


def test_pubmed_book_articles_and_medline_citation_sets(tmp_path):
    books = tmp_path / "books.xml"
    books.write_text(
        "<PubmedArticleSet><PubmedBookArticle><BookDocument><PMID>20301295</PMID>"
        "<ArticleTitle>Cystic Fibrosis</ArticleTitle><Abstract><AbstractText Label="
        '"CLINICAL CHARACTERISTICS">CF affects the lungs.</AbstractText></Abstract>'
        "</BookDocument></PubmedBookArticle></PubmedArticleSet>"
    )
    (record,) = items(books)
    assert (record.id, record.text) == ("20301295", "Cystic Fibrosis CF affects the lungs.")
    medline = tmp_path / "medline.xml"
    medline.write_text(
        "<MedlineCitationSet><MedlineCitation><PMID>7</PMID><Article><ArticleTitle>"
        "Old format.</ArticleTitle></Article></MedlineCitation></MedlineCitationSet>"
    )
    (record,) = items(medline)
    assert (record.id, record.text) == ("7", "Old format.")


def test_pubmed_deleted_citations_counted_apart():
    found = items(DATA / "pubmed_deleted.xml")
    assert kinds(found) == [
        ("Record", "1", ""),
        ("Reject", None, "BIOLM-E1228"),  # no PMID
        ("Reject", "3", "BIOLM-E1227"),  # empty title and abstract
        ("Record", "4", ""),
        ("Deleted", "9001", ""),
        ("Deleted", "9002", ""),
    ]
    assert [item.position for item in found] == [0, 1, 2, 3, 4, 5]
    assert [item.line for item in found] == [4, 13, 20, 29, 37, 37]
    assert found[0].text == "A title. An abstract."
    assert found[0].passages == (("title", 0), ("abstract", 9))
    # No abstract: the title alone.
    assert found[3].text == "A title without an abstract."
    assert found[3].passages == (("title", 0),)
    assert "pubmed_deleted.xml:13" in found[1].reason
    assert all(isinstance(item, Deleted) for item in found[4:])


def test_pubmed_undecodable_bytes_reject_only_their_record(tmp_path):
    data = (DATA / "pubmed2.xml").read_bytes()
    assert data.count(b"This study subdivides") == 1 and data.count(b"Viterbo") == 1
    data = data.replace(b"This study subdivides", b"This st\xffudy subdivides")
    # A bad byte outside the title and abstract does not spoil the record.
    data = data.replace(b"Viterbo", b"Vit\xfe\xfferbo")
    path = tmp_path / "bad.xml"
    path.write_bytes(data)
    first, second = items(path)
    assert isinstance(first, Reject) and first.code == "BIOLM-E1225"
    assert first.id == "11748933" and first.line == 4
    assert isinstance(second, Record) and second.id == "11700088"


def test_pubmed_truncated_file_stops_the_unit_with_its_position(tmp_path):
    data = (DATA / "pubmed2.xml").read_bytes()
    cut = data.index(b"Proton MRI of")  # inside the second record
    path = tmp_path / "cut.xml"
    path.write_bytes(data[:cut])
    stream = read_unit(unit_of(path))
    first = next(stream)
    assert isinstance(first, Record) and first.id == "11748933"
    with pytest.raises(UnitError) as info:
        next(stream)
    assert message_code(info.value) == "BIOLM-E1224"
    assert info.value.position == 1
    assert str(path) in str(info.value)
    reject = info.value.reject()
    assert (reject.unit, reject.position, reject.code) == (str(path), 1, "BIOLM-E1224")
    # Raised in a Ray or multiprocessing worker, it reaches the driver whole.
    copy = pickle.loads(pickle.dumps(info.value))
    assert (copy.unit, copy.position, copy.line) == (info.value.unit, 1, info.value.line)
    assert copy.reject() == reject


def test_pubmed_truncated_after_deleted_citations_counts_every_item(tmp_path):
    data = (DATA / "pubmed_deleted.xml").read_bytes()
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: data.index(b"</PubmedArticleSet>")])
    found = []
    with pytest.raises(UnitError) as info:
        found.extend(read_unit(unit_of(path)))
    assert len(found) == 6  # 4 records or rejects, 2 deleted PMIDs
    assert info.value.position == 6


def test_pubmed_truncated_gzip_stops_the_unit(tmp_path):
    data = gzip.compress((DATA / "pubmed2.xml").read_bytes())
    path = tmp_path / "cut.xml.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnitError) as info:
        list(read_unit(unit_of(path)))
    assert message_code(info.value) in ("BIOLM-E1224", "BIOLM-E1221")


def test_truncated_gzip_of_lines_stops_the_unit_where_it_ends(tmp_path):
    lines = "".join(json.dumps({"id": f"r{i}", "text": f"Text {i}."}) + "\n" for i in range(2000))
    data = gzip.compress(lines.encode("utf-8"))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    found = []
    with pytest.raises(UnitError) as info:
        for item in read_unit(unit_of(path)):
            found.append(item)
    assert 0 < len(found) < 2000
    assert [item.id for item in found] == [f"r{i}" for i in range(len(found))]
    assert message_code(info.value) == "BIOLM-E1221"
    assert info.value.position == len(found)
    assert info.value.line is not None and info.value.line >= len(found)


def test_xml_elements_are_cleared_as_they_are_read(tmp_path):
    # Each record leaves the tree once read: the tree holds only what the parser
    # read ahead (one buffer), so memory stays flat over a 30k-record baseline file.
    data = (DATA / "pubmed_deleted.xml").read_text()
    head, rest = data.split("<PubmedArticleSet>\n")
    article = rest[: rest.index("</PubmedArticle>\n") + len("</PubmedArticle>\n")]
    path = tmp_path / "long.xml"
    path.write_text(head + "<PubmedArticleSet>\n" + article * 3000 + "</PubmedArticleSet>\n")
    assert len(article) * 3000 > 500_000  # far more than one read buffer
    stream = _ElementStream(unit_of(path), ("PubmedArticle", "DeleteCitation"))
    seen, most = 0, 0
    for elem in stream:
        seen += 1
        assert stream.root[0] is elem  # the records before it are gone
        most = max(most, len(stream.root))
    assert seen == 3000
    assert most < 300
    assert len(stream.root) == 0


# ---------------------------------------------------------------- other inputs


def test_pubtator_records_and_bad_documents():
    found = items(DATA / "sample.pubtator")
    assert kinds(found) == [
        ("Record", "100", ""),
        ("Reject", "200", "BIOLM-E1229"),  # no abstract line
        ("Reject", None, "BIOLM-E1229"),  # stray line
        ("Record", "300", ""),
    ]
    assert [item.line for item in found] == [1, 6, 9, 10]
    assert found[0].text == "Aspirin and headache. Aspirin relieves headache in adults."
    assert found[0].passages == (("title", 0), ("abstract", 22))
    assert found[3].text == "A title whose abstract is empty."


def test_pubtator_undecodable_title_rejects_its_document(tmp_path):
    data = (DATA / "sample.pubtator").read_bytes().replace(b"Aspirin and", b"Asp\xe9rin and")
    path = tmp_path / "bad.pubtator"
    path.write_bytes(data)
    found = items(path)
    assert kinds(found)[0] == ("Reject", "100", "BIOLM-E1225")
    assert kinds(found)[3] == ("Record", "300", "")


def test_jsonl_records_and_every_bad_line():
    found = items(DATA / "sample.jsonl")
    assert kinds(found) == [
        ("Record", "j1", ""),
        ("Reject", "j2", "BIOLM-E1227"),  # empty text
        ("Record", "3", ""),  # a numeric id
        ("Reject", None, "BIOLM-E1226"),  # not JSON
        ("Reject", None, "BIOLM-E1226"),  # a list
        ("Reject", "j5", "BIOLM-E1227"),  # no text field
        ("Record", "sample.jsonl:8", ""),  # no id: FILE:LINE
        ("Reject", "j7", "BIOLM-E1227"),  # text not a string
    ]
    assert [item.line for item in found] == [1, 3, 4, 5, 6, 7, 8, 9]  # line 2 is blank
    assert [item.position for item in found] == list(range(8))
    assert found[0].text == "Aspirin relieves headache."
    assert "sample.jsonl:5" in found[3].reason


def test_jsonl_field_names_and_undecodable_line(tmp_path):
    path = tmp_path / "custom.jsonl"
    path.write_bytes(
        b'{"pmid": "p1", "abstract": "First."}\n'
        b'{"pmid": "p2", "abstract": "Caf\xe9."}\n'
        b'{"pmid": "p3", "abstract": "Third."}\n'
    )
    found = items(path, id_field="pmid", text_field="abstract")
    assert kinds(found) == [
        ("Record", "p1", ""),
        ("Reject", "custom.jsonl:2", "BIOLM-E1225"),
        ("Record", "p3", ""),
    ]
    assert found[1].line == 2


def test_bioc_xml_passages_at_offsets_and_bad_documents():
    found = items(DATA / "sample_bioc.xml")
    assert kinds(found) == [
        ("Record", "d1", ""),
        ("Reject", "d2", "BIOLM-E1230"),  # passages overlap
        ("Record", "d3", ""),
        ("Reject", "d4", "BIOLM-E1227"),  # empty
        ("Reject", "d5", "BIOLM-E1230"),  # offset "zero"
    ]
    assert found[0].text == "Aspirin and headache. Aspirin relieves headache."
    assert found[0].passages == (("title", 0), ("abstract", 22))
    assert found[2].text == "Gap." + " " * 6 + "After a gap."
    assert found[2].passages == (("front", 0), ("paragraph", 10))
    assert [item.line for item in found] == [4, 10, 14, 18, 21]


def test_xml_in_a_declared_encoding_is_not_taken_for_bad_bytes(tmp_path):
    path = tmp_path / "latin1.xml"
    path.write_bytes(
        b"<?xml version='1.0' encoding='ISO-8859-1'?>\n<collection><document><id>l1</id>"
        b"<passage><offset>0</offset><text>Caf\xe9 au lait.</text></passage>"
        b"</document></collection>\n"
    )
    (record,) = items(path)
    assert isinstance(record, Record) and record.text == "Caf\u00e9 au lait."


def test_bioc_xml_passage_of_sentences(tmp_path):
    path = tmp_path / "sentences.xml"
    path.write_text(
        "<collection><document><id>s1</id><passage><infon key='section_type'>ABSTRACT"
        "</infon><offset>0</offset><sentence><offset>0</offset><text>One.</text></sentence>"
        "<sentence><offset>5</offset><text>Two.</text></sentence></passage></document>"
        "</collection>"
    )
    (record,) = items(path, "bioc-xml")
    assert record.text == "One. Two."
    assert record.passages == (("ABSTRACT", 0), ("ABSTRACT", 5))


def test_bioc_json_documents():
    pytest.importorskip("bioc")
    found = items(DATA / "sample_bioc.json")
    assert kinds(found) == [("Record", "j1", ""), ("Reject", "j2", "BIOLM-E1230")]
    assert found[0].text == "Aspirin and headache. Aspirin relieves headache."
    assert found[0].passages == (("title", 0), ("abstract", 22))


def test_txt_folder_units_and_records(tmp_path):
    (unit,) = find_units([str(DATA / "txt")])
    folder = str((DATA / "txt").resolve())
    assert unit.format == "txt" and unit.path == folder
    # Hidden files and files without a known ending are left out.
    assert [Path(member).name for member in unit.members] == ["alpha.txt", "beta.txt", "gamma.txt"]
    assert unit.key == f"{folder}::alpha.txt..gamma.txt"
    found = list(read_unit(unit))
    assert [(r.id, r.text) for r in found] == [
        ("alpha", "Aspirin relieves headache.\n"),
        ("beta", "Second file."),
        ("gamma", "Third file.\nTwo lines.\n"),
    ]
    first, second = find_units([str(DATA / "txt")], txt_per_unit=2)
    assert first.key == f"{folder}::alpha.txt..beta.txt"
    assert second.key == f"{folder}::gamma.txt..gamma.txt"
    assert [r.id for r in read_unit(second)] == ["gamma"]
    assert (count_records(first), count_records(second)) == (2, 1)


def test_txt_bad_files_are_rejected(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"fine")
    (tmp_path / "b.txt").write_bytes(b"line one\nbad \xff byte")
    (tmp_path / "c.txt").write_bytes(b"  \n")
    found = list(read_unit(unit_of(tmp_path)))
    assert kinds(found) == [
        ("Record", "a", ""),
        ("Reject", "b", "BIOLM-E1225"),
        ("Reject", "c", "BIOLM-E1227"),
    ]
    assert "b.txt:2" in found[1].reason


# ---------------------------------------------------------------- finding units


def test_globs_folders_and_formats(tmp_path):
    units = find_units([str(DATA / "pubmed*.xml")])
    assert [Path(u.path).name for u in units] == [
        "pubmed2.xml",
        "pubmed4_excerpt.xml",
        "pubmed_deleted.xml",
    ]
    assert {u.format for u in units} == {"pubmed"}
    assert all(u.key == u.path and Path(u.path).is_absolute() for u in units)
    # A file named twice is one unit.
    again = find_units([str(DATA / "pubmed2.xml"), str(DATA / "pubmed*.xml")])
    assert len(again) == 3
    formats = {Path(u.path).name: u.format for u in find_units([str(DATA)])}
    assert formats == {
        "pubmed2.xml": "pubmed",
        "pubmed2.xml.gz": "pubmed",
        "pubmed4_excerpt.xml": "pubmed",
        "pubmed_deleted.xml": "pubmed",
        "sample.jsonl": "jsonl",
        "sample.pubtator": "pubtator",
        "sample_bioc.json": "bioc-json",
        "sample_bioc.xml": "bioc-xml",
        "txt": "txt",
    }
    # A .txt that holds PubTator is read as PubTator.
    shutil.copy(DATA / "sample.pubtator", tmp_path / "corpus.txt")
    assert unit_of(tmp_path / "corpus.txt").format == "pubtator"
    # A forced format reads a file of any name.
    shutil.copy(DATA / "sample.jsonl", tmp_path / "records.data")
    assert len(items(tmp_path / "records.data", "jsonl")) == 8


def test_bad_inputs_name_the_path_and_fix(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        find_units([str(tmp_path / "missing.xml")])
    assert message_code(info.value) == "BIOLM-E1220" and "missing.xml" in str(info.value)
    with pytest.raises(FileNotFoundError) as info:
        find_units([str(tmp_path / "*.xml.gz")])
    assert message_code(info.value) == "BIOLM-E1220"
    (tmp_path / "table.csv").write_text("a,b\n")
    with pytest.raises(ValueError) as info:
        find_units([str(tmp_path / "table.csv")])
    assert message_code(info.value) == "BIOLM-E1222" and "--input-format" in str(info.value)
    (tmp_path / "other.xml").write_text("<html></html>")
    with pytest.raises(ValueError) as info:
        find_units([str(tmp_path / "other.xml")])
    assert message_code(info.value) == "BIOLM-E1222"
    with pytest.raises(ValueError) as info:
        find_units([str(DATA / "sample.jsonl")], "medline")
    assert message_code(info.value) == "BIOLM-E1223"


def test_count_records_for_the_eta():
    assert count_records(unit_of(DATA / "pubmed2.xml")) == 2
    assert count_records(unit_of(DATA / "pubmed2.xml.gz")) is None
    assert count_records(unit_of(DATA / "pubmed2.xml.gz"), scan_gzip=True) == 2
    assert count_records(unit_of(DATA / "sample.pubtator")) == 3  # title lines
    assert count_records(unit_of(DATA / "sample_bioc.xml")) == 5
    assert count_records(unit_of(DATA / "sample.jsonl")) == 8  # non-blank lines
    assert count_records(unit_of(DATA / "sample_bioc.json")) is None


def test_count_records_finds_tags_cut_by_chunk_edges(monkeypatch):
    # pubmed2.xml holds both records on one line; tiny chunks cut their tags.
    monkeypatch.setattr(formats, "_READ_BYTES", 7)
    assert count_records(unit_of(DATA / "pubmed2.xml")) == 2
    assert count_records(unit_of(DATA / "sample_bioc.xml")) == 5


# ---------------------------------------------------------------- writers

TEXT = "Aspirin and headache. Aspirin relieves headache."
# (start, end, label, kb_id, score or None): offsets read off TEXT by hand.
SPANS = [
    (0, 7, "Chemical", "MESH:D001241", 0.91234),
    (12, 20, "Disease", "", None),
    (22, 29, "Chemical", "MESH:D001241", 0.5),
    (30, 47, "Gene", "", 0.25),  # overlaps the next: only in the span group
    (39, 47, "Disease", "MESH:D006261", 0.87656),
]
RECORD = Record("d1", TEXT, "unit", 0, 1, (("title", 0), ("abstract", 22)), {})


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


def annotate(nlp, text: str, spans) -> Doc:
    """A doc with `spans` in doc.spans["biolm_ents"] (scores keyed as biolm_ner
    keys them) and the non-overlapping ones in doc.ents."""
    doc = nlp.make_doc(text)
    made, scores = [], {}
    for start, end, label, kb_id, score in spans:
        span = doc.char_span(start, end, label=label, kb_id=kb_id)
        assert span is not None, (start, end)
        made.append(span)
        if score is not None:
            scores[score_key(span.start, span.end, label)] = score
    doc.spans[SPANS_KEY] = SpanGroup(doc, name=SPANS_KEY, spans=made, attrs={SCORES_KEY: scores})
    ents, last = [], -1
    for span in made:
        if span.start >= last:
            ents.append(span)
            last = span.end
    doc.ents = ents
    return doc


def write(fmt: str, path: Path, pairs, **kwargs: Any) -> bytes:
    writer = open_writer(
        fmt, path, nlp_meta={"lang": "en", "name": "biolm", "version": "0.1.0"}, **kwargs
    )
    for doc, record in pairs:
        writer.write(doc, record)
    writer.close()
    return path.read_bytes()


def test_pubtator_output(nlp, tmp_path):
    out = write("pubtator", tmp_path / "out.pubtator", [(annotate(nlp, TEXT, SPANS), RECORD)])
    assert out.decode("utf-8") == (
        "d1|t|Aspirin and headache.\n"
        "d1|a|Aspirin relieves headache.\n"
        "d1\t0\t7\tAspirin\tChemical\tMESH:D001241\n"
        "d1\t12\t20\theadache\tDisease\n"
        "d1\t22\t29\tAspirin\tChemical\tMESH:D001241\n"
        "d1\t30\t47\trelieves headache\tGene\n"
        "d1\t39\t47\theadache\tDisease\tMESH:D006261\n"
        "\n"
    )


def test_jsonl_output(nlp, tmp_path):
    install_biogpt_extensions()
    doc = annotate(nlp, TEXT, SPANS)
    doc._.biogpt_text = "a generated continuation"
    plain = annotate(nlp, TEXT, SPANS[:1])
    record = Record(
        "d2", TEXT, "unit", 1, 2, (("text", 0),), {"pmid": "d2", "sections": (("A", 0),)}
    )
    out = write("jsonl", tmp_path / "out.jsonl", [(doc, RECORD), (plain, record)])
    first, second = [json.loads(line) for line in out.decode("utf-8").splitlines()]
    assert first == {
        "id": "d1",
        "text": TEXT,
        "biogpt_text": "a generated continuation",
        "spans": [
            {
                "label": "Chemical",
                "start": 0,
                "end": 7,
                "text": "Aspirin",
                "score": 0.9123,
                "kb_id": "MESH:D001241",
            },
            {
                "label": "Disease",
                "start": 12,
                "end": 20,
                "text": "headache",
                "score": None,
                "kb_id": "",
            },
            {
                "label": "Chemical",
                "start": 22,
                "end": 29,
                "text": "Aspirin",
                "score": 0.5,
                "kb_id": "MESH:D001241",
            },
            {
                "label": "Gene",
                "start": 30,
                "end": 47,
                "text": "relieves headache",
                "score": 0.25,
                "kb_id": "",
            },
            {
                "label": "Disease",
                "start": 39,
                "end": 47,
                "text": "headache",
                "score": 0.8766,
                "kb_id": "MESH:D006261",
            },
        ],
    }
    assert "biogpt_text" not in second and second["meta"] == {"pmid": "d2", "sections": [["A", 0]]}
    without_text = write("jsonl", tmp_path / "bare.jsonl", [(plain, record)], include_text=False)
    assert "text" not in json.loads(without_text)


def test_jsonl_output_falls_back_to_doc_ents(nlp, tmp_path):
    doc = nlp.make_doc(TEXT)
    doc.ents = [doc.char_span(12, 20, label="Disease")]
    out = write("jsonl", tmp_path / "out.jsonl", [(doc, RECORD)], include_text=False)
    assert json.loads(out)["spans"] == [
        {"label": "Disease", "start": 12, "end": 20, "text": "headache", "score": None, "kb_id": ""}
    ]


def test_bioc_output_infons(nlp, tmp_path):
    pytest.importorskip("bioc")
    from lxml import etree

    record = Record(
        "d1", TEXT, "u", 0, 1, RECORD.passages, {"pmid": "d1", "year": "2001", "sections": []}
    )
    write("bioc-xml", tmp_path / "out.xml", [(annotate(nlp, TEXT, SPANS), record)])
    root = etree.parse(str(tmp_path / "out.xml")).getroot()
    document_infons = {i.get("key"): i.text for i in root.findall("document/infon")}
    assert document_infons == {"pmid": "d1", "year": "2001"}  # plain strings of the meta
    assert root.findtext("date") == ""  # no clock in the output
    infons = {i.get("key"): i.text for i in root.findall("infon")}
    assert infons == {"model": "en_biolm", "model_version": "0.1.0"}
    passages = root.findall("document/passage")
    assert [p.findtext("text") for p in passages] == [
        "Aspirin and headache.",
        "Aspirin relieves headache.",
    ]
    found = [
        (
            {i.get("key"): i.text for i in a.findall("infon")},
            a.find("location").get("offset"),
            a.find("location").get("length"),
            a.findtext("text"),
        )
        for a in root.iter("annotation")
    ]
    assert found[0] == (
        {"type": "Chemical", "identifier": "MESH:D001241", "score": "0.9123"},
        "0",
        "7",
        "Aspirin",
    )
    assert found[1] == ({"type": "Disease"}, "12", "8", "headache")
    assert found[4] == (
        {"type": "Disease", "identifier": "MESH:D006261", "score": "0.8766"},
        "39",
        "8",
        "headache",
    )
    # Annotations sit in the passage they start in.
    assert (
        len(passages[0].findall("annotation")) == 2 and len(passages[1].findall("annotation")) == 3
    )


def test_docbin_output_keeps_record_id_and_scores(nlp, tmp_path):
    doc = annotate(nlp, TEXT, SPANS)
    doc.user_data["not plain"] = object()  # e.g. doc._.trf_data: not written
    write("docbin", tmp_path / "out.spacy", [(doc, RECORD)])
    assert "not plain" in doc.user_data  # the doc itself is left as it was
    (read,) = DocBin(store_user_data=True).from_disk(tmp_path / "out.spacy").get_docs(nlp.vocab)
    assert read._.get(RECORD_ID_ATTR) == "d1"
    assert "not plain" not in read.user_data
    got = [
        (s.start_char, s.end_char, s.label_, s.kb_id_, get_span_score(s))
        for s in read.spans[SPANS_KEY]
    ]
    assert got == SPANS


@pytest.mark.parametrize("fmt", ["pubtator", "bioc-xml", "jsonl", "docbin"])
def test_writers_are_deterministic(nlp, tmp_path, fmt):
    if fmt == "bioc-xml":
        pytest.importorskip("bioc")
    pairs = [(annotate(nlp, TEXT, SPANS), RECORD), (annotate(nlp, TEXT, SPANS[1:3]), RECORD)]
    first = write(fmt, tmp_path / "first", pairs)
    # The same annotations on fresh docs (a resumed run) give the same bytes.
    again = [(annotate(nlp, TEXT, SPANS), RECORD), (annotate(nlp, TEXT, SPANS[1:3]), RECORD)]
    assert write(fmt, tmp_path / "second", again) == first


# ---------------------------------------------------------------- round trips


def real_pairs(nlp) -> List[Tuple[Doc, Record]]:
    # Mentions in the title and the abstract of the real records.
    pairs = []
    for record in items(DATA / "pubmed2.xml") + items(DATA / "pubmed4_excerpt.xml"):
        spans = []
        for word, label in (
            ("cryopreservation", "Chemical"),
            ("sodium chloride", "Chemical"),
            ("glucose", "Chemical"),
            ("pancreatic cancer", "Disease"),
            ("Diplodus puntazzo", "Species"),
            ("TERT", "Gene"),
        ):
            start = record.text.find(word)
            if start >= 0:
                spans.append(
                    (
                        start,
                        start + len(word),
                        label,
                        "MESH:D0" if label == "Chemical" else "",
                        0.75,
                    )
                )
        pairs.append((annotate(nlp, record.text, spans), record))
    return pairs


def mentions_of(doc: Doc) -> List[Tuple[int, int, str, str]]:
    return sorted((s.start_char, s.end_char, s.label_, s.text) for s in doc.spans[SPANS_KEY])


def test_pubtator_round_trip(nlp, tmp_path):
    pairs = real_pairs(nlp)
    path = tmp_path / "out.pubtator"
    write("pubtator", path, pairs)
    documents = list(read_pubtator(path, InvalidRecords()))
    assert [d.id for d in documents] == ["11748933", "11700088", "27797938"]
    for document, (doc, record) in zip(documents, pairs):
        assert document.text == record.text
        assert sorted((m.start, m.end, m.type, m.text) for m in document.mentions) == mentions_of(
            doc
        )
    # Our own reader gives the same records back.
    again = items(path)
    assert [(r.id, r.text, r.passages) for r in again] == [
        (r.id, r.text, r.passages) for _, r in pairs
    ]


def test_bioc_round_trip(nlp, tmp_path):
    pytest.importorskip("bioc")
    pairs = real_pairs(nlp)
    path = tmp_path / "out.xml"
    write("bioc-xml", path, pairs)
    documents = list(read_bioc(path, InvalidRecords()))
    assert [d.id for d in documents] == ["11748933", "11700088", "27797938"]
    for document, (doc, record) in zip(documents, pairs):
        assert document.text == record.text
        assert sorted((m.start, m.end, m.type, m.text) for m in document.mentions) == mentions_of(
            doc
        )
    again = items(path)
    assert [(r.id, r.text, r.passages) for r in again] == [
        (r.id, r.text, r.passages) for _, r in pairs
    ]


def test_pubtator_output_of_multiline_text_keeps_offsets(nlp, tmp_path):
    text = "Line one.\nLine\ttwo has aspirin."
    record = Record("x|1", text, "unit", 0, 1, (("text", 0),), {})
    start = text.index("aspirin")
    doc = annotate(nlp, text, [(start, start + 7, "Chemical", "", None)])
    path = tmp_path / "out.pubtator"
    write("pubtator", path, [(doc, record)])
    (document,) = read_pubtator(path, InvalidRecords())
    # One line per field; newlines and tabs become spaces (same offsets); the id
    # loses the "|" that PubTator cannot hold.
    assert document.id == "x_1"
    assert document.text.rstrip(" ") == "Line one. Line two has aspirin."
    (mention,) = document.mentions
    assert (mention.start, mention.end, mention.text) == (start, start + 7, "aspirin")
