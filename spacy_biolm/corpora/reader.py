"""The spaCy reader shared by every source format: `nlp -> Iterator[Example]`."""

import logging
from typing import Callable, Iterable, Iterator, Mapping, Optional, Sequence

from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example

from .builder import DocBuilder
from .labels import LabelScheme
from .report import SplitReport
from .source import InvalidRecords, SourceDocument

logger = logging.getLogger("spacy_biolm")

ReadSource = Callable[[InvalidRecords], Iterable[SourceDocument]]


def make_example(nlp: Language, reference: Doc) -> Example:
    """An Example for training or evaluation, made the way spaCy's Corpus makes it.

    nlp (Language): The pipeline; its tokenizer makes the predicted doc.
    reference (Doc): The gold doc; its user_data (annotated labels, source) is kept.
    RETURNS (Example): The example.
    """
    return Example(nlp.make_doc(reference.text), reference)


class SourceCorpus:
    """Read a corpus in its source format as Examples, like spaCy's Corpus.

    The reference docs are tokenized with the pipeline's own tokenizer, so their
    gold spans align with what the pipeline will predict on.

    read (ReadSource): Yields the source documents, given the invalid-record policy.
    scheme (LabelScheme): How source types become labels.
    source (Optional[str]): The corpus name for `doc._.biolm_source`.
    skip_invalid (bool): Skip invalid records (logged) instead of raising.
    limit (int): Read at most this many documents (0: all).
    """

    def __init__(
        self,
        read: ReadSource,
        scheme: LabelScheme,
        *,
        source: Optional[str] = None,
        skip_invalid: bool = False,
        limit: int = 0,
    ) -> None:
        self.read = read
        self.scheme = scheme
        self.source = source
        self.skip_invalid = skip_invalid
        self.limit = limit

    @classmethod
    def create(
        cls,
        read: ReadSource,
        *,
        label_map: Mapping[str, str],
        ignore_types: Sequence[str],
        annotated_labels: Optional[Sequence[str]],
        source: Optional[str],
        skip_invalid: bool,
        limit: int,
    ) -> "SourceCorpus":
        """The reader behind every registered `spacy-biolm.<Format>Corpus.v1`.

        read (ReadSource): Yields the source documents.
        label_map (Mapping[str, str]): Source type -> label; empty: types are labels.
        ignore_types (Sequence[str]): Known types that are not converted.
        annotated_labels (Optional[Sequence[str]]): The labels the corpus annotates;
            None: the labels of label_map, or all labels without a label_map.
        source (Optional[str]): The corpus name for `doc._.biolm_source`.
        skip_invalid (bool): Skip invalid records instead of raising.
        limit (int): Read at most this many documents (0: all).
        RETURNS (SourceCorpus): The reader.
        """
        scheme = LabelScheme.create(
            label_map, ignore_types=ignore_types, annotated_labels=annotated_labels
        )
        return cls(read, scheme, source=source, skip_invalid=skip_invalid, limit=limit)

    def __call__(self, nlp: Language) -> Iterator[Example]:
        """Yield the examples of the corpus.

        nlp (Language): The current pipeline.
        YIELDS (Example): One example per document.
        """
        invalid = InvalidRecords(skip=self.skip_invalid)
        report = SplitReport(self.source or "", "")
        builder = DocBuilder(nlp, self.scheme, source=self.source, invalid=invalid, report=report)
        for count, doc in enumerate(builder(self.read(invalid)), start=1):
            yield make_example(nlp, doc)
            if count == self.limit:
                break
        if report.recovered or report.dropped or invalid.skipped:
            logger.info(
                "Read %d docs: %d mentions recovered by expanding to token boundaries, "
                "%d dropped, %d invalid records skipped",
                report.docs,
                report.recovered,
                sum(report.dropped.values()),
                len(invalid.skipped),
            )
