"""BioC XML (BC5CDR's BioC release and other PubTator/BioC exports).

A document is the concatenation of its passages placed at their offsets (the gap
before a passage is filled with spaces); annotation locations are document offsets.
Annotations with several locations are discontinuous mentions. BioC marks the
parts of a composite mention ("liver and kidney disease") as extra annotations with
`CompositeRole=IndividualMention`; PubTator leaves them out, and so do we (counted
as ignored in the report), so both releases of BC5CDR give the same mentions.
"""

import xml.sax
from functools import partial
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple
from xml.sax.expatreader import ExpatLocator, ExpatParser
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import AttributesImpl, Locator

from spacy.util import SimpleFrozenDict, SimpleFrozenList, registry

from ..errors import Errors
from .reader import SourceCorpus
from .source import (
    CorpusError,
    InvalidRecords,
    Location,
    SourceDocument,
    SourceMention,
    read_text,
)

INDIVIDUAL_MENTION = "BioC IndividualMention (a part of a composite mention)"
ANNOTATION_LAYOUT = '<annotation> with an <infon key="type">, <location>s and a <text>'
FEED_CHARS = 1 << 20


@registry.readers("spacy-biolm.BioCCorpus.v1")
def create_bioc_reader_v1(
    path: Path,
    *,
    label_map: Dict[str, str] = SimpleFrozenDict(),
    ignore_types: List[str] = SimpleFrozenList(),
    annotated_labels: Optional[List[str]] = None,
    source: Optional[str] = None,
    skip_invalid: bool = False,
    limit: int = 0,
) -> SourceCorpus:
    """Read a BioC XML file as Examples (one per document).

    path (Path): The BioC XML file.
    label_map (Dict[str, str]): Source type -> label; empty: types are labels.
    ignore_types (List[str]): Known types that are not converted (counted).
    annotated_labels (Optional[List[str]]): The labels the corpus annotates;
        None: the labels of label_map, or all labels without a label_map.
    source (Optional[str]): The corpus name for `doc._.biolm_source`.
    skip_invalid (bool): Skip invalid records (logged) instead of raising.
    limit (int): Read at most this many documents (0: all).
    RETURNS (SourceCorpus): Callable `nlp -> Iterator[Example]`.
    """
    return SourceCorpus.create(
        partial(read_bioc, Path(path)),
        label_map=label_map,
        ignore_types=ignore_types,
        annotated_labels=annotated_labels,
        source=source,
        skip_invalid=skip_invalid,
        limit=limit,
    )


def read_bioc(path: Path, invalid: InvalidRecords) -> Iterator[SourceDocument]:
    """Yield the documents of a BioC XML file, streaming.

    A document with a bad annotation loses only that annotation; XML that is not
    well-formed ends the file (with `skip_invalid`, after the documents before it).

    path (Path): The BioC XML file.
    invalid (InvalidRecords): Raises or skips invalid records.
    YIELDS (SourceDocument): The documents in file order.
    """
    try:
        text = read_text(path)
    except CorpusError as error:
        invalid.handle(error)
        return
    handler = _BioCHandler(path, invalid)
    parser = ExpatParser()
    parser.setContentHandler(handler)
    # parse() would set the locator, but feeding incrementally does not.
    handler.setDocumentLocator(ExpatLocator(parser))
    try:
        for start in range(0, len(text), FEED_CHARS):
            parser.feed(text[start : start + FEED_CHARS])
            yield from handler.pop_documents()
        parser.close()
    except xml.sax.SAXParseException as err:
        where = Location(path, err.getLineNumber())
        invalid.handle(CorpusError(Errors.E1067.format(where=where, reason=err.getMessage())))
    yield from handler.pop_documents()


class _Annotation:
    def __init__(self, where: Location) -> None:
        self.where = where
        self.infons: Dict[str, str] = {}
        self.locations: List[Tuple[str, str, Location]] = []
        self.text = ""


class _BioCHandler(ContentHandler):
    """SAX events -> SourceDocuments, with the line of each annotation."""

    def __init__(self, path: Path, invalid: InvalidRecords) -> None:
        super().__init__()
        self.path = path
        self.invalid = invalid
        self._locator: Optional[Locator] = None
        self._documents: List[SourceDocument] = []
        self._stack: List[str] = []
        self._chars: List[str] = []
        self._infon_key = ""
        self._reset_document()

    def setDocumentLocator(self, locator: Locator) -> None:  # noqa: N802 (SAX API)
        self._locator = locator

    def pop_documents(self) -> List[SourceDocument]:
        """The documents completed since the last call."""
        documents, self._documents = self._documents, []
        return documents

    def _where(self) -> Location:
        line = self._locator.getLineNumber() if self._locator is not None else None
        return Location(self.path, line)

    def _reset_document(self) -> None:
        self._doc_id = ""
        self._doc_where = Location(self.path)
        self._text = ""
        self._passage_offset = 0
        self._annotations: List[_Annotation] = []
        self._annotation: Optional[_Annotation] = None
        self._broken = False

    def startElement(self, name: str, attrs: AttributesImpl) -> None:  # noqa: N802
        self._stack.append(name)
        self._chars = []
        if name == "document":
            self._reset_document()
            self._doc_where = self._where()
        elif name == "annotation":
            self._annotation = _Annotation(self._where())
        elif name == "location" and self._annotation is not None:
            offset, length = attrs.get("offset", ""), attrs.get("length", "")
            self._annotation.locations.append((offset, length, self._where()))
        elif name == "infon":
            self._infon_key = attrs.get("key", "")

    def characters(self, content: str) -> None:
        self._chars.append(content)

    def endElement(self, name: str) -> None:  # noqa: N802
        self._stack.pop()
        parent = self._stack[-1] if self._stack else ""
        value = "".join(self._chars)
        self._chars = []
        annotation = self._annotation
        if name == "id" and parent == "document":
            self._doc_id = value.strip()
        elif parent == "passage" and name in ("offset", "text"):
            self._add_passage_part(name, value)
        elif annotation is not None and name == "text" and parent == "annotation":
            annotation.text = value
        elif annotation is not None and name == "infon" and parent == "annotation":
            annotation.infons[self._infon_key] = value
        elif annotation is not None and name == "annotation":
            self._annotations.append(annotation)
            self._annotation = None
        elif name == "document":
            self._finish_document()

    def _number(self, value: str, what: str, where: Optional[Location] = None) -> int:
        if not value.strip().isdigit():
            where = where or self._where()
            raise CorpusError(Errors.E1062.format(where=where, line=value, expected=what))
        return int(value)

    def _add_passage_part(self, name: str, value: str) -> None:
        # A bad passage spoils the offsets of its whole document: it is skipped.
        try:
            if name == "offset":
                self._passage_offset = self._number(value, "<offset> of a passage")
            elif self._passage_offset < len(self._text):
                raise CorpusError(
                    Errors.E1075.format(
                        where=self._where(), offset=self._passage_offset, end=len(self._text)
                    )
                )
            else:
                self._text += " " * (self._passage_offset - len(self._text)) + value
        except CorpusError as error:
            self._broken = True
            self.invalid.handle(error)

    def _finish_document(self) -> None:
        if self._broken:
            return
        document = SourceDocument(self._doc_id, self._text, [], self._doc_where)
        for annotation in self._annotations:
            if annotation.infons.get("CompositeRole") == "IndividualMention":
                document.ignored[INDIVIDUAL_MENTION] += 1
                continue
            try:
                document.mentions.append(self._mention(annotation))
            except CorpusError as error:
                self.invalid.handle(error)
        self._documents.append(document)

    def _mention(self, annotation: _Annotation) -> SourceMention:
        where = annotation.where
        if "type" not in annotation.infons or not annotation.locations:
            raise CorpusError(
                Errors.E1062.format(where=where, line=annotation.text, expected=ANNOTATION_LAYOUT)
            )
        pieces = []
        for offset, length, place in annotation.locations:
            start = self._number(offset, "a <location> with a numeric offset", place)
            pieces.append((start, start + self._number(length, "a numeric length", place)))
        pieces.sort()
        fragments = tuple(pieces) if len(pieces) > 1 else ()
        return SourceMention(
            pieces[0][0],
            pieces[-1][1],
            annotation.infons["type"],
            annotation.text,
            where,
            fragments,
        )
