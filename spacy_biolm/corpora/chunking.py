"""Cut long training documents into chunks that never split a gold mention.

A LINNAEUS full text has 10,000-30,000 tokens. spaCy's batchers put a document
longer than the batch size in a batch of its own, so one update backpropagates
through every transformer window of the whole text at once: on CPU that took over
12 GB and the training run was killed. Training on chunks of a few hundred tokens
keeps memory flat and the context each window sees unchanged; evaluation and
inference still run on whole documents.
"""

from typing import List

import numpy
from spacy.tokens import Doc, Span

from ..annotations import SOURCE_ATTR, SPANS_KEY, get_annotated_labels, set_annotated_labels

SENTENCE_END = frozenset([".", "!", "?"])


def chunk_doc(doc: Doc, max_tokens: int) -> List[Doc]:
    """Split a gold document into chunks of at most max_tokens tokens.

    Cuts fall preferably after a sentence-final token, never inside a gold span
    (`doc.spans[SPANS_KEY]` or `doc.ents`) unless a single span is longer than
    max_tokens. Each chunk keeps its gold spans, entities, annotated labels and
    source corpus.

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
        # Search the second half of the window: chunks stay at least half full.
        candidates = numpy.arange(start + max(1, max_tokens // 2), start + max_tokens + 1)
        free = candidates[~inside[candidates]]
        preferred = free[sentence_end[free]]
        if len(preferred):
            cuts.append(int(preferred[-1]))
        elif len(free):
            cuts.append(int(free[-1]))
        else:  # one gold span longer than the window: cut it rather than fail
            cuts.append(int(candidates[-1]))
    cuts.append(n_tokens)
    return cuts


def _chunk(doc: Doc, start: int, end: int) -> Doc:
    chunk = doc[start:end].as_doc()
    if SPANS_KEY in doc.spans:
        chunk.spans[SPANS_KEY] = [
            Span(chunk, span.start - start, span.end - start, label=span.label_)
            for span in doc.spans[SPANS_KEY]
            if span.start >= start and span.end <= end
        ]
    set_annotated_labels(chunk, get_annotated_labels(doc))
    chunk._.set(SOURCE_ATTR, doc._.get(SOURCE_ATTR))
    return chunk
