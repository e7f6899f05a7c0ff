"""Split documents of any length into windows that fit the transformer.

spacy-transformers' strided spans count spaCy tokens, not wordpieces: a window of
128 tokens of chemical names can exceed 512 wordpieces, and BioLinkBERT's tokenizer
sets no `model_max_length`, so the encoder is fed too much and fails (or, where a
limit is set, the tail of the window is truncated and its tokens get no features).
These windows are planned in wordpieces: a document that fits is one window (full
context, no overlap cost); a longer one is cut into windows of at most the limit
that overlap by `overlap` wordpieces, so every token is covered and near a window
edge only where the document is long.

Counting each token's pieces alone is not enough: the encoder tokenizes a window's
text as a whole, and in context tokens join into one word ("20mg" is 4 pieces, "20"
and "mg" 3) or split otherwise. So every window is measured exactly as
spacy-transformers will tokenize it before it is returned, and one that is too long
is cut shorter: no window exceeds the limit unless it holds a single token that does.
"""

import logging
import warnings
from functools import partial
from typing import Callable, Iterator, List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy
from numpy.typing import NDArray
from spacy.tokens import Doc, Span
from spacy_transformers.util import registry
from thinc.api import Model
from tokenizers import Encoding

from ..errors import Errors, Warnings

logger = logging.getLogger("spacy_biolm")

Window = Tuple[int, int]
Ints1d = NDArray[numpy.int64]
# Wordpieces of each token.
Counts = Union[Sequence[int], Ints1d]
# Wordpieces of each window, special tokens included, as the encoder will see it.
Measure = Callable[[List[Window]], List[int]]


def plan_windows(
    piece_counts: Counts, budget: int, overlap: int, *, start: int = 0
) -> List[Window]:
    """Plan token windows of at most `budget` wordpieces each.

    piece_counts (Sequence[int]): Wordpieces of each token (0 for whitespace).
    budget (int): Most wordpieces in a window, special tokens excluded.
    overlap (int): Wordpieces of context shared by consecutive windows.
    start (int): Token at which the first window starts.
    RETURNS (List[Tuple[int, int]]): (start, end) token offsets covering every
        token from `start` on.
    """
    cumulative = _cumulative(piece_counts)
    windows: List[Window] = []
    while start < len(piece_counts):
        end = _extend(cumulative, start, budget)
        windows.append((start, end))
        start = _next_start(cumulative, start, end, budget, overlap)
    return windows


def fit_windows(
    piece_counts: Counts, budget: int, overlap: int, limit: int, measure: Measure
) -> Tuple[List[Window], List[int]]:
    """Plan windows from estimated counts and cut shorter any that `measure` finds
    longer than `limit`.

    The estimates come from tokenizing the whole document, so they are exact except
    at window edges, where a word may be cut: nearly every plan is accepted as it
    is, with one call of `measure`. A window that is too long is shortened until it
    fits (or holds one token), and the rest of the document is planned again after it.

    piece_counts (Sequence[int]): Estimated wordpieces of each token.
    budget (int): Most wordpieces in a window by the estimates, special tokens excluded.
    overlap (int): Wordpieces of context shared by consecutive windows.
    limit (int): Most wordpieces in a window as measured, special tokens included.
    measure (Callable[[List[Tuple[int, int]]], List[int]]): Exact wordpieces of windows.
    RETURNS (Tuple[List[Tuple[int, int]], List[int]]): The windows, covering every
        token, and their measured wordpieces.
    """
    cumulative = _cumulative(piece_counts)
    n_tokens = len(piece_counts)
    windows: List[Window] = []
    lengths: List[int] = []
    start = 0
    while start < n_tokens:
        planned = plan_windows(piece_counts, budget, overlap, start=start)
        measured = measure(planned)
        n_fit = 0
        while n_fit < len(planned) and _fits(planned[n_fit], measured[n_fit], limit):
            n_fit += 1
        windows.extend(planned[:n_fit])
        lengths.extend(measured[:n_fit])
        if n_fit == len(planned):
            break
        prev_end = windows[-1][1] if windows else 0
        start, end, length = _shorten(
            cumulative, planned[n_fit], measured[n_fit], prev_end, budget, limit, measure
        )
        windows.append((start, end))
        lengths.append(length)
        start = _next_start(cumulative, start, end, budget, overlap)
    return windows, lengths


def _fits(window: Window, length: int, limit: int) -> bool:
    """Whether a window is short enough, or cannot be cut (a single token)."""
    return length <= limit or window[1] - window[0] == 1


def _shorten(
    cumulative: Ints1d,
    window: Window,
    length: int,
    prev_end: int,
    budget: int,
    limit: int,
    measure: Measure,
) -> Tuple[int, int, int]:
    """Cut a window that is too long to the longest that fits, keeping it past
    `prev_end` (the end of the window before it) so that the windows advance.
    RETURNS (Tuple[int, int, int]): Start, end and measured wordpieces."""
    start, end = window
    fitted = _longest_fit(cumulative, start, max(start, prev_end) + 1, end, length, limit, measure)
    if fitted is None and start < prev_end:
        # The shared context and one more token are too long: give up the overlap.
        start = prev_end
        end = _extend(cumulative, start, budget)
        length = measure([(start, end)])[0]
        if length <= limit:
            fitted = (end, length)
        else:
            fitted = _longest_fit(cumulative, start, start + 1, end, length, limit, measure)
    if fitted is None:  # a single token longer than the limit
        fitted = (start + 1, measure([(start, start + 1)])[0])
    return (start, *fitted)


def _longest_fit(
    cumulative: Ints1d, start: int, lowest: int, end: int, length: int, limit: int, measure: Measure
) -> Optional[Tuple[int, int]]:
    """The largest end in lowest..end-1 whose window from `start` fits, with its
    measured wordpieces, knowing that (start, end) has `length` > limit; None if
    not even `lowest` fits.

    The first guess drops the estimated excess, which is right when the estimates
    are (a word cut at the window's edge: one call); a bisection follows where they
    are not."""
    # Not `bisect`: its first probe is the midpoint, and each probe is a tokenizer call.
    lo, hi = lowest, end - 1
    target = cumulative[end] - (length - limit)
    guess = int(numpy.searchsorted(cumulative, target, side="right")) - 1
    probe = min(max(guess, lo), hi)
    fitted: Optional[Tuple[int, int]] = None
    while lo <= hi:
        probe_length = measure([(start, probe)])[0]
        if probe_length <= limit:
            fitted = (probe, probe_length)
            lo = probe + 1
        else:
            hi = probe - 1
        probe = (lo + hi + 1) // 2
    return fitted


def _cumulative(piece_counts: Counts) -> Ints1d:
    """Pieces before each token: cumulative[i] is the sum of piece_counts[:i]."""
    cumulative = numpy.zeros(len(piece_counts) + 1, dtype="int64")
    numpy.cumsum(piece_counts, out=cumulative[1:])
    return cumulative


def _extend(cumulative: Ints1d, start: int, budget: int) -> int:
    """The furthest end such that tokens start..end fit in budget (at least one token)."""
    end = int(numpy.searchsorted(cumulative, cumulative[start] + budget, side="right")) - 1
    return max(end, start + 1)


def _next_start(cumulative: Ints1d, start: int, end: int, budget: int, overlap: int) -> int:
    """Where the window after (start, end) starts: `overlap` pieces before `end`."""
    if end >= len(cumulative) - 1:
        return end
    next_start = int(numpy.searchsorted(cumulative, cumulative[end] - overlap, side="left"))
    # A long token right after the window may not fit beside the overlap:
    # then start afresh at `end` rather than repeat the same window.
    if next_start <= start or _extend(cumulative, next_start, budget) <= end:
        next_start = end
    return next_start


def usable_positions(transformer) -> Optional[int]:
    """The longest input the encoder's position embeddings can take, if bounded.

    RoBERTa and the models derived from it (XLM-R, CamemBERT, Longformer, MPNet,
    ESM, ...) number positions from `padding_idx + 1`, so 514 embeddings leave 512
    positions; their position table is the one with a padding index.

    transformer (transformers.PreTrainedModel): The Hugging Face encoder.
    RETURNS (Optional[int]): Usable positions, or None if the config sets no limit.
    """
    positions = getattr(transformer.config, "max_position_embeddings", None)
    table = getattr(getattr(transformer, "embeddings", None), "position_embeddings", None)
    padding_idx = getattr(table, "padding_idx", None)
    if positions and padding_idx is not None:
        return positions - (padding_idx + 1)
    return positions


class WordpieceWindows:
    """Span getter that plans windows in wordpieces with the model's own tokenizer.

    The tokenizer is only known once the transformer is initialized or loaded, so
    the architecture binds the getter to its model and the getter reads the
    tokenizer at call time. Nothing is cached between calls: a document's pieces
    come from tokenizing its text (in Rust, for fast tokenizers), which is cheap
    beside the encoder, is always right for the current tokenizer and keeps the
    getter free of state shared between threads.
    """

    def __init__(self, overlap: int) -> None:
        self.overlap = overlap
        self.max_length = 512
        self.model: Optional[Model] = None

    def bind(self, model: Model, max_length: int) -> None:
        """Read the tokenizer and config of `model` from now on; cap inputs at
        `max_length` wordpieces (special tokens included)."""
        self.model = model
        self.max_length = max_length

    def __call__(self, docs: List[Doc]) -> List[List[Span]]:
        tokenizer = self._tokenizer()
        limit = self._limit(tokenizer)
        budget = limit - tokenizer.num_special_tokens_to_add(pair=False)
        if budget < 2 * self.overlap + 1:
            raise ValueError(Errors.E1002.format(overlap=self.overlap, budget=budget))
        chars = [_TokenChars.of(doc) for doc in docs]
        pieces = _tokenize(tokenizer, [c.window(0, len(c.starts)) for c in chars if len(c.starts)])
        nested: List[List[Span]] = []
        for doc, doc_chars in zip(docs, chars):
            if not len(doc):
                nested.append([])
                continue
            length, encoding = next(pieces)
            if length <= limit:
                windows, lengths = [(0, len(doc))], [length]
            else:
                counts = _estimate_counts(tokenizer, doc, doc_chars, encoding)
                measure = partial(_window_lengths, tokenizer, doc_chars)
                windows, lengths = fit_windows(counts, budget, self.overlap, limit, measure)
            self._warn_oversize(doc_chars.text, lengths, limit, budget)
            nested.append([doc[start:end] for start, end in windows])
        return nested

    def _tokenizer(self):
        if self.model is None or not self.model.attrs.get("has_transformer"):
            name = self.model.name if self.model is not None else "biolm_transformer"
            raise ValueError(Errors.E1000.format(name=name))
        return self.model.tokenizer  # type: ignore[attr-defined]

    def _limit(self, tokenizer) -> int:
        """The input limit: the configured one, capped by the position embeddings.
        It is also written to the tokenizer so spacy-transformers' own guard applies."""
        positions = usable_positions(self.model.transformer)  # type: ignore[union-attr]
        limit = min(x for x in (self.max_length, positions) if x)
        if tokenizer.model_max_length != limit:
            tokenizer.model_max_length = limit
        return limit

    def _warn_oversize(self, text: str, lengths: List[int], limit: int, budget: int) -> None:
        # Only a window of one token can be longer than the limit (fit_windows).
        longest = max(lengths, default=0)
        if longest > limit:
            snippet = text[:40].replace("\n", " ")
            n_pieces = longest - (limit - budget)
            warnings.warn(
                Warnings.W1000.format(n_pieces=n_pieces, doc=snippet, limit=budget), stacklevel=3
            )


class _TokenChars(NamedTuple):
    """A doc's text and the character offsets where each of its tokens starts and ends."""

    text: str
    starts: Ints1d
    ends: Ints1d

    @classmethod
    def of(cls, doc: Doc) -> "_TokenChars":
        idx_length = doc.to_array(["IDX", "LENGTH"]).astype("int64").reshape((-1, 2))
        starts = idx_length[:, 0]
        return cls(doc.text, starts, starts + idx_length[:, 1])

    def window(self, start: int, end: int) -> str:
        """The text of doc[start:end], as `Span.text` gives it to the encoder."""
        return self.text[self.starts[start] : self.ends[end - 1]]


def _window_lengths(tokenizer, chars: _TokenChars, windows: List[Window]) -> List[int]:
    """Wordpieces of each window of a doc as the encoder gets it."""
    texts = [chars.window(start, end) for start, end in windows]
    return [length for length, _ in _tokenize(tokenizer, texts)]


def _tokenize(tokenizer, texts: List[str]) -> Iterator[Tuple[int, Optional[Encoding]]]:
    """Tokenize texts as spacy-transformers' `huggingface_tokenize` does (special
    tokens included, not truncated): the wordpieces of each, and for a fast
    tokenizer the encoding, whose offsets estimate the pieces of each token.

    A fast tokenizer is called through its Rust backend, one text at a time: the
    Python call would switch padding off, which spacy-transformers' own call
    (padding to the longest) then switches on again, and a tokenizer shared between
    threads fails when one changes its settings while another encodes. Batch
    encoding would pad every text to the longest (a full text). Without truncation
    set, the backend gives exactly what the Python call does.
    """
    backend = getattr(tokenizer, "backend_tokenizer", None) if tokenizer.is_fast else None
    if backend is None or backend.truncation is not None:
        # verbose=False: counting a long text is not feeding it to the encoder, so
        # transformers' "sequence length is longer than the maximum" would mislead.
        # (The call also clears a truncation set in tokenizer.json, as spacy-transformers'
        # does, so that the next call can use the backend.)
        encoded = tokenizer(texts, add_special_tokens=True, verbose=False)
        yield from ((len(ids), None) for ids in encoded["input_ids"])
        return
    padding = backend.padding or {}
    # Padding to the longest of one text adds none; a fixed length would.
    padded = bool(padding.get("length") or padding.get("pad_to_multiple_of"))
    for text in texts:
        encoding = backend.encode(text, add_special_tokens=True)
        yield (sum(encoding.attention_mask) if padded else len(encoding)), encoding


def _estimate_counts(
    tokenizer, doc: Doc, chars: _TokenChars, encoding: Optional[Encoding]
) -> Ints1d:
    """Wordpieces of each token of a doc, from the encoding of its whole text: each
    piece counts for the token it starts in. A slow tokenizer gives no offsets, so
    there each token is counted alone."""
    if encoding is None:
        texts = [token.text for token in doc]
        encoded = tokenizer(texts, add_special_tokens=False, verbose=False)
        return numpy.asarray([len(ids) for ids in encoded["input_ids"]], dtype="int64")
    special = numpy.asarray(encoding.special_tokens_mask, dtype=bool)
    piece_starts = numpy.asarray(encoding.offsets, dtype="int64").reshape((-1, 2))[~special, 0]
    owners = numpy.searchsorted(chars.starts, piece_starts, side="right") - 1
    return numpy.bincount(numpy.maximum(owners, 0), minlength=len(doc))


@registry.span_getters("spacy-biolm.wordpiece_windows.v1")  # type: ignore[attr-defined]
def configure_wordpiece_windows_v1(overlap: int = 128) -> Callable[[List[Doc]], List[List[Span]]]:
    """Windows of at most the transformer's input limit, planned in wordpieces.

    overlap (int): Wordpieces of context shared by consecutive windows of a long doc.
    RETURNS (Callable): The span getter; `spacy-biolm.TransformerModel.v1` binds it.
    """
    return WordpieceWindows(overlap)
