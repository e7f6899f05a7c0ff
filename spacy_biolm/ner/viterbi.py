"""From per-type B/I/O probabilities to entities: constrained Viterbi decoding,
span scores, and the policies that choose the non-overlapping `doc.ents`.

Each label has its own B/I/O distribution per token, so each label is decoded on
its own: spans never cross within a type, types may overlap each other. The
constraint (no I after O or at the start) with no learned transition scores makes
the Viterbi recursion a product of 2x2 matrices in the (max, +) semiring over two
quantities per token: the best score of any path (M) and of a path that ends inside
an entity (N). That product is associative, so all prefixes are computed with a
parallel scan in log2(n) numpy steps, and the back-pointers collapse to a
"nearest reset to the right" lookup: no Python loop over tokens.
"""

from functools import partial
from typing import Callable, List, NamedTuple, Sequence, Tuple, Union

import numpy
from spacy.tokens import Span
from spacy.util import registry

# Column order of each label's three scores in the model output.
TAGS = ("O", "B", "I")
O, B, I = 0, 1, 2  # noqa: E741
N_TAGS = len(TAGS)

# Probabilities are clipped before the log so that every path keeps a finite score.
MIN_PROB = 1e-30

EntsPolicy = Callable[[Sequence[Span], Sequence[float]], List[Span]]


class Entities(NamedTuple):
    """Decoded entities of one doc, sorted by (start, end, label)."""

    starts: numpy.ndarray  # token offsets
    ends: numpy.ndarray  # exclusive token offsets
    labels: numpy.ndarray  # label indices
    scores: numpy.ndarray  # in [0, 1]


def viterbi_bio(log_probs: numpy.ndarray) -> numpy.ndarray:
    """The best valid B/I/O tag sequence of each label.

    log_probs (numpy.ndarray): (n_labels, n_tokens, 3) log-probabilities of O, B, I.
    RETURNS (numpy.ndarray): (n_labels, n_tokens) tags (O=0, B=1, I=2) with no I after
        an O or at the start, maximising the summed log-probabilities.
    """
    n_labels, n_tokens, _ = log_probs.shape
    if n_tokens == 0:
        return numpy.zeros((n_labels, 0), dtype="int8")
    lp = log_probs.astype("float64")
    lp_o, lp_b, lp_i = lp[..., O], lp[..., B], lp[..., I]
    # [M_t, N_t] = A_t (x) [M_{t-1}, N_{t-1}] with
    # A_t = [[max(O, B), I], [B, I]] (an O or B may follow anything, an I only B or I).
    steps = numpy.empty((n_labels, n_tokens, 2, 2))
    steps[..., 0, 0] = numpy.maximum(lp_o, lp_b)
    steps[..., 0, 1] = lp_i
    steps[..., 1, 0] = lp_b
    steps[..., 1, 1] = lp_i
    prefix = _prefix_products(steps)
    # Before the first token M = 0 and N = -inf (nothing to continue), so each
    # prefix product applied to (0, -inf) is its first column.
    best_all = numpy.concatenate([numpy.zeros((n_labels, 1)), prefix[..., :-1, 0, 0]], axis=1)
    best_inside = numpy.concatenate(
        [numpy.full((n_labels, 1), -numpy.inf), prefix[..., :-1, 1, 0]], axis=1
    )
    delta = numpy.stack([lp_o + best_all, lp_b + best_all, lp_i + best_inside], axis=-1)
    return _backtrack(delta)


def _prefix_products(steps: numpy.ndarray) -> numpy.ndarray:
    """Inclusive prefix products steps[t] (x) ... (x) steps[0] (Hillis-Steele scan)."""
    prefix = steps.copy()
    n_tokens = steps.shape[1]
    shift = 1
    while shift < n_tokens:
        prefix[:, shift:] = _maxplus(prefix[:, shift:], prefix[:, :-shift])
        shift *= 2
    return prefix


def _maxplus(left: numpy.ndarray, right: numpy.ndarray) -> numpy.ndarray:
    """Batched 2x2 matrix product in the (max, +) semiring."""
    return numpy.maximum(
        left[..., :, :1] + right[..., :1, :],
        left[..., :, 1:] + right[..., 1:, :],
    )


def _backtrack(delta: numpy.ndarray) -> numpy.ndarray:
    """Follow the back-pointers of the Viterbi scores delta (n_labels, n_tokens, 3).

    An O or B comes after the best state of the previous token (`best`); an I after
    the better of B and I (`inside`). Walking backwards, the state is I exactly when
    the nearest token to the right where these two choices agree says I: where
    `inside` is I but `best` is not, the state copies the next one.
    """
    n_labels, n_tokens, _ = delta.shape
    best = delta.argmax(axis=-1)
    inside_is_i = delta[..., I] > delta[..., B]
    is_reset = ~inside_is_i | (best == I)
    positions = numpy.broadcast_to(numpy.arange(n_tokens), (n_labels, n_tokens))
    reset_at = numpy.where(is_reset, positions, n_tokens)
    next_reset = numpy.minimum.accumulate(reset_at[:, ::-1], axis=1)[:, ::-1]
    reset_value = numpy.concatenate([best == I, numpy.zeros((n_labels, 1), bool)], axis=1)
    is_i = numpy.take_along_axis(reset_value, next_reset, axis=1)
    next_is_i = numpy.concatenate([is_i[:, 1:], numpy.zeros((n_labels, 1), bool)], axis=1)
    tags = numpy.where(next_is_i, B, best)
    tags[is_i] = I
    return tags.astype("int8")


def tags_to_spans(tags: numpy.ndarray) -> Tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """The spans of valid B/I/O tag sequences.

    tags (numpy.ndarray): (n_labels, n_tokens) tags, every I after a B or an I.
    RETURNS (Tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]): label indices,
        start and exclusive end token offsets of every span.
    """
    n_labels, n_tokens = tags.shape
    positions = numpy.broadcast_to(numpy.arange(n_tokens), (n_labels, n_tokens))
    outside_at = numpy.where(tags != I, positions, n_tokens)
    next_outside = numpy.minimum.accumulate(outside_at[:, ::-1], axis=1)[:, ::-1]
    # A span starting at t ends at the first non-I token after t.
    following = numpy.concatenate([next_outside[:, 1:], numpy.full((n_labels, 1), n_tokens)], 1)
    labels, starts = numpy.nonzero(tags == B)
    return labels, starts, following[labels, starts]


def decode_entities(
    probs: numpy.ndarray, *, threshold: Union[float, numpy.ndarray] = 0.0
) -> Entities:
    """Entities of one doc from the model's output.

    A span's score is the mean, over its tokens, of the probability of the tag it
    was decoded with (B for the first token, I for the others). It is in [0, 1],
    does not shrink with span length (a product would, and would make long names
    look uncertain), and a low value points at the token the model doubted.

    probs (numpy.ndarray): (n_tokens, n_labels * 3) probabilities, each label's
        O, B, I columns summing to 1.
    threshold (Union[float, numpy.ndarray]): Drop spans scored below this: one
        value, or one per label (n_labels,).
    RETURNS (Entities): The entities, sorted by (start, end, label).
    """
    n_tokens, n_columns = probs.shape
    by_label = probs.reshape(n_tokens, n_columns // N_TAGS, N_TAGS)
    by_label = by_label.transpose(1, 0, 2).astype("float64")
    tags = viterbi_bio(numpy.log(numpy.maximum(by_label, MIN_PROB)))
    labels, starts, ends = tags_to_spans(tags)
    tag_probs = numpy.take_along_axis(by_label, tags[..., None].astype("int64"), axis=-1)[..., 0]
    cumulative = numpy.concatenate(
        [numpy.zeros((tag_probs.shape[0], 1)), numpy.cumsum(tag_probs, axis=1)], axis=1
    )
    scores = (cumulative[labels, ends] - cumulative[labels, starts]) / (ends - starts)
    scores = numpy.clip(scores, 0.0, 1.0)
    keep = scores >= (threshold[labels] if isinstance(threshold, numpy.ndarray) else threshold)
    order = numpy.lexsort((labels[keep], ends[keep], starts[keep]))
    return Entities(
        starts[keep][order], ends[keep][order], labels[keep][order], scores[keep][order]
    )


def select_non_overlapping(
    spans: Sequence[Span], scores: Sequence[float], *, by_length_first: bool
) -> List[Span]:
    """Greedily keep spans that overlap no span kept before, best first.

    spans (Sequence[Span]): Candidate spans of one doc.
    scores (Sequence[float]): Their scores.
    by_length_first (bool): Rank by length then score, instead of score then length.
        Remaining ties go to the earlier span.
    RETURNS (List[Span]): Non-overlapping spans, in document order.
    """
    # Not spaCy's filter_spans: it ranks by length then start only, never by score.

    def rank(i: int) -> Tuple[float, float, int]:
        length = spans[i].end - spans[i].start
        first, second = (length, scores[i]) if by_length_first else (scores[i], length)
        return (-first, -second, spans[i].start)

    taken: set = set()
    kept = []
    for i in sorted(range(len(spans)), key=rank):
        tokens = range(spans[i].start, spans[i].end)
        if not taken.intersection(tokens):
            taken.update(tokens)
            kept.append(spans[i])
    return sorted(kept, key=lambda span: span.start)


@registry.misc("spacy-biolm.ents_by_score.v1")
def make_ents_by_score_v1() -> EntsPolicy:
    """The policy choosing `doc.ents` among overlapping predictions: the more
    confident span wins, ties go to the longer, then the earlier one.

    RETURNS (Callable[[Sequence[Span], Sequence[float]], List[Span]]): The policy.
    """
    return partial(select_non_overlapping, by_length_first=False)


@registry.misc("spacy-biolm.ents_by_length.v1")
def make_ents_by_length_v1() -> EntsPolicy:
    """The policy choosing `doc.ents` among overlapping predictions: the longer
    span wins (a disease name over the gene inside it), ties go to the more
    confident, then the earlier one.

    RETURNS (Callable[[Sequence[Span], Sequence[float]], List[Span]]): The policy.
    """
    return partial(select_non_overlapping, by_length_first=True)
