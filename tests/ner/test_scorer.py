"""The scorer counts, for each doc, only the labels its reference annotates."""

import pytest
import spacy
from spacy.tokens import Span
from spacy.training import Example
from spacy.util import registry

from spacy_biolm.annotations import SOURCE_ATTR, SPANS_KEY, set_annotated_labels

from .conftest import CHEMICAL, DISEASE, GENE

TEXT = "Aspirin induced hepatitis and BRCA1 deficiency"


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


@pytest.fixture(scope="module")
def score():
    return registry.scorers.get("spacy-biolm.ner_scorer.v1")()


def _doc(nlp, spans, *, key=SPANS_KEY, annotated=None, source=None):
    """A doc of TEXT with (start, end, label) token spans in doc.spans[key] (or
    doc.ents if key is None)."""
    doc = nlp.make_doc(TEXT)
    entities = [Span(doc, start, end, label=label) for start, end, label in spans]
    if key is None:
        doc.ents = entities
    else:
        doc.spans[key] = entities
    set_annotated_labels(doc, annotated)
    doc._.set(SOURCE_ATTR, source)
    return doc


ASPIRIN, HEPATITIS = (0, 1, CHEMICAL), (2, 3, DISEASE)
BRCA1, DEFICIENCY = (4, 5, GENE), (4, 6, DISEASE)


def test_unannotated_labels_are_not_false_positives(nlp, score):
    reference = _doc(nlp, [HEPATITIS], annotated=[DISEASE])
    predicted = _doc(nlp, [ASPIRIN, HEPATITIS, BRCA1])
    scores = score([Example(predicted, reference)])
    assert (scores["ents_p"], scores["ents_r"], scores["ents_f"]) == (1.0, 1.0, 1.0)
    assert set(scores["ents_per_type"]) == {DISEASE}


def test_fully_annotated_docs_count_every_label(nlp, score):
    reference = _doc(nlp, [HEPATITIS], annotated=None)
    predicted = _doc(nlp, [ASPIRIN, HEPATITIS])
    scores = score([Example(predicted, reference)])
    assert scores["ents_p"] == 0.5 and scores["ents_r"] == 1.0
    assert scores["ents_per_type"][CHEMICAL] == {"p": 0.0, "r": 0.0, "f": 0.0}


def test_matches_are_strict_and_overlaps_allowed(nlp, score):
    reference = _doc(nlp, [BRCA1, DEFICIENCY, HEPATITIS])
    predicted = _doc(nlp, [BRCA1, (5, 6, DISEASE), HEPATITIS])
    scores = score([Example(predicted, reference)])
    assert scores["ents_per_type"][GENE]["f"] == 1.0
    assert scores["ents_per_type"][DISEASE] == {"p": 0.5, "r": 0.5, "f": 0.5}


def test_per_corpus_scores(nlp, score):
    examples = [
        Example(_doc(nlp, [HEPATITIS]), _doc(nlp, [HEPATITIS], annotated=[DISEASE], source="ncbi")),
        Example(_doc(nlp, []), _doc(nlp, [ASPIRIN], annotated=[CHEMICAL], source="bc5cdr")),
    ]
    scores = score(examples)
    assert scores["ents_per_corpus"]["ncbi"]["f"] == 1.0
    assert scores["ents_per_corpus"]["bc5cdr"]["r"] == 0.0
    assert scores["ents_per_corpus"]["bc5cdr"]["per_type"] == {
        CHEMICAL: {"p": 0.0, "r": 0.0, "f": 0.0}
    }
    assert scores["ents_r"] == 0.5


def test_doc_ents_when_there_is_no_span_group(nlp, score):
    # A baseline pipeline (spaCy's ner) writes doc.ents only.
    reference = _doc(nlp, [ASPIRIN, HEPATITIS], annotated=[CHEMICAL])
    predicted = _doc(nlp, [HEPATITIS], key=None)
    scores = score([Example(predicted, reference)])
    assert scores["ents_r"] == 0.0 and scores["ents_p"] == 0.0


def test_labels_restrict_scoring(nlp, score):
    reference = _doc(nlp, [ASPIRIN, HEPATITIS])
    predicted = _doc(nlp, [HEPATITIS])
    assert score([Example(predicted, reference)], labels=[DISEASE])["ents_f"] == 1.0
    assert score([Example(predicted, reference)])["ents_r"] == 0.5


def test_nothing_to_score_gives_none(nlp, score):
    reference = _doc(nlp, [], annotated=[GENE])
    predicted = _doc(nlp, [ASPIRIN])
    scores = score([Example(predicted, reference)])
    assert scores["ents_f"] is None and scores["ents_per_type"] == {}
