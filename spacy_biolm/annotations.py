"""The annotation contract between corpus readers, `biolm_ner` and evaluation.

- `doc._.annotated_labels`: the labels the doc's source corpus annotates, or None,
  set explicitly, for every label. Readers always set it; `biolm_ner` masks its loss
  with it; the scorer scores a doc only on those labels. A doc where it was never
  set (no value in `doc.user_data`, e.g. read from a DocBin written without
  `store_user_data=True`, or made in Python) has an unknown annotation status: it
  is treated as annotated for every label, but `biolm_ner` (training) and the
  scorer warn once (W1011) naming the fix, since a partially annotated doc taken
  for a full one teaches its unmarked entities as not entities.
- `doc._.biolm_source`: the name of the source corpus ("bc5cdr", ...), or None.
- `doc.spans[SPANS_KEY]`: every entity, overlaps allowed (gold in training data,
  predictions after `biolm_ner`); `doc.ents` holds a non-overlapping selection.
- `doc.spans[UNKNOWN_SPANS_KEY]` (training data only): one-token spans whose label
  the source corpus leaves unannotated at that token although it annotates the
  label elsewhere (a convention of that corpus, see `corpora/conventions.py`):
  neither an entity nor O for that label, so `biolm_ner` masks its loss there. The
  same tokens have missing entity annotation in `doc.ents` (`token.ent_iob_ == ""`).

Both extensions live in `doc.user_data`, so DocBin keeps them when written with
`store_user_data=True`.
"""

import warnings
from typing import Iterable, List, Optional, Sequence

from spacy.tokens import Doc

from .errors import Warnings

SPANS_KEY = "biolm_ents"
UNKNOWN_SPANS_KEY = "biolm_unknown"
DEFAULT_LABELS = ("Chemical", "Disease", "Gene", "Species")
ANNOTATED_LABELS_ATTR = "annotated_labels"
SOURCE_ATTR = "biolm_source"
# Where spaCy keeps the value of a Doc extension (and DocBin writes it): a key is
# present only once the value was set, even to None.
_ANNOTATED_LABELS_KEY = ("._.", ANNOTATED_LABELS_ATTR, None, None)


def install_extensions() -> None:
    """Register the Doc extensions of the contract (once; never forced)."""
    for attr in (ANNOTATED_LABELS_ATTR, SOURCE_ATTR):
        if not Doc.has_extension(attr):
            Doc.set_extension(attr, default=None)


def get_annotated_labels(doc: Doc) -> Optional[List[str]]:
    """The labels `doc` is annotated for, or None for all of them (also when its
    status is unknown: see `has_annotation_status`).

    doc (Doc): A document, usually the reference doc of an Example.
    RETURNS (Optional[List[str]]): The annotated labels, or None.
    """
    install_extensions()
    labels = doc._.get(ANNOTATED_LABELS_ATTR)
    return None if labels is None else list(labels)


def has_annotation_status(doc: Doc) -> bool:
    """Whether `doc._.annotated_labels` was set (to labels or to None), as opposed
    to never set or lost with the user data.

    doc (Doc): A document, usually the reference doc of an Example.
    RETURNS (bool): False if the doc's annotation status is unknown.
    """
    return _ANNOTATED_LABELS_KEY in doc.user_data


def set_annotated_labels(doc: Doc, labels: Optional[Iterable[str]]) -> None:
    """Record which labels `doc` is annotated for.

    doc (Doc): The document.
    labels (Optional[Iterable[str]]): The labels its corpus annotates; None: all
        of them (a known status, unlike never setting it).
    """
    install_extensions()
    doc._.set(ANNOTATED_LABELS_ATTR, None if labels is None else sorted(set(labels)))


def is_annotated(labels: Optional[Sequence[str]], label: str) -> bool:
    """Whether a doc with annotated labels `labels` is annotated for `label`."""
    return labels is None or label in labels


class AnnotationStatusCheck:
    """Warns, the first time it sees any, about docs whose annotation status is
    unknown, naming the fix. One check per user: a pipe, a scorer.

    user (str): Who uses the docs, for the message, e.g. "biolm_ner 'ner'".
    """

    def __init__(self, user: str) -> None:
        self.user = user
        self.warned = False

    def __call__(self, docs: Sequence[Doc]) -> None:
        """Check a batch of docs; warn (once) if any has an unknown status.

        docs (Sequence[Doc]): Reference docs.
        """
        if self.warned:
            return
        unknown = [doc for doc in docs if not has_annotation_status(doc)]
        if unknown:
            self.warned = True
            message = Warnings.W1011.format(
                user=self.user, n=len(unknown), total=len(docs), text=unknown[0].text[:40]
            )
            warnings.warn(message, stacklevel=3)


install_extensions()
