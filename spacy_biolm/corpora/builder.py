"""Turn source documents of any format into gold-annotated Docs.

One builder serves every reader: it checks each mention against the document
text, maps its type to a label, aligns it to tokens and writes the gold standard
(`doc.spans["biolm_ents"]`, `doc.ents`, `doc._.annotated_labels`,
`doc._.biolm_source`), counting everything in a `SplitReport`.
"""

from typing import Dict, Iterable, Iterator, Optional, Set, Tuple

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from ..annotations import SOURCE_ATTR, SPANS_KEY, set_annotated_labels
from ..errors import Errors
from .alignment import DROPPED, RECOVERED, align, misaligned_boundaries, show_misalignment
from .errata import find_erratum
from .labels import LabelScheme
from .report import SplitReport
from .source import CorpusError, InvalidRecords, SourceDocument, SourceMention

DISCONTINUOUS = "discontinuous mention (not representable as one span)"


def make_nlp() -> Language:
    """The pipeline whose tokenizer the converted corpora are tokenized with.

    RETURNS (Language): A blank English pipeline with the biomedical tokenizer, the
        one `biolm` pipelines use, so that the gold spans align with their tokens.
    """
    tokenizer = {"@tokenizers": "spacy-biolm.Tokenizer.v1"}
    return spacy.blank("en", config={"nlp": {"tokenizer": tokenizer}})


class DocBuilder:
    """Build gold Docs from source documents, counting into a report.

    nlp (Language): The pipeline whose tokenizer (`make_doc`) splits the text.
    scheme (LabelScheme): How source types become labels.
    source (Optional[str]): The corpus name for `doc._.biolm_source`.
    invalid (InvalidRecords): Raises or skips invalid mention records.
    report (SplitReport): Receives the counts.
    """

    def __init__(
        self,
        nlp: Language,
        scheme: LabelScheme,
        *,
        source: Optional[str],
        invalid: InvalidRecords,
        report: SplitReport,
    ) -> None:
        self.nlp = nlp
        self.scheme = scheme
        self.source = source
        self.invalid = invalid
        self.report = report
        self._seen_ids: Set[str] = set()

    def __call__(self, documents: Iterable[SourceDocument]) -> Iterator[Doc]:
        """Build a Doc for each source document.

        documents (Iterable[SourceDocument]): The documents of one split.
        YIELDS (Doc): The gold-annotated documents, in order.
        """
        for document in documents:
            yield self.build(document)

    def build(self, document: SourceDocument) -> Doc:
        """Build the gold-annotated Doc of one source document.

        document (SourceDocument): The document and its mentions.
        RETURNS (Doc): The tokenized document with its gold spans.
        """
        report = self.report
        report.docs += 1
        report.ignored.update(document.ignored)
        if document.id in self._seen_ids:
            report.duplicate_doc_ids.append(document.id)
        self._seen_ids.add(document.id)
        doc = self.nlp.make_doc(document.text)
        spans: Dict[Tuple[int, int, str], Span] = {}
        for mention in document.mentions:
            report.source_mentions[mention.type] += 1
            try:
                mention = self._check(document, mention)
                label = self.scheme.label(mention)
            except CorpusError as error:
                report.invalid_mentions += 1
                self.invalid.handle(error)
                continue
            if label is None:
                report.unmapped[mention.type] += 1
            elif mention.fragments:
                report.dropped[DISCONTINUOUS] += 1
            else:
                span = self._align(doc, document.text, mention, label)
                if span is not None:
                    key = (span.start, span.end, label)
                    report.merged_duplicates += key in spans
                    spans[key] = span
        gold = sorted(spans.values(), key=lambda span: (span.start, span.end, span.label_))
        doc.spans[SPANS_KEY] = gold
        doc.ents = filter_spans(gold)
        set_annotated_labels(doc, self.scheme.annotated_labels)
        doc._.set(SOURCE_ATTR, self.source)
        return doc

    def _check(self, document: SourceDocument, mention: SourceMention) -> SourceMention:
        # Offsets in range and, for each piece, the text the source states.
        erratum = find_erratum(document.id, mention.start, mention.end, mention.text)
        if erratum is not None:
            self.report.errata.append(f"{mention.where}: {erratum.reason}")
            mention = SourceMention(
                erratum.start, erratum.end, mention.type, erratum.text, mention.where
            )
        pieces = mention.fragments or ((mention.start, mention.end),)
        for start, end in pieces:
            if not 0 <= start < end <= len(document.text):
                raise CorpusError(
                    Errors.E1063.format(
                        where=mention.where,
                        start=start,
                        end=end,
                        text=mention.text,
                        doc=document.id,
                        length=len(document.text),
                    )
                )
        found = " ".join(document.text[start:end] for start, end in pieces)
        if found != mention.text:
            raise CorpusError(
                Errors.E1064.format(
                    where=mention.where,
                    text=mention.text,
                    found=found,
                    start=mention.start,
                    end=mention.end,
                    doc=document.id,
                )
            )
        return mention

    def _align(self, doc: Doc, text: str, mention: SourceMention, label: str) -> Optional[Span]:
        alignment = align(doc, text, mention.start, mention.end, label)
        if alignment.status == DROPPED:
            self.report.dropped[alignment.reason] += 1
            return None
        self.report.add_alignment(alignment.status, label)
        if alignment.status == RECOVERED:
            span = alignment.span
            assert span is not None
            self.report.add_misalignment(
                misaligned_boundaries(span, text, mention.start, mention.end),
                show_misalignment(span, text, mention.start, mention.end),
            )
        return alignment.span
