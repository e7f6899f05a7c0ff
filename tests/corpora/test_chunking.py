"""Long training docs are cut into chunks that keep every gold mention whole."""

import random

import pytest
import spacy
from spacy.tokens import Doc, DocBin, Span
from spacy.util import filter_spans

from spacy_biolm.annotations import (
    SOURCE_ATTR,
    SPANS_KEY,
    get_annotated_labels,
    has_annotation_status,
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


@pytest.mark.parametrize("status", ["unknown", None, ["Species"]])
def test_chunks_keep_an_unknown_annotation_status_unknown(nlp, status):
    # A doc read without its user data must not become "annotated for every
    # label" by being chunked: biolm_ner warns about unknown status only.
    doc = nlp.make_doc(" ".join([SENTENCE] * 4))
    if status != "unknown":
        set_annotated_labels(doc, status)
    chunks = chunk_doc(doc, 10)
    assert len(chunks) == 4
    for chunk in chunks:
        assert has_annotation_status(chunk) == (status != "unknown")
        assert get_annotated_labels(chunk) == (None if status == "unknown" else status)


def test_cuts_prefer_sentence_ends(nlp):
    chunks = chunk_doc(_long_doc(nlp), 25)
    assert all(chunk[-1].text == "." for chunk in chunks)


def _words_doc(nlp, n_words, mentions):
    """A doc of the words w0 w1 ... with gold `mentions` (start, end, label) in
    doc.spans and, where they do not overlap, doc.ents."""
    spaces = [True] * (n_words - 1) + [False]
    doc = Doc(nlp.vocab, words=[f"w{i}" for i in range(n_words)], spaces=spaces)
    spans = [Span(doc, start, end, label) for start, end, label in mentions]
    doc.spans[SPANS_KEY] = spans
    doc.ents = filter_spans(spans)
    set_annotated_labels(doc, ["Chemical", "Disease", "Gene"])
    return doc


def _chunk_spans(chunks):
    """Per chunk: its text and its gold spans as (start, end, text, label)."""
    return [
        (chunk.text, [(s.start, s.end, s.text, s.label_) for s in chunk.spans[SPANS_KEY]])
        for chunk in chunks
    ]


def test_a_mention_filling_the_second_half_of_the_window_is_kept(nlp):
    # w3..w12 is a 10-token Chemical: every cut in the second half of the first
    # window (tokens 5-10) is inside it; the cut must go before it, at token 3.
    doc = _words_doc(nlp, 15, [(3, 13, "Chemical")])
    chunks = chunk_doc(doc, 10)
    chemical = "w3 w4 w5 w6 w7 w8 w9 w10 w11 w12"
    assert _chunk_spans(chunks) == [
        ("w0 w1 w2 ", []),
        (chemical + " ", [(0, 10, chemical, "Chemical")]),
        ("w13 w14", []),
    ]
    assert [[(e.start, e.end, e.label_) for e in chunk.ents] for chunk in chunks] == [
        [],
        [(0, 10, "Chemical")],
        [],
    ]


def test_a_mention_longer_than_the_chunk_is_kept_whole_in_an_oversize_chunk(nlp):
    doc = _words_doc(nlp, 10, [(0, 8, "Disease")])
    chunks = chunk_doc(doc, 4)
    assert _chunk_spans(chunks) == [
        ("w0 w1 w2 w3 w4 w5 w6 w7 ", [(0, 8, "w0 w1 w2 w3 w4 w5 w6 w7", "Disease")]),
        ("w8 w9", []),
    ]


def test_overlapping_mentions_longer_than_the_chunk_stay_together(nlp):
    # Gene w2..w7 and Disease w6..w12 overlap: no cut between tokens 3 and 12 keeps
    # both, so the second chunk holds 11 tokens although max_tokens is 10.
    doc = _words_doc(nlp, 16, [(2, 8, "Gene"), (6, 13, "Disease")])
    chunks = chunk_doc(doc, 10)
    assert _chunk_spans(chunks) == [
        ("w0 w1 ", []),
        (
            "w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 ",
            [(0, 6, "w2 w3 w4 w5 w6 w7", "Gene"), (4, 11, "w6 w7 w8 w9 w10 w11 w12", "Disease")],
        ),
        ("w13 w14 w15", []),
    ]


def _random_doc(nlp, rng):
    n_words = rng.randint(1, 60)
    words = [rng.choice(["a", "b", "c", ".", "?"]) for _ in range(n_words)]
    spaces = [rng.random() < 0.8 for _ in range(n_words)]
    doc = Doc(nlp.vocab, words=words, spaces=spaces)
    spans = []
    for _ in range(rng.randint(0, 8)):
        start = rng.randrange(n_words)
        end = min(n_words, start + rng.randint(1, 12))
        spans.append(Span(doc, start, end, rng.choice(["Chemical", "Disease", "Gene"])))
    doc.spans[SPANS_KEY] = spans
    doc.ents = filter_spans(spans)
    set_annotated_labels(doc, rng.choice([None, ["Gene"]]))
    doc._.set(SOURCE_ATTR, "random")
    return doc


def _mentions(doc, spans, token_offset=0, char_offset=0):
    """Spans as (doc start, doc end, doc start_char, doc end_char, text, label)."""
    return sorted(
        (
            s.start + token_offset,
            s.end + token_offset,
            s.start_char + char_offset,
            s.end_char + char_offset,
            s.text,
            s.label_,
        )
        for s in spans
    )


def test_random_docs_keep_every_mention_once_and_whole(nlp):
    rng = random.Random(0)
    for _ in range(500):
        doc = _random_doc(nlp, rng)
        max_tokens = rng.randint(1, 15)
        chunks = chunk_doc(doc, max_tokens)
        assert "".join(chunk.text_with_ws for chunk in chunks) == doc.text
        # Brute force: a cut before token i splits a mention if some mention
        # starts before i and ends after it.
        splits = [any(s.start < i < s.end for s in doc.spans[SPANS_KEY]) for i in range(len(doc))]
        found, found_ents = [], []
        token_offset = char_offset = 0
        for chunk in chunks:
            assert len(chunk) > 0
            found += _mentions(chunk, chunk.spans[SPANS_KEY], token_offset, char_offset)
            found_ents += _mentions(chunk, chunk.ents, token_offset, char_offset)
            if len(chunk) > max_tokens:
                # Only when every cut the window allows would split a mention, and
                # no longer than the first cut that splits none.
                end = token_offset + len(chunk)
                assert all(splits[token_offset + 1 : end]), (doc.text, max_tokens)
            assert get_annotated_labels(chunk) == get_annotated_labels(doc)
            assert chunk._.get(SOURCE_ATTR) == "random"
            token_offset += len(chunk)
            char_offset += len(chunk.text_with_ws)
        assert found == _mentions(doc, doc.spans[SPANS_KEY]), (doc.text, max_tokens)
        assert found_ents == _mentions(doc, doc.ents), (doc.text, max_tokens)


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
