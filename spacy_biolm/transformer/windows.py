"""Split documents of any length into windows that fit the transformer.

spacy-transformers' strided spans count spaCy tokens, not wordpieces: a window of
128 tokens of chemical names can exceed 512 wordpieces, and BioLinkBERT's tokenizer
sets no `model_max_length`, so the encoder is fed too much and fails (or, where a
limit is set, the tail of the window is truncated and its tokens get no features).
These windows are planned in wordpieces: a document that fits is one window (full
context, no overlap cost); a longer one is cut into windows of at most the limit
that overlap by `overlap` wordpieces, so every token is covered and near a window
edge only where the document is long.
"""

import logging
import warnings
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from spacy.tokens import Doc, Span
from spacy_transformers.util import registry
from thinc.api import Model

from ..errors import Errors, Warnings

logger = logging.getLogger("spacy_biolm")

Window = Tuple[int, int]


def plan_windows(piece_counts: Sequence[int], budget: int, overlap: int) -> List[Window]:
    """Plan token windows of at most `budget` wordpieces each.

    piece_counts (Sequence[int]): Wordpieces of each token (0 for whitespace).
    budget (int): Most wordpieces in a window, special tokens excluded.
    overlap (int): Wordpieces of context shared by consecutive windows.
    RETURNS (List[Tuple[int, int]]): (start, end) token offsets covering every token.
    """
    n_tokens = len(piece_counts)
    if n_tokens == 0:
        return []
    if sum(piece_counts) <= budget:
        return [(0, n_tokens)]
    windows: List[Window] = []
    start = 0
    while True:
        end = _extend(piece_counts, start, budget)
        windows.append((start, end))
        if end >= n_tokens:
            return windows
        next_start = _back_off(piece_counts, end, overlap)
        # A long token right after the window may not fit beside the overlap:
        # then start afresh at `end` rather than repeat the same window.
        if next_start <= start or _extend(piece_counts, next_start, budget) <= end:
            next_start = end
        start = next_start


def _extend(piece_counts: Sequence[int], start: int, budget: int) -> int:
    """The furthest end such that tokens start..end fit in budget (at least one token)."""
    total = 0
    end = start
    while end < len(piece_counts) and total + piece_counts[end] <= budget:
        total += piece_counts[end]
        end += 1
    return max(end, start + 1)


def _back_off(piece_counts: Sequence[int], end: int, overlap: int) -> int:
    """The earliest start such that tokens start..end hold at most `overlap` pieces."""
    total = 0
    start = end
    while start > 0 and total + piece_counts[start - 1] <= overlap:
        total += piece_counts[start - 1]
        start -= 1
    return start


class WordpieceWindows:
    """Span getter that plans windows in wordpieces with the model's own tokenizer.

    The tokenizer is only known once the transformer is initialized or loaded, so
    the architecture binds the getter to its model and the getter reads the
    tokenizer at call time. Wordpiece counts are cached per token string: corpus
    vocabularies repeat, so most tokens cost one dict lookup.
    """

    max_cache_size = 500_000

    def __init__(self, overlap: int) -> None:
        self.overlap = overlap
        self.max_length = 512
        self.model: Optional[Model] = None
        self._cache: Dict[str, int] = {}

    def bind(self, model: Model, max_length: int) -> None:
        """Read the tokenizer and config of `model` from now on; cap inputs at
        `max_length` wordpieces (special tokens included)."""
        self.model = model
        self.max_length = max_length

    def __call__(self, docs: List[Doc]) -> List[List[Span]]:
        tokenizer = self._tokenizer()
        limit = self._limit(tokenizer)
        n_special = tokenizer.num_special_tokens_to_add(pair=False)
        budget = limit - n_special
        if budget < 2 * self.overlap + 1:
            raise ValueError(Errors.E1002.format(overlap=self.overlap, budget=budget))
        self._count_new_tokens(docs, tokenizer)
        nested: List[List[Span]] = []
        for doc in docs:
            counts = [self._cache[token.text] for token in doc]
            windows = plan_windows(counts, budget, self.overlap)
            self._warn_oversize(doc, counts, budget)
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
        positions = getattr(self.model.transformer.config, "max_position_embeddings", None)  # type: ignore[union-attr]
        limit = min(x for x in (self.max_length, positions) if x)
        if tokenizer.model_max_length != limit:
            tokenizer.model_max_length = limit
        return limit

    def _count_new_tokens(self, docs: List[Doc], tokenizer) -> None:
        new = list({token.text for doc in docs for token in doc if token.text not in self._cache})
        if not new:
            return
        if len(self._cache) + len(new) > self.max_cache_size:
            self._cache.clear()
        ids = tokenizer(new, add_special_tokens=False)["input_ids"]
        self._cache.update(zip(new, map(len, ids)))

    def _warn_oversize(self, doc: Doc, counts: List[int], budget: int) -> None:
        longest = max(counts, default=0)
        if longest > budget:
            snippet = doc.text[:40].replace("\n", " ")
            warnings.warn(
                Warnings.W1000.format(n_pieces=longest, doc=snippet, limit=budget), stacklevel=2
            )


@registry.span_getters("spacy-biolm.wordpiece_windows.v1")  # type: ignore[attr-defined]
def configure_wordpiece_windows(overlap: int = 128) -> Callable[[List[Doc]], List[List[Span]]]:
    """Windows of at most the transformer's input limit, planned in wordpieces.

    overlap (int): Wordpieces of context shared by consecutive windows of a long doc.
    RETURNS (Callable): The span getter; `spacy-biolm.TransformerModel.v1` binds it.
    """
    return WordpieceWindows(overlap)
