"""The annotation contract between corpus readers, `biolm_ner` and evaluation.

- `doc._.annotated_labels`: None (every label annotated) or the labels the doc's
  source corpus annotates. Readers set it; `biolm_ner` masks its loss with it; the
  scorer scores a doc only on those labels.
- `doc._.biolm_source`: the name of the source corpus ("bc5cdr", ...), or None.
- `doc.spans[SPANS_KEY]`: every entity, overlaps allowed (gold in training data,
  predictions after `biolm_ner`); `doc.ents` holds a non-overlapping selection.

Both extensions live in `doc.user_data`, so DocBin keeps them when written with
`store_user_data=True`.
"""

from typing import Iterable, List, Optional, Sequence

from spacy.tokens import Doc

SPANS_KEY = "biolm_ents"
DEFAULT_LABELS = ("Chemical", "Disease", "Gene", "Species")
ANNOTATED_LABELS_ATTR = "annotated_labels"
SOURCE_ATTR = "biolm_source"


def install_extensions() -> None:
    """Register the Doc extensions of the contract (once; never forced)."""
    for attr in (ANNOTATED_LABELS_ATTR, SOURCE_ATTR):
        if not Doc.has_extension(attr):
            Doc.set_extension(attr, default=None)


def get_annotated_labels(doc: Doc) -> Optional[List[str]]:
    """The labels `doc` is annotated for, or None for all of them.

    doc (Doc): A document, usually the reference doc of an Example.
    RETURNS (Optional[List[str]]): The annotated labels, or None.
    """
    install_extensions()
    labels = doc._.get(ANNOTATED_LABELS_ATTR)
    return None if labels is None else list(labels)


def set_annotated_labels(doc: Doc, labels: Optional[Iterable[str]]) -> None:
    """Record which labels `doc` is annotated for (None: all of them)."""
    install_extensions()
    doc._.set(ANNOTATED_LABELS_ATTR, None if labels is None else sorted(set(labels)))


def is_annotated(labels: Optional[Sequence[str]], label: str) -> bool:
    """Whether a doc with annotated labels `labels` is annotated for `label`."""
    return labels is None or label in labels


install_extensions()
