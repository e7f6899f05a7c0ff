"""Constrained decoding: the best valid B/I/O path per type, spans, scores, and
the policies that choose doc.ents."""

import itertools
import time

import numpy
import pytest
import spacy
from spacy.tokens import Span

from spacy_biolm.ner.decoding import (
    B,
    I,
    O,
    decode_entities,
    make_ents_by_length,
    make_ents_by_score,
    tags_to_spans,
    viterbi_bio,
)


def _is_valid(tags):
    previous = O
    for tag in tags:
        if tag == I and previous == O:
            return False
        previous = tag
    return True


def _brute_force(log_probs):
    """The best valid path of one label by enumerating every path."""
    paths = (p for p in itertools.product((O, B, I), repeat=len(log_probs)) if _is_valid(p))
    return max(paths, key=lambda path: sum(log_probs[t, tag] for t, tag in enumerate(path)))


def _probs(rows):
    """(n_tokens, 3) probabilities of one label from rows of (O, B, I)."""
    return numpy.asarray(rows, dtype="float32")


def test_viterbi_repairs_an_i_after_o():
    # Greedy argmax would read O I I: an I may not follow an O, so the best valid
    # path starts the entity with B on the second token instead.
    probs = _probs([[0.8, 0.1, 0.1], [0.1, 0.35, 0.55], [0.1, 0.1, 0.8]])
    assert viterbi_bio(numpy.log(probs)[None]).tolist() == [[O, B, I]]


def test_viterbi_never_starts_with_i():
    probs = _probs([[0.3, 0.2, 0.5], [0.1, 0.1, 0.8]])
    tags = viterbi_bio(numpy.log(probs)[None])[0]
    assert tags[0] != I
    assert tags.tolist() == [B, I]


def test_viterbi_drops_an_unsupported_i_when_o_is_cheaper():
    # O I where B is very unlikely: the best valid path is O O.
    probs = _probs([[0.9, 0.05, 0.05], [0.45, 0.01, 0.54]])
    assert viterbi_bio(numpy.log(probs)[None]).tolist() == [[O, O]]


@pytest.mark.parametrize("seed", range(3))
def test_viterbi_matches_brute_force(seed):
    rng = numpy.random.default_rng(seed)
    for n_tokens in range(1, 8):
        probs = rng.dirichlet([0.4, 0.4, 0.4], size=(5, n_tokens))
        tags = viterbi_bio(numpy.log(probs))
        for label in range(5):
            assert tuple(tags[label]) == _brute_force(numpy.log(probs[label]))


def test_viterbi_decodes_each_label_independently():
    chemical = [[0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0.8, 0.1, 0.1]]
    disease = [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]
    tags = viterbi_bio(numpy.log(numpy.asarray([chemical, disease])))
    assert tags.tolist() == [[B, I, O], [O, B, I]]


def test_viterbi_empty():
    assert viterbi_bio(numpy.zeros((4, 0, 3))).shape == (4, 0)


def test_tags_to_spans():
    tags = numpy.asarray([[B, I, O, B, B, I, I], [O, O, O, O, O, O, B]])
    labels, starts, ends = tags_to_spans(tags)
    found = sorted(zip(labels.tolist(), starts.tolist(), ends.tolist()))
    assert found == [(0, 0, 2), (0, 3, 4), (0, 4, 7), (1, 6, 7)]


def test_decode_entities_scores_are_mean_tag_probabilities():
    # Two labels: columns O, B, I of label 0, then of label 1.
    probs = numpy.asarray(
        [
            [0.1, 0.7, 0.2, 0.9, 0.05, 0.05],
            [0.1, 0.1, 0.8, 0.2, 0.6, 0.2],
            [0.9, 0.05, 0.05, 0.3, 0.1, 0.6],
        ],
        dtype="float32",
    )
    entities = decode_entities(probs, threshold=0.0)
    assert entities.starts.tolist() == [0, 1]
    assert entities.ends.tolist() == [2, 3]
    assert entities.labels.tolist() == [0, 1]
    assert entities.scores == pytest.approx([(0.7 + 0.8) / 2, (0.6 + 0.6) / 2])


def test_decode_entities_uses_the_constrained_path():
    # Token-wise argmax reads O I I, which holds no entity; the valid path O B I does.
    probs = _probs([[0.8, 0.1, 0.1], [0.1, 0.35, 0.55], [0.1, 0.1, 0.8]])
    entities = decode_entities(probs, threshold=0.0)
    assert (entities.starts.tolist(), entities.ends.tolist()) == ([1], [3])
    assert entities.scores == pytest.approx([(0.35 + 0.8) / 2])


def test_decode_entities_threshold_drops_doubtful_spans():
    probs = numpy.asarray([[0.3, 0.4, 0.3], [0.05, 0.9, 0.05]], dtype="float32")
    assert decode_entities(probs, threshold=0.0).starts.tolist() == [0, 1]
    assert decode_entities(probs, threshold=0.5).starts.tolist() == [1]


@pytest.mark.parametrize("seed", range(3))
def test_decode_entities_spans_are_valid_and_scored(seed):
    rng = numpy.random.default_rng(seed)
    probs = rng.dirichlet([0.3, 0.3, 0.3], size=(300, 4)).reshape(300, 12)
    entities = decode_entities(probs, threshold=0.0)
    assert len(entities.starts) > 0
    assert ((entities.scores >= 0) & (entities.scores <= 1)).all()
    for label in range(4):
        mine = entities.labels == label
        bounds = sorted(zip(entities.starts[mine], entities.ends[mine]))
        assert all(end <= next_start for (_, end), (next_start, _) in zip(bounds, bounds[1:]))


def test_decode_entities_is_fast_on_a_30000_character_document():
    # ~6,000 tokens × 4 labels, the size of a long full text.
    rng = numpy.random.default_rng(0)
    probs = rng.dirichlet([1.0, 0.2, 0.2], size=(6000, 4)).reshape(6000, 12)
    start = time.perf_counter()
    entities = decode_entities(probs)
    assert time.perf_counter() - start < 1.0
    assert entities.ends.max() <= 6000


@pytest.fixture
def overlapping():
    doc = spacy.blank("en")("BRCA1 deficiency in patients")
    gene = Span(doc, 0, 1, label="Gene")
    disease = Span(doc, 0, 2, label="Disease")
    species = Span(doc, 3, 4, label="Species")
    return [gene, disease, species]


def test_ents_by_score_keeps_the_more_confident(overlapping):
    policy = make_ents_by_score()
    assert [s.label_ for s in policy(overlapping, [0.9, 0.8, 0.7])] == ["Gene", "Species"]
    assert [s.label_ for s in policy(overlapping, [0.8, 0.9, 0.7])] == ["Disease", "Species"]


def test_ents_by_score_ties_go_to_the_longer(overlapping):
    policy = make_ents_by_score()
    assert [s.label_ for s in policy(overlapping, [0.9, 0.9, 0.7])] == ["Disease", "Species"]


def test_ents_by_length_keeps_the_longer(overlapping):
    policy = make_ents_by_length()
    assert [s.label_ for s in policy(overlapping, [0.99, 0.6, 0.7])] == ["Disease", "Species"]
