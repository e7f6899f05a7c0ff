"""Gold targets of partially annotated examples: B/I/O per type and the loss mask."""

import logging

import pytest
import spacy
from spacy.tokens import Doc, Span
from spacy.training import Example

from spacy_biolm.annotations import SPANS_KEY, UNKNOWN_SPANS_KEY, set_annotated_labels
from spacy_biolm.ner.gold import make_targets
from spacy_biolm.ner.viterbi import B, I, O

from .conftest import CHEMICAL, DISEASE, GENE, SPECIES, make_example

LABELS = (CHEMICAL, DISEASE, GENE, SPECIES)


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


def _column(targets, label):
    return targets.tags[:, LABELS.index(label)].tolist()


def test_unannotated_labels_are_masked(nlp):
    example = make_example(nlp, "Aspirin induced hepatitis .", [("hepatitis", DISEASE)], [DISEASE])
    targets = make_targets(example, LABELS, spans_key=SPANS_KEY)
    assert targets.mask[:, LABELS.index(DISEASE)].all()
    assert not targets.mask[:, [0, 2, 3]].any()
    assert _column(targets, DISEASE) == [O, O, B, O]


def test_fully_annotated_doc_teaches_o_everywhere_else(nlp):
    example = make_example(nlp, "BRCA1 deficiency in mice", [("BRCA1 deficiency", DISEASE)])
    targets = make_targets(example, LABELS, spans_key=SPANS_KEY)
    assert targets.mask.all()
    assert _column(targets, DISEASE) == [B, I, O, O]
    assert _column(targets, GENE) == [O, O, O, O]


def test_overlapping_types_are_both_encoded(nlp):
    mentions = [("BRCA1", GENE), ("BRCA1 deficiency", DISEASE)]
    targets = make_targets(
        make_example(nlp, "BRCA1 deficiency", mentions), LABELS, spans_key=SPANS_KEY
    )
    assert _column(targets, GENE) == [B, O]
    assert _column(targets, DISEASE) == [B, I]
    assert targets.n_dropped == 0


def test_overlapping_spans_of_one_label_keep_the_longest(nlp, caplog):
    text = "type 2 diabetes mellitus onset"
    mentions = [
        ("2 diabetes", DISEASE),
        ("type 2 diabetes mellitus", DISEASE),
        ("mellitus onset", DISEASE),
    ]
    with caplog.at_level(logging.DEBUG, logger="spacy_biolm"):
        targets = make_targets(make_example(nlp, text, mentions), LABELS, spans_key=SPANS_KEY)
    assert targets.n_dropped == 2
    assert _column(targets, DISEASE)[:4] == [B, I, I, I]
    # "onset" belongs to a dropped gold span: unknown rather than O.
    assert targets.mask[:, LABELS.index(DISEASE)].tolist() == [True] * 4 + [False]
    assert "Dropped 2 gold spans" in caplog.text


def test_misaligned_gold_span_is_masked_not_taught_o(nlp):
    text = "IL-2-dependent growth"
    reference = Doc(nlp.vocab, words=["IL-2", "-dependent", "growth"], spaces=[False, True, False])
    reference.spans[SPANS_KEY] = [Span(reference, 0, 1, label=GENE)]
    set_annotated_labels(reference, None)
    predicted = Doc(nlp.vocab, words=["IL-2-dependent", "growth"], spaces=[True, False])
    assert predicted.text == reference.text == text
    targets = make_targets(Example(predicted, reference), LABELS, spans_key=SPANS_KEY)
    gene = LABELS.index(GENE)
    assert targets.mask[:, gene].tolist() == [False, True]
    assert targets.tags[:, gene].tolist() == [O, O]
    assert targets.mask[:, LABELS.index(CHEMICAL)].all()


def test_gold_from_doc_ents_masks_missing_tokens(nlp):
    reference = nlp.make_doc("Aspirin and cisplatin were given")
    reference.set_ents([Span(reference, 0, 1, label=CHEMICAL)], missing=[reference[2:3]])
    example = Example(nlp.make_doc(reference.text), reference)
    targets = make_targets(example, LABELS, spans_key=SPANS_KEY)
    assert _column(targets, CHEMICAL) == [B, O, O, O, O]
    assert targets.mask.all(axis=1).tolist() == [True, True, False, True, True]


def test_labels_outside_the_component_are_ignored(nlp):
    example = make_example(nlp, "HeLa cells grew", [("HeLa", "CellLine")])
    targets = make_targets(example, LABELS, spans_key=SPANS_KEY)
    assert (targets.tags == O).all()
    assert targets.mask.all()


def test_exclusive_labels_make_gold_spans_negatives_for_unannotated_labels(nlp):
    # A gene-only corpus: without exclusive, Chemical is masked everywhere, so
    # nothing tells the model that "BRCA1" is not a chemical.
    text = "BRCA1 binds aspirin ."
    example = make_example(nlp, text, [("BRCA1", GENE)], [GENE])
    plain = make_targets(example, LABELS, spans_key=SPANS_KEY)
    assert not plain.mask[:, LABELS.index(CHEMICAL)].any()
    targets = make_targets(example, LABELS, spans_key=SPANS_KEY, exclusive=True)
    assert targets.mask[:, LABELS.index(GENE)].all()
    for label in (CHEMICAL, DISEASE, SPECIES):
        # Known O on the gene's token only; "aspirin" (not annotated) stays masked.
        assert targets.mask[:, LABELS.index(label)].tolist() == [True, False, False, False]
        assert _column(targets, label) == [O, O, O, O]
    assert _column(targets, GENE) == [B, O, O, O]


def test_exclusive_labels_change_nothing_in_a_fully_annotated_doc(nlp):
    mentions = [("BRCA1", GENE), ("BRCA1 deficiency", DISEASE)]
    example = make_example(nlp, "BRCA1 deficiency", mentions)
    plain = make_targets(example, LABELS, spans_key=SPANS_KEY)
    exclusive = make_targets(example, LABELS, spans_key=SPANS_KEY, exclusive=True)
    assert (plain.tags == exclusive.tags).all() and (plain.mask == exclusive.mask).all()


def test_exclusive_labels_leave_unaligned_gold_tokens_masked(nlp):
    # The gold gene "IL-2" does not align to the predicted token "IL-2-dependent":
    # unknown for Gene, so it must not become a known negative for other labels.
    reference = Doc(nlp.vocab, words=["IL-2", "-dependent", "growth"], spaces=[False, True, False])
    reference.spans[SPANS_KEY] = [Span(reference, 0, 1, label=GENE)]
    set_annotated_labels(reference, [GENE])
    predicted = Doc(nlp.vocab, words=["IL-2-dependent", "growth"], spaces=[True, False])
    targets = make_targets(
        Example(predicted, reference), LABELS, spans_key=SPANS_KEY, exclusive=True
    )
    assert targets.mask[:, LABELS.index(GENE)].tolist() == [False, True]
    assert not targets.mask[:, LABELS.index(CHEMICAL)].any()


def _mark_unknown(example, words, label):
    """Put the first token with each text in the reference's unknown span group."""
    reference = example.reference
    by_text = {}
    for token in reference:
        by_text.setdefault(token.text, token.i)
    reference.spans[UNKNOWN_SPANS_KEY] = [
        Span(reference, by_text[word], by_text[word] + 1, label=label) for word in words
    ]
    return example


@pytest.mark.parametrize("exclusive", [False, True])
def test_unknown_words_are_masked_for_their_label_only(nlp, exclusive):
    # An S800-like doc: Species and Chemical annotated, "patients" unknown for Species.
    text = "patients and rats got aspirin"
    mentions = [("rats", SPECIES), ("aspirin", CHEMICAL)]
    example = make_example(nlp, text, mentions, [SPECIES, CHEMICAL])
    _mark_unknown(example, ["patients"], SPECIES)
    targets = make_targets(example, LABELS, spans_key=SPANS_KEY, exclusive=exclusive)
    assert targets.mask[:, LABELS.index(SPECIES)].tolist() == [False, True, True, True, True]
    assert targets.mask[:, LABELS.index(CHEMICAL)].tolist() == [True] * 5
    assert _column(targets, SPECIES) == [O, O, B, O, O]
    # Disease is not annotated: masked, except the gold spans' tokens with exclusive.
    disease = [False, False, True, False, True] if exclusive else [False] * 5
    assert targets.mask[:, LABELS.index(DISEASE)].tolist() == disease


def test_a_gold_span_wins_over_an_unknown_word(nlp):
    text = "patients and Wistar rats"
    example = make_example(nlp, text, [("Wistar rats", SPECIES)], [SPECIES])
    _mark_unknown(example, ["patients", "rats"], SPECIES)
    targets = make_targets(example, LABELS, spans_key=SPANS_KEY)
    assert targets.mask[:, LABELS.index(SPECIES)].tolist() == [False, True, True, True]
    assert _column(targets, SPECIES) == [O, O, B, I]


def test_exclusive_labels_keep_unknown_words_unknown(nlp):
    # A disease-only doc: exclusive makes the disease's tokens known O for Species,
    # except "murine", which its corpus marks unknown for Species.
    text = "murine leukemia in men"
    example = make_example(nlp, text, [("murine leukemia", DISEASE)], [DISEASE])
    _mark_unknown(example, ["murine", "men"], SPECIES)
    targets = make_targets(example, LABELS, spans_key=SPANS_KEY, exclusive=True)
    assert targets.mask[:, LABELS.index(SPECIES)].tolist() == [False, True, False, False]
    assert targets.mask[:, LABELS.index(CHEMICAL)].tolist() == [True, True, False, False]


def test_unknown_words_align_like_gold_spans(nlp):
    # "rats" is one reference token but part of the predicted token "rats-treated":
    # every predicted token overlapping it is unknown.
    reference = Doc(nlp.vocab, words=["rats", "-treated", "cells"], spaces=[False, True, False])
    reference.spans[SPANS_KEY] = []
    reference.spans[UNKNOWN_SPANS_KEY] = [Span(reference, 0, 1, label=SPECIES)]
    set_annotated_labels(reference, None)
    predicted = Doc(nlp.vocab, words=["rats-treated", "cells"], spaces=[True, False])
    targets = make_targets(Example(predicted, reference), LABELS, spans_key=SPANS_KEY)
    assert targets.mask[:, LABELS.index(SPECIES)].tolist() == [False, True]
    assert targets.mask[:, LABELS.index(GENE)].tolist() == [True, True]
