"""Constrained decoding: the best valid B/I/O path per type, spans, scores, and
the policies that choose doc.ents."""

import itertools

import numpy
import pytest
import spacy
from spacy.tokens import Span

from spacy_biolm.ner.viterbi import (
    B,
    I,
    O,
    decode_entities,
    make_ents_by_length_v1,
    make_ents_by_score_v1,
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


def _textbook_viterbi(log_probs):
    """The best valid path of one label by the usual token-by-token recursion with
    back-pointers (the library uses a parallel scan instead)."""
    allowed_before = {O: (O, B, I), B: (O, B, I), I: (B, I)}
    score = {O: log_probs[0, O], B: log_probs[0, B], I: -numpy.inf}
    back = []
    for t in range(1, len(log_probs)):
        pointers = {tag: max(allowed_before[tag], key=score.get) for tag in (O, B, I)}
        score = {tag: score[pointers[tag]] + log_probs[t, tag] for tag in (O, B, I)}
        back.append(pointers)
    path = [max(score, key=score.get)]
    for pointers in reversed(back):
        path.append(pointers[path[-1]])
    return path[::-1]


def _spans_with_mean_scores(probs, label, path):
    """(start, end, label, score) of each span of a path: the mean probability of
    the decoded tags (B first, then I) over the span's tokens."""
    spans = []
    for start, tag in enumerate(path):
        if tag != B:
            continue
        end = start + 1
        while end < len(path) and path[end] == I:
            end += 1
        tag_probs = [probs[start, B]] + [probs[t, I] for t in range(start + 1, end)]
        spans.append((start, end, label, sum(tag_probs) / len(tag_probs)))
    return spans


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


def test_decode_entities_threshold_per_label():
    # Two labels with the same spans: label 0's threshold 0.95 drops its span at
    # token 1 (score 0.9), label 1's threshold 0.2 keeps both of its spans.
    one = [[0.3, 0.4, 0.3], [0.05, 0.9, 0.05]]
    probs = numpy.concatenate([numpy.asarray(one), numpy.asarray(one)], axis=1)
    entities = decode_entities(probs, threshold=numpy.asarray([0.95, 0.2]))
    assert list(zip(entities.starts.tolist(), entities.labels.tolist())) == [(0, 1), (1, 1)]


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


def test_textbook_viterbi_matches_brute_force():
    # The reference of the long-document test below, checked against enumeration.
    rng = numpy.random.default_rng(3)
    for n_tokens in range(1, 8):
        log_probs = numpy.log(rng.dirichlet([0.4, 0.4, 0.4], size=n_tokens))
        assert tuple(_textbook_viterbi(log_probs)) == _brute_force(log_probs)


@pytest.mark.parametrize("n_tokens", [6000, 4097])
def test_decode_entities_on_a_long_document_equals_the_textbook_decoding(n_tokens):
    # A long full text (~30,000 characters) × 4 labels: every span, its label and
    # score, as a token-by-token Viterbi finds them. 4097 tokens is one past a
    # power of two: the last doubling of the parallel scan covers one token only.
    # float32, as the model outputs them; the reference works in float64.
    rng = numpy.random.default_rng(n_tokens)
    probs = rng.dirichlet([1.0, 0.2, 0.2], size=(n_tokens, 4)).astype("float32")
    exact = probs.astype("float64")
    expected = []
    for label in range(4):
        path = _textbook_viterbi(numpy.log(exact[:, label]))
        expected.extend(_spans_with_mean_scores(exact[:, label], label, path))
    expected.sort(key=lambda span: (span[0], span[1], span[2]))
    entities = decode_entities(probs.reshape(n_tokens, 12))
    found = list(zip(entities.starts.tolist(), entities.ends.tolist(), entities.labels.tolist()))
    assert found == [span[:3] for span in expected]
    assert entities.scores == pytest.approx([span[3] for span in expected], abs=1e-6)
    assert max(end for _, end, _, _ in expected) > n_tokens - 50  # spans reach the end


@pytest.fixture
def overlapping():
    doc = spacy.blank("en")("BRCA1 deficiency in patients")
    gene = Span(doc, 0, 1, label="Gene")
    disease = Span(doc, 0, 2, label="Disease")
    species = Span(doc, 3, 4, label="Species")
    return [gene, disease, species]


def test_ents_by_score_keeps_the_more_confident(overlapping):
    policy = make_ents_by_score_v1()
    assert [s.label_ for s in policy(overlapping, [0.9, 0.8, 0.7])] == ["Gene", "Species"]
    assert [s.label_ for s in policy(overlapping, [0.8, 0.9, 0.7])] == ["Disease", "Species"]


def test_ents_by_score_ties_go_to_the_longer(overlapping):
    policy = make_ents_by_score_v1()
    assert [s.label_ for s in policy(overlapping, [0.9, 0.9, 0.7])] == ["Disease", "Species"]


def test_ents_by_length_keeps_the_longer(overlapping):
    policy = make_ents_by_length_v1()
    assert [s.label_ for s in policy(overlapping, [0.99, 0.6, 0.7])] == ["Disease", "Species"]
