"""Span conventions on gold entities: trailing head nouns cut off Gene spans."""

import logging

import pytest
import spacy
from spacy.tokens import DocBin, Span
from spacy.util import registry
from thinc.api import Config

from spacy_biolm.annotations import SOURCE_ATTR, SPANS_KEY, set_annotated_labels
from spacy_biolm.corpora.conventions import GENE_HEAD_NOUNS, trim_trailing_words

TRIM = {"Gene": GENE_HEAD_NOUNS}


@pytest.fixture
def nlp():
    return spacy.blank("en")


def _doc(nlp, text, mentions):
    doc = nlp.make_doc(text)
    spans = []
    for mention, label in mentions:
        start = text.index(mention)
        spans.append(doc.char_span(start, start + len(mention), label=label))
    doc.spans[SPANS_KEY] = spans
    doc.ents = spans
    return doc


def test_gene_head_nouns_are_cut_and_become_o(nlp):
    text = "BRCA1 gene mutations and c-fos mRNA and the insulin receptor in mice"
    mentions = [
        ("BRCA1 gene mutations", "Gene"),
        ("c-fos mRNA", "Gene"),
        ("insulin receptor", "Gene"),
        ("mice", "Species"),
    ]
    doc = _doc(nlp, text, mentions)
    counts = trim_trailing_words(doc, TRIM, SPANS_KEY)
    assert counts == {"Gene": 2}
    assert [(s.text, s.label_) for s in doc.spans[SPANS_KEY]] == [
        ("BRCA1", "Gene"),
        ("c-fos", "Gene"),
        ("insulin receptor", "Gene"),
        ("mice", "Species"),
    ]
    assert [s.text for s in doc.ents] == ["BRCA1", "c-fos", "insulin receptor", "mice"]
    # The cut tokens are O (not missing), so the loss teaches the convention.
    assert [t.ent_iob_ for t in doc[1:3]] == ["O", "O"]


def test_a_span_made_only_of_head_nouns_is_kept(nlp):
    doc = _doc(nlp, "the gene was cloned", [("gene", "Gene")])
    assert trim_trailing_words(doc, TRIM, SPANS_KEY) == {}
    assert [s.text for s in doc.spans[SPANS_KEY]] == ["gene"]


def test_other_labels_and_kb_ids_are_untouched(nlp):
    doc = _doc(nlp, "breast cancer gene", [("breast cancer gene", "Disease")])
    doc.spans[SPANS_KEY] = [Span(doc, 0, 3, label="Disease", kb_id="MESH:D001943")]
    trim_trailing_words(doc, TRIM, SPANS_KEY)
    assert [(s.text, s.kb_id_) for s in doc.spans[SPANS_KEY]] == [
        ("breast cancer gene", "MESH:D001943")
    ]


def test_merged_reader_applies_the_convention_in_both_modes(tmp_path, nlp, caplog):
    docbin = DocBin(store_user_data=True)
    for i in range(3):
        doc = _doc(nlp, f"doc {i} : the BRCA1 gene", [("BRCA1 gene", "Gene")])
        set_annotated_labels(doc, ["Gene"])
        doc._.set(SOURCE_ATTR, "bc2gm")
        docbin.add(doc)
    docbin.to_disk(tmp_path / "train.spacy")
    config = Config().from_str(
        f"""
        [train]
        @readers = "spacy-biolm.MergedCorpus.v1"
        paths = "{tmp_path}/train.spacy"

        [train.trim_trailing]
        Gene = ["gene"]

        [dev]
        @readers = "spacy-biolm.MergedCorpus.v1"
        paths = "{tmp_path}/train.spacy"
        mode = "dev"
        trim_trailing = {{"Gene": ["gene"]}}
        """
    )
    readers = registry.resolve(config)
    with caplog.at_level(logging.INFO, logger="spacy_biolm"):
        for name in ("train", "dev"):
            examples = list(readers[name](nlp))
            assert len(examples) == 3
            for example in examples:
                assert [s.text for s in example.reference.spans[SPANS_KEY]] == ["BRCA1"]
    assert "bc2gm Gene 3" in caplog.text
    # Without the setting the spans stay as converted.
    plain = registry.resolve(Config().from_str(config.to_str().split("[train.trim")[0]))
    example = next(iter(plain["train"](nlp)))
    assert [s.text for s in example.reference.spans[SPANS_KEY]] == ["BRCA1 gene"]
