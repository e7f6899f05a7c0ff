"""The shared builder: offset and text checks, errata, label mapping, alignment,
the gold annotations and the report; and the label-scheme options."""

import re
from pathlib import Path

import pytest

from spacy_biolm.annotations import SPANS_KEY
from spacy_biolm.corpora.alignment import WHITESPACE_ONLY
from spacy_biolm.corpora.errata import ERRATA
from spacy_biolm.corpora.labels import LabelScheme, parse_label_map
from spacy_biolm.corpora.reader import SourceCorpus
from spacy_biolm.corpora.report import format_misalignments
from spacy_biolm.corpora.source import CorpusError, Location, SourceDocument, SourceMention

from .conftest import accounted, build, ents

WHERE = Location(Path("source.txt"), 7)


def mention(start, end, text, mention_type="Chemical"):
    return SourceMention(start, end, mention_type, text, WHERE)


def document(text, *mentions, doc_id="d1"):
    return SourceDocument(doc_id, text, list(mentions), Location(Path("source.txt"), 1))


def test_builder_aligns_recovers_and_drops(ws_nlp):
    text = "IL-2-induced  apoptosis needs Ca2+"
    doc = document(
        text,
        mention(0, 4, "IL-2", "Gene"),  # inside the token "IL-2-induced": recovered
        mention(14, 23, "apoptosis", "Disease"),  # strict
        mention(12, 13, " ", "Disease"),  # whitespace only: dropped
        mention(30, 32, "Ca", "Chemical"),  # start aligned, end inside "Ca2+"
    )
    docs, report, _ = build(ws_nlp, lambda invalid: [doc], {})
    assert ents(docs[0], SPANS_KEY) == [
        ("IL-2-induced", "Gene"),
        ("apoptosis", "Disease"),
        ("Ca2+", "Chemical"),
    ]
    assert (report.strict, report.recovered) == (1, 2)
    assert report.dropped == {WHITESPACE_ONLY: 1}
    assert report.misaligned == {"end 0|-": 1, "end a|0": 1}
    assert accounted(report)
    listing = format_misalignments([report])
    assert "## end 0|-  (1)" in listing
    assert "[[IL-2]]-induced" in listing
    assert "tokens: IL-2-induced" in listing


def test_builder_merges_mentions_that_expand_to_the_same_span(ws_nlp):
    doc = document("K(ATP) channels", mention(0, 1, "K"), mention(2, 5, "ATP"))
    docs, report, _ = build(ws_nlp, lambda invalid: [doc], {})
    assert ents(docs[0], SPANS_KEY) == [("K(ATP)", "Chemical")]
    assert report.converted == {"Chemical": 2}
    assert report.merged_duplicates == 1


def test_builder_lists_repeated_document_ids(ws_nlp):
    docs, report, _ = build(ws_nlp, lambda invalid: [document("a b"), document("a b")], {})
    assert len(docs) == 2
    assert report.duplicate_doc_ids == ["d1"]


def test_errata_fix_only_the_records_they_name(ws_nlp):
    (doc_id, start, end, text), fix = next(iter(ERRATA.items()))
    body = " " * fix.start + fix.text + " end"
    fixed = document(body, mention(start, end, text, "Disease"), doc_id=doc_id)
    docs, report, _ = build(ws_nlp, lambda invalid: [fixed], {})
    assert [span.text for span in docs[0].spans[SPANS_KEY]] == [fix.text]
    assert report.errata == [f"{WHERE}: {fix.reason}"]
    other = document(body, mention(start, end, text, "Disease"), doc_id="another")
    with pytest.raises(CorpusError, match=r"source.txt:7: mention text"):
        build(ws_nlp, lambda invalid: [other], {})


def test_real_corpus_errata_match_their_documents(corpora_dir):
    # The NCBI record sits in the training file; the BC2GM one in train/GENE.eval.
    ncbi = (corpora_dir / "ncbi_disease" / "NCBItrainset_corpus.txt").read_text("utf8")
    bc2gm = (corpora_dir / "bc2gm" / "train" / "train.in").read_text("utf8")
    texts = {
        "10923035": next(
            line.split("|", 2)[2] for line in ncbi.splitlines() if line.startswith("10923035|t|")
        )
        + " "
        + next(
            line.split("|", 2)[2] for line in ncbi.splitlines() if line.startswith("10923035|a|")
        ),
        "P02196565T0000": next(
            line.split(" ", 1)[1]
            for line in bc2gm.splitlines()
            if line.startswith("P02196565T0000 ")
        ),
    }
    # The GNormPlus and NLM-Gene records: "PMID|t|title" + " " + "PMID|a|abstract".
    for file in ("gnormplus/GNormPlus_Train.PubTator", "gnormplus/GNormPlus_Test.PubTator",
                 "nlm_gene/NLMgene_Train.PubTator"):  # fmt: skip
        lines = (corpora_dir / file).read_text("utf8").splitlines()
        for match in filter(None, (re.match(r"(\d+)\|([ta])\|(.*)", line) for line in lines)):
            pmid, kind, text = match.groups()
            texts[pmid] = texts[pmid] + " " + text if kind == "a" else text
    for (doc_id, _, _, _), fix in ERRATA.items():
        assert texts[doc_id][fix.start : fix.end] == fix.text, (doc_id, fix)


def test_unknown_and_ignored_types(ws_nlp):
    doc = document("Aspirin and HeLa", mention(0, 7, "Aspirin"), mention(12, 16, "HeLa", "cell"))
    with pytest.raises(CorpusError, match=r"source.txt:7: unknown entity type 'cell'"):
        build(ws_nlp, lambda invalid: [doc], {"Chemical": "Chemical"})
    docs, report, _ = build(ws_nlp, lambda invalid: [doc], {"Chemical": "Chemical"}, skip=True)
    assert report.invalid_mentions == 1
    assert report.skipped_invalid == {"BIOLM-E1065": 1}
    assert accounted(report)
    docs, report, _ = build(
        ws_nlp, lambda invalid: [doc], {"Chemical": "Chemical"}, ignore_types=("cell",)
    )
    assert report.unmapped == {"cell": 1}
    assert ents(docs[0]) == [("Aspirin", "Chemical")]
    assert docs[0]._.annotated_labels == ["Chemical"]


def test_label_scheme_options():
    assert parse_label_map(" protein=Gene, DNA = Gene ,") == {"protein": "Gene", "DNA": "Gene"}
    assert parse_label_map("") == {}
    with pytest.raises(CorpusError, match=r"E1072.*'DNA'"):
        parse_label_map("protein=Gene,DNA")
    with pytest.raises(CorpusError, match="E1073"):
        LabelScheme.create({"cell": "Gene"}, ignore_types=["cell"])
    with pytest.raises(CorpusError, match=r"E1074.*Gene"):
        LabelScheme.create({"protein": "Gene"}, annotated_labels=["Chemical"])
    scheme = LabelScheme.create({"protein": "Gene"}, annotated_labels=["Gene", "Chemical"])
    assert scheme.annotated_labels == ("Chemical", "Gene")
    assert LabelScheme.create({}).annotated_labels is None
    assert LabelScheme.create({}).label(mention(0, 1, "x", "AnyType")) == "AnyType"


def test_source_corpus_limit(ws_nlp):
    docs = [document("a b", doc_id=str(i)) for i in range(5)]
    reader = SourceCorpus(lambda invalid: iter(docs), LabelScheme.create({}), limit=2)
    assert len(list(reader(ws_nlp))) == 2
