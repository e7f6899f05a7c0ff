"""Cut long training documents into chunks that never split a gold mention.

A LINNAEUS full text has 10,000-30,000 tokens. spaCy's batchers put a document
longer than the batch size in a batch of its own, so one update backpropagates
through every transformer window of the whole text at once: on CPU that took over
12 GB and the training run was killed. Training on chunks of a few hundred tokens
keeps memory flat and the context each window sees unchanged; evaluation and
inference still run on whole documents.
"""

import logging
from typing import List

import numpy
from spacy.tokens import Doc, Span

from ..annotations import (
    SOURCE_ATTR,
    SPANS_KEY,
    UNKNOWN_SPANS_KEY,
    get_annotated_labels,
    has_annotation_status,
    set_annotated_labels,
)

logger = logging.getLogger("spacy_biolm")

SENTENCE_END = frozenset([".", "!", "?"])


def chunk_doc(doc: Doc, max_tokens: int) -> List[Doc]:
    """Split a gold document into chunks of at most max_tokens tokens.

    A cut never falls inside a gold span (`doc.spans[SPANS_KEY]` or `doc.ents`), so
    every gold mention is in exactly one chunk, whole. Cuts fall preferably after a
    sentence-final token in the second half of the window, else at the latest cut
    the window allows. Where every cut the window allows would split a mention (one
    mention, or a chain of overlapping ones, longer than max_tokens), the chunk is
    extended to the first cut that splits none: such a chunk is longer than
    max_tokens (logged), because dropping or cutting the mention while its label
    stays annotated would teach its tokens as not an entity. Each chunk keeps its
    gold spans, entities, unknown tokens (`UNKNOWN_SPANS_KEY`), annotated labels
    (or their absence) and source corpus.

    doc (Doc): A reference document.
    max_tokens (int): The longest chunk; 0 or a doc that fits: the doc itself.
    RETURNS (List[Doc]): The chunks, in order, covering every token.
    """
    if not max_tokens or len(doc) <= max_tokens:
        return [doc]
    cuts = _cut_points(doc, max_tokens)
    return [_chunk(doc, start, end) for start, end in zip(cuts, cuts[1:])]


def _cut_points(doc: Doc, max_tokens: int) -> List[int]:
    n_tokens = len(doc)
    # inside[i]: a cut before token i would split a gold span.
    inside = numpy.zeros(n_tokens + 1, dtype=bool)
    for span in [*doc.spans.get(SPANS_KEY, []), *doc.ents]:
        inside[span.start + 1 : span.end] = True
    sentence_end = numpy.zeros(n_tokens + 1, dtype=bool)
    sentence_end[1:] = [token.text in SENTENCE_END for token in doc]
    cuts = [0]
    while n_tokens - cuts[-1] > max_tokens:
        start = cuts[-1]
        candidates = numpy.arange(start + 1, start + max_tokens + 1)
        free = candidates[~inside[candidates]]
        # A sentence end in the second half keeps chunks at least half full.
        preferred = free[sentence_end[free] & (free >= start + max_tokens // 2)]
        if len(preferred):
            cuts.append(int(preferred[-1]))
        elif len(free):
            cuts.append(int(free[-1]))
        else:
            # inside[n_tokens] is False: a free cut always exists further on.
            end = start + max_tokens + int(numpy.argmin(inside[start + max_tokens :]))
            logger.info(
                "Kept a chunk of %d tokens (max %d) whole: gold mentions span it (doc '%s')",
                end - start,
                max_tokens,
                doc.text[:40],
            )
            cuts.append(end)
    if cuts[-1] < n_tokens:  # an oversize chunk may have reached the end
        cuts.append(n_tokens)
    return cuts


def _chunk(doc: Doc, start: int, end: int) -> Doc:
    chunk = doc[start:end].as_doc()
    # as_doc keeps doc.ents (missing annotation included) but no span group.
    for key in (SPANS_KEY, UNKNOWN_SPANS_KEY):
        if key in doc.spans:
            chunk.spans[key] = [
                Span(chunk, span.start - start, span.end - start, label=span.label_)
                for span in doc.spans[key]
                if span.start >= start and span.end <= end
            ]
    if has_annotation_status(doc):  # an unknown status must stay unknown, not "all"
        set_annotated_labels(chunk, get_annotated_labels(doc))
    chunk._.set(SOURCE_ATTR, doc._.get(SOURCE_ATTR))
    return chunk
