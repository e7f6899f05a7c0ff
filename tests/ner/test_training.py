"""What a pipeline trained on a tiny merged, partially annotated set predicts."""

import pytest
import spacy

from spacy_biolm.annotations import SPANS_KEY
from spacy_biolm.ner.component import SCORES_KEY, score_key

from .conftest import CHEMICAL, DISEASE, GENE, TRAIN_DATA, make_example

FILLER = "The samples were analysed in patients . "


def _entities(doc):
    return {(span.text, span.label_) for span in doc.spans[SPANS_KEY]}


@pytest.mark.parametrize(
    "text,expected",
    [
        # A disease-only training doc: its chemical was never annotated there.
        (
            "Aspirin induced hepatitis in patients .",
            {("Aspirin", CHEMICAL), ("hepatitis", DISEASE)},
        ),
        # A chemical-only training doc: its disease was never annotated there.
        (
            "Patients with hepatitis received aspirin daily .",
            {("aspirin", CHEMICAL), ("hepatitis", DISEASE)},
        ),
        # A new doc: a chemical from the chemical corpus, a disease from the disease corpus.
        (
            "Rats with hypotension were given cisplatin .",
            {("cisplatin", CHEMICAL), ("hypotension", DISEASE)},
        ),
    ],
)
def test_partially_annotated_corpora_teach_every_type(trained_nlp, text, expected):
    assert expected <= _entities(trained_nlp(text))


def test_training_set_is_fitted(trained_nlp):
    examples = [make_example(trained_nlp, *row) for row in TRAIN_DATA]
    scores = trained_nlp.evaluate(examples)
    assert scores["ents_f"] == 1.0
    assert set(scores["ents_per_corpus"]) == {"chemical", "disease", "full", "gene", "species"}


def test_overlapping_types_and_flat_ents(trained_nlp):
    doc = trained_nlp("BRCA1 deficiency was found in patients with diabetes .")
    assert {("BRCA1", GENE), ("BRCA1 deficiency", DISEASE)} <= _entities(doc)
    tokens = [i for ent in doc.ents for i in range(ent.start, ent.end)]
    assert len(tokens) == len(set(tokens))
    predicted = {(s.start, s.end, s.label_): s._.biolm_score for s in doc.spans[SPANS_KEY]}
    kept = [(e.start, e.end, e.label_) for e in doc.ents]
    assert set(kept) <= set(predicted)
    # The default policy: every prediction left out of doc.ents overlaps a kept
    # entity that is more confident (or as confident and longer).
    for (start, end, label), score in predicted.items():
        if (start, end, label) in kept:
            continue
        rivals = [k for k in kept if k[0] < end and start < k[1]]
        assert any((predicted[k], k[1] - k[0]) >= (score, end - start) for k in rivals), (
            start,
            end,
            label,
        )
    assert [(t.ent_iob_, t.ent_type_) for t in doc[:2]] in (
        [("B", GENE), ("O", "")],
        [("B", DISEASE), ("I", DISEASE)],
    )


def test_length_policy_prefers_the_disease_name(trained_dir):
    policy = {"@misc": "spacy-biolm.ents_by_length.v1"}
    config = {"components": {"biolm_ner": {"ents_policy": policy}}}
    nlp = spacy.load(trained_dir, config=config)
    doc = nlp("BRCA1 deficiency was found in patients with diabetes .")
    assert ("BRCA1 deficiency", DISEASE) in {(e.text, e.label_) for e in doc.ents}
    assert ("BRCA1", GENE) in _entities(doc)


def test_scores_are_probabilities(trained_nlp):
    for text, *_ in TRAIN_DATA:
        doc = trained_nlp(text)
        spans = list(doc.spans[SPANS_KEY]) + list(doc.ents)
        assert spans
        assert all(0.0 <= span._.biolm_score <= 1.0 for span in spans)
        group = doc.spans[SPANS_KEY]
        keyed = {score_key(s.start, s.end, s.label_): s._.biolm_score for s in group}
        assert group.attrs[SCORES_KEY] == keyed


@pytest.fixture(scope="module")
def counts_by_threshold(trained_dir):
    """Predicted spans and their scores at thresholds set when loading."""
    text = "Cisplatin induced hypotension in patients ."
    found = {}
    for threshold in (0.0, 0.5, 1.0):
        config = {"components": {"biolm_ner": {"threshold": threshold}}}
        doc = spacy.load(trained_dir, config=config)(text)
        found[threshold] = [span._.biolm_score for span in doc.spans[SPANS_KEY]]
    return found


def test_threshold_trades_recall_for_precision(counts_by_threshold):
    for threshold, scores in counts_by_threshold.items():
        assert all(score >= threshold for score in scores)
    sizes = {threshold: len(scores) for threshold, scores in counts_by_threshold.items()}
    assert sizes[0.0] >= sizes[0.5] > sizes[1.0] == 0


def test_label_thresholds_set_when_loading(trained_dir):
    # Disease at 1.0 keeps no disease; the other labels keep the default 0.5.
    text = "Cisplatin induced hypotension in patients ."
    default = spacy.load(trained_dir)(text)
    config = {"components": {"biolm_ner": {"label_thresholds": {DISEASE: 1.0}}}}
    strict = spacy.load(trained_dir, config=config)(text)
    spans = {(s.text, s.label_) for s in default.spans[SPANS_KEY]}
    assert any(label == DISEASE for _, label in spans)
    kept = {(s.text, s.label_) for s in strict.spans[SPANS_KEY]}
    assert kept == {(t, label) for t, label in spans if label != DISEASE}
    assert all(ent.label_ != DISEASE for ent in strict.ents)


def test_entities_near_the_end_of_a_30000_character_document(trained_nlp):
    ending = "Aspirin induced hepatitis in patients ."
    text = (FILLER * (30_000 // len(FILLER) + 1))[:30_000] + ending
    doc = trained_nlp(text)
    assert len(doc.text) > 30_000
    at_end = {
        (span.text, span.label_)
        for span in doc.spans[SPANS_KEY]
        if span.start_char >= len(text) - len(ending)
    }
    assert {("Aspirin", CHEMICAL), ("hepatitis", DISEASE)} <= at_end
