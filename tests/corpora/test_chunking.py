"""Long training docs are cut into chunks that keep every gold mention whole."""

import pytest
import spacy
from spacy.tokens import DocBin, Span

from spacy_biolm.annotations import (
    SOURCE_ATTR,
    SPANS_KEY,
    get_annotated_labels,
    set_annotated_labels,
)
from spacy_biolm.corpora.chunking import chunk_doc
from spacy_biolm.corpora.merged import MergedCorpus

SENTENCE = "The Escherichia coli strain grew in human serum ."


@pytest.fixture
def nlp():
    return spacy.blank("en")


def _long_doc(nlp, n_sentences=30):
    doc = nlp.make_doc(" ".join([SENTENCE] * n_sentences))
    species = []
    for start in range(0, len(doc), 9):  # "Escherichia coli" and "human" per sentence
        species += [
            Span(doc, start + 1, start + 3, "Species"),
            Span(doc, start + 6, start + 7, "Species"),
        ]
    doc.spans[SPANS_KEY] = species
    doc.ents = species
    set_annotated_labels(doc, ["Species"])
    doc._.set(SOURCE_ATTR, "linnaeus")
    return doc


def test_short_doc_is_untouched(nlp):
    doc = _long_doc(nlp, 2)
    assert chunk_doc(doc, 100) == [doc]
    assert chunk_doc(doc, 0) == [doc]


@pytest.mark.parametrize("max_tokens", [10, 25, 64])
def test_chunks_keep_text_mentions_and_metadata(nlp, max_tokens):
    doc = _long_doc(nlp)
    chunks = chunk_doc(doc, max_tokens)
    assert len(chunks) > 1
    assert all(len(chunk) <= max_tokens for chunk in chunks)
    assert "".join(chunk.text_with_ws for chunk in chunks) == doc.text
    gold = [(span.text, span.label_) for span in doc.spans[SPANS_KEY]]
    kept = [(span.text, span.label_) for chunk in chunks for span in chunk.spans[SPANS_KEY]]
    assert kept == gold
    assert [(e.text, e.label_) for c in chunks for e in c.ents] == gold
    for chunk in chunks:
        assert get_annotated_labels(chunk) == ["Species"]
        assert chunk._.get(SOURCE_ATTR) == "linnaeus"


def test_cuts_prefer_sentence_ends(nlp):
    chunks = chunk_doc(_long_doc(nlp), 25)
    assert all(chunk[-1].text == "." for chunk in chunks)


def test_a_mention_longer_than_the_chunk_is_cut_not_lost(nlp):
    doc = nlp.make_doc("a b c d e f g h")
    doc.spans[SPANS_KEY] = [Span(doc, 0, 8, "Disease")]
    chunks = chunk_doc(doc, 4)
    assert [len(chunk) for chunk in chunks] == [4, 4]
    assert "".join(chunk.text_with_ws for chunk in chunks) == doc.text


def test_merged_reader_chunks_in_train_mode_only(tmp_path, nlp):
    docbin = DocBin(store_user_data=True)
    docbin.add(_long_doc(nlp))
    docbin.to_disk(tmp_path / "train.spacy")
    train = list(MergedCorpus([str(tmp_path)], max_doc_tokens=30)(nlp))
    assert len(train) > 1 and all(len(eg.reference) <= 30 for eg in train)
    assert sum(len(eg.reference.spans[SPANS_KEY]) for eg in train) == 60
    dev = list(MergedCorpus([str(tmp_path)], mode="dev", max_doc_tokens=30)(nlp))
    assert [len(eg.reference) for eg in dev] == [len(_long_doc(nlp))]


def test_dev_per_corpus_limit_covers_every_corpus(tmp_path, nlp):
    for name in ("alpha", "beta"):
        docbin = DocBin(store_user_data=True)
        for i in range(5):
            doc = nlp.make_doc(f"{name} document {i}")
            doc._.set(SOURCE_ATTR, name)
            docbin.add(doc)
        (tmp_path / name).mkdir()
        docbin.to_disk(tmp_path / name / "dev.spacy")
    dev = MergedCorpus([str(tmp_path / "*" / "dev.spacy")], mode="dev", per_corpus_limit=2)
    assert [eg.reference.text for eg in dev(nlp)] == [
        "alpha document 0",
        "alpha document 1",
        "beta document 0",
        "beta document 1",
    ]
