"""Words a corpus leaves unannotated for a label it annotates: unknown, not O.

S800 annotates species but never "patients" or "rats", which LINNAEUS and BioRED
annotate; the merged reader marks such words unknown in S800's docs only.
"""

import logging

import pytest
import spacy
from spacy.tokens import Doc, DocBin
from spacy.util import registry
from thinc.api import Config

from spacy_biolm.annotations import (
    SOURCE_ATTR,
    SPANS_KEY,
    UNKNOWN_SPANS_KEY,
    set_annotated_labels,
)
from spacy_biolm.corpora.chunking import chunk_doc
from spacy_biolm.corpora.conventions import S800_UNANNOTATED_SPECIES, mark_unknown_words
from spacy_biolm.corpora.merged import MergedCorpus

from .test_conventions import _doc as gold_doc

SPECIES = {"Species": S800_UNANNOTATED_SPECIES}
# 0 12, 1 patients, 2 and, 3 3, 4 Wistar, 5 rats, 6 ;, 7 the, 8 patient, 9 and,
# 10 a, 11 man, 12 .
S800_TEXT = "12 patients and 3 Wistar rats ; the patient and a man ."
S800_IOB = ["O", "", "O", "O", "B", "I", "O", "O", "", "O", "O", "", "O"]
S800_UNKNOWN = [("patients", "Species"), ("patient", "Species"), ("man", "Species")]
LINNAEUS_TEXT = "patients and mice ."


@pytest.fixture
def nlp():
    return spacy.blank("en")


def _doc(nlp, text, mentions, source=None) -> Doc:
    doc = gold_doc(nlp, text, mentions)
    set_annotated_labels(doc, sorted({label for _, label in mentions}))
    doc._.set(SOURCE_ATTR, source)
    return doc


def _unknown(doc):
    return [(span.text, span.label_) for span in doc.spans.get(UNKNOWN_SPANS_KEY, [])]


def test_words_outside_gold_spans_of_their_label_become_unknown(nlp):
    doc = _doc(nlp, S800_TEXT, [("Wistar rats", "Species")])
    assert mark_unknown_words(doc, SPECIES, SPANS_KEY) == {"Species": 3}
    assert _unknown(doc) == S800_UNKNOWN
    # Missing for spaCy's ner; the gold entity is kept.
    assert [token.ent_iob_ for token in doc] == S800_IOB
    assert [(ent.text, ent.label_) for ent in doc.ents] == [("Wistar rats", "Species")]
    assert [span.text for span in doc.spans[SPANS_KEY]] == ["Wistar rats"]


def test_a_word_inside_an_entity_of_another_label_keeps_that_entity(nlp):
    doc = _doc(nlp, "rats bite fever in rats", [("rats bite fever", "Disease")])
    assert mark_unknown_words(doc, {"Species": ["rats"]}, SPANS_KEY) == {"Species": 2}
    assert _unknown(doc) == [("rats", "Species"), ("rats", "Species")]
    assert [(ent.text, ent.label_) for ent in doc.ents] == [("rats bite fever", "Disease")]
    assert [token.ent_iob_ for token in doc] == ["B", "I", "I", "O", ""]


def test_chunks_keep_the_unknown_words(nlp):
    doc = _doc(nlp, S800_TEXT, [("Wistar rats", "Species")])
    mark_unknown_words(doc, SPECIES, SPANS_KEY)
    chunks = chunk_doc(doc, 7)
    assert [len(chunk) for chunk in chunks] == [7, 6]
    assert [_unknown(chunk) for chunk in chunks] == [S800_UNKNOWN[:1], S800_UNKNOWN[1:]]
    assert [token.ent_iob_ for chunk in chunks for token in chunk] == S800_IOB


@pytest.fixture
def corpus_dir(tmp_path, nlp):
    docs = {
        "s800": [_doc(nlp, S800_TEXT, [("Wistar rats", "Species")], "s800")] * 2,
        # LINNAEUS annotates "patients"; here it does not, which must stay O.
        "linnaeus": [_doc(nlp, LINNAEUS_TEXT, [("mice", "Species")], "linnaeus")],
    }
    for name, corpus in docs.items():
        docbin = DocBin(store_user_data=True, docs=corpus)
        (tmp_path / name).mkdir()
        docbin.to_disk(tmp_path / name / "train.spacy")
    return tmp_path


def _config(corpus_dir, setting=""):
    return Config().from_str(
        f"""
        [train]
        @readers = "spacy-biolm.MergedCorpus.v1"
        paths = "{corpus_dir}/*/train.spacy"
        {setting}

        [dev]
        @readers = "spacy-biolm.MergedCorpus.v1"
        paths = "{corpus_dir}/*/train.spacy"
        mode = "dev"
        {setting}
        """
    )


@pytest.mark.parametrize("words", ['"S800_UNANNOTATED_SPECIES"', '["patients", "patient", "MAN"]'])
def test_merged_reader_marks_the_named_corpus_only(corpus_dir, nlp, caplog, words):
    setting = f'unknown_words = {{"s800": {{"Species": {words}}}}}'
    readers = registry.resolve(_config(corpus_dir, setting))
    with caplog.at_level(logging.INFO, logger="spacy_biolm"):
        for mode in ("train", "dev"):
            examples = list(readers[mode](nlp))
            assert {example.reference._.biolm_source for example in examples} == {
                "s800",
                "linnaeus",
            }
            for example in examples:
                reference = example.reference
                if reference._.biolm_source == "s800":
                    assert _unknown(reference) == S800_UNKNOWN
                    assert [token.ent_iob_ for token in reference] == S800_IOB
                    # What spaCy's ner trains on: None is missing, not O.
                    assert example.get_aligned_ner() == [
                        "O", None, "O", "O", "B-Species", "L-Species", "O",
                        "O", None, "O", "O", None, "O",
                    ]  # fmt: skip
                else:
                    assert UNKNOWN_SPANS_KEY not in reference.spans
                    assert reference[0].ent_iob_ == "O"
    for mode in ("train", "dev"):
        assert f"Tokens marked unknown by unknown_words ({mode} reader): s800 Species 6" in (
            caplog.text
        )


def test_merged_reader_without_the_setting_leaves_docs_as_converted(corpus_dir, nlp):
    files = sorted(corpus_dir.glob("*/train.spacy"))
    stored = [
        doc.to_bytes() for path in files for doc in DocBin().from_disk(path).get_docs(nlp.vocab)
    ]
    plain = MergedCorpus([str(path) for path in files], mode="dev")
    assert [example.reference.to_bytes() for example in plain(nlp)] == stored
    # The same files with the setting: the S800 docs change, so the check can fail.
    marked = MergedCorpus(
        [str(path) for path in files], mode="dev", unknown_words={"s800": SPECIES}
    )
    assert [example.reference.to_bytes() for example in marked(nlp)] != stored


def test_a_word_list_is_named_or_spelt_out(corpus_dir, nlp):
    # trim_trailing takes names too: "rats" is cut off "Wistar rats".
    setting = 'trim_trailing = {"Species": "S800_UNANNOTATED_SPECIES"}'
    examples = list(registry.resolve(_config(corpus_dir, setting))["dev"](nlp))
    assert [[span.text for span in eg.reference.spans[SPANS_KEY]] for eg in examples] == [
        ["mice"],
        ["Wistar"],
        ["Wistar"],
    ]
    with pytest.raises(ValueError, match="E1189.*S800_UNANNOTATED_SPECIES"):
        MergedCorpus([str(corpus_dir)], unknown_words={"s800": {"Species": "S800_SPECIES"}})
