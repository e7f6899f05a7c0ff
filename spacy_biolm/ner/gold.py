"""Gold B/I/O tags per type and the loss mask, from partially annotated Examples.

A cell (token, label) of the mask is False where the reference says nothing about
that label at that token, so the loss must not push it anywhere:
- the whole column of a label the document's corpus does not annotate
  (`doc._.annotated_labels`; a doc of unknown status counts as annotating every
  label, and `biolm_ner` warns about it: see `annotations.py`);
- tokens of a gold span that does not align to the predicted tokenization;
- tokens of a gold span dropped because it overlaps a longer span of its label
  (B/I/O cannot encode both), except where the kept span covers them;
- tokens whose entity annotation is missing (`token.ent_iob_ == ""`) when the
  gold comes from `doc.ents` rather than `doc.spans`;
- tokens the reference marks unknown for a label (`doc.spans[UNKNOWN_SPANS_KEY]`,
  e.g. words its corpus never annotates although others do), for that label,
  unless one of its gold spans covers them.
Everywhere else a token outside the gold spans of an annotated label is O.

With `exclusive=True` the types are taken as mutually exclusive: a token inside a
gold span of an annotated label is also O (known, not masked) for every label the
corpus does not annotate. A gene in BC2GM then teaches that it is not a chemical,
which nothing else does where BC5CDR is the only chemical corpus. Tokens marked
unknown for a label stay unknown for it.
"""

import logging
from typing import Dict, List, NamedTuple, Sequence

import numpy
from spacy.attrs import ENT_IOB
from spacy.tokens import Doc, Span
from spacy.training import Example

from ..annotations import UNKNOWN_SPANS_KEY, get_annotated_labels, is_annotated
from .viterbi import B, I

logger = logging.getLogger("spacy_biolm")


class GoldTargets(NamedTuple):
    """Training targets of one predicted doc."""

    tags: numpy.ndarray  # (n_tokens, n_labels) int8: O=0, B=1, I=2
    mask: numpy.ndarray  # (n_tokens, n_labels) bool: True where the tag is known
    n_dropped: int  # gold spans dropped for overlapping a longer span of their label


def entity_spans(doc: Doc, spans_key: str) -> Sequence[Span]:
    """The entities of a doc, gold or predicted: `doc.spans[spans_key]` if the doc
    has that group (overlaps allowed), else `doc.ents`."""
    return doc.spans.get(spans_key, doc.ents)


def make_targets(
    example: Example, labels: Sequence[str], *, spans_key: str, exclusive: bool = False
) -> GoldTargets:
    """B/I/O tags and loss mask of each label over the predicted tokens of an Example.

    example (Example): The predicted doc and its reference.
    labels (Sequence[str]): The component's labels, in output order.
    spans_key (str): The reference's span group with the gold entities.
    exclusive (bool): Tokens of a gold span are O for the labels the reference
        does not annotate (see the module docstring).
    RETURNS (GoldTargets): Tags, mask and the number of overlapping spans dropped.
    """
    predicted, reference = example.predicted, example.reference
    n_tokens = len(predicted)
    tags = numpy.zeros((n_tokens, len(labels)), dtype="int8")
    annotated = get_annotated_labels(reference)
    columns = [is_annotated(annotated, label) for label in labels]
    mask = numpy.zeros((n_tokens, len(labels)), dtype=bool)
    mask[:, columns] = True
    if spans_key not in reference.spans:
        mask[_missing_ner_tokens(example)] = False
    by_label: Dict[str, List[Span]] = {}
    for span in entity_spans(reference, spans_key):
        if span.label_ in labels and is_annotated(annotated, span.label_):
            by_label.setdefault(span.label_, []).append(span)
    n_dropped = 0
    for label, spans in by_label.items():
        column = labels.index(label)
        n_dropped += _encode_label(example, spans, tags[:, column], mask[:, column])
    if exclusive and not all(columns):
        # Tokens some annotated label tags as B or I, and knows (mask) there.
        inside = ((tags != 0) & mask).any(axis=1)
        unannotated = [column for column, known in enumerate(columns) if not known]
        mask[numpy.ix_(inside, unannotated)] = True
    # After the exclusive step, which must not make them known O; a covering gold
    # span (B or I in the column) wins.
    mask[_unknown_tokens(example, labels) & (tags == 0)] = False
    if n_dropped:
        logger.debug(
            "Dropped %d gold spans overlapping a longer span of their label in doc '%s'",
            n_dropped,
            reference.text[:40],
        )
    return GoldTargets(tags, mask, n_dropped)


def _encode_label(
    example: Example, spans: List[Span], tags: numpy.ndarray, mask: numpy.ndarray
) -> int:
    """Write the B/I tags of one label's gold spans into `tags`, and clear `mask`
    where they cannot be encoded. RETURNS (int): the number of spans dropped."""
    predicted = example.predicted
    # Longest first, then earliest: a nested or crossing span of the same label
    # loses to the span that contains more of it.
    spans = sorted(spans, key=lambda span: (span.start - span.end, span.start))
    covered = numpy.zeros(len(predicted), dtype=bool)
    unknown = numpy.zeros(len(predicted), dtype=bool)
    n_dropped = 0
    for span in spans:
        aligned = example.get_aligned_spans_y2x([span], allow_overlap=True)
        if not aligned:
            char_span = predicted.char_span(span.start_char, span.end_char, alignment_mode="expand")
            if char_span is not None:
                unknown[char_span.start : char_span.end] = True
            continue
        start, end = aligned[0].start, aligned[0].end
        if covered[start:end].any():
            unknown[start:end] = True
            n_dropped += 1
            continue
        covered[start:end] = True
        tags[start] = B
        tags[start + 1 : end] = I
    mask[unknown & ~covered] = False
    return n_dropped


def _unknown_tokens(example: Example, labels: Sequence[str]) -> numpy.ndarray:
    """(n_tokens, n_labels) bool: predicted tokens that overlap a reference token
    marked unknown for the column's label. Every overlapping token counts, as for a
    gold span that does not align: an aligned one gives the same tokens."""
    predicted, reference = example.predicted, example.reference
    unknown = numpy.zeros((len(predicted), len(labels)), dtype=bool)
    if UNKNOWN_SPANS_KEY not in reference.spans:
        return unknown
    for span in reference.spans[UNKNOWN_SPANS_KEY]:
        if span.label_ in labels:
            tokens = predicted.char_span(span.start_char, span.end_char, alignment_mode="expand")
            if tokens is not None:
                unknown[tokens.start : tokens.end, labels.index(span.label_)] = True
    return unknown


def _missing_ner_tokens(example: Example) -> numpy.ndarray:
    """Predicted tokens aligned to a reference token with missing entity annotation."""
    reference = example.reference
    n_tokens = len(example.predicted)
    missing = numpy.zeros(n_tokens, dtype=bool)
    if len(reference) == 0:
        return missing
    ref_missing = reference.to_array([ENT_IOB]).reshape(-1) == 0
    x2y = example.alignment.x2y
    owners = numpy.repeat(numpy.arange(n_tokens), x2y.lengths)
    numpy.logical_or.at(missing, owners, ref_missing[x2y.data])
    return missing
