"""PubTator: BC5CDR, NCBI-disease and PubTator exports.

    PMID|t|title
    PMID|a|abstract
    PMID<TAB>start<TAB>end<TAB>mention text<TAB>type[<TAB>ids...]
    PMID<TAB>CID<TAB>chemical<TAB>disease        (relations: not mentions)
    <blank line between documents>

Offsets count characters of "title abstract" (title, one space, abstract).
"""

import re
from functools import partial
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

from spacy.util import SimpleFrozenDict, SimpleFrozenList, registry

from ..errors import Errors
from .reader import SourceCorpus
from .source import (
    CorpusError,
    InvalidRecords,
    Location,
    SourceDocument,
    SourceMention,
    iter_lines,
    parse_offset,
    split_fields,
)

TEXT_LINE = re.compile(r"^([^|\t]+)\|([ta])\|(.*)$")
TITLE_LAYOUT = "a title line PMID|t|title starting the document"
MENTION_LAYOUT = "PMID<TAB>start<TAB>end<TAB>text<TAB>type"

RELATION = "PubTator relation line (not a mention)"

Line = Tuple[Location, str]


@registry.readers("spacy-biolm.PubTatorCorpus.v1")
def create_pubtator_reader_v1(
    path: Path,
    *,
    label_map: Dict[str, str] = SimpleFrozenDict(),
    ignore_types: List[str] = SimpleFrozenList(),
    annotated_labels: Optional[List[str]] = None,
    source: Optional[str] = None,
    skip_invalid: bool = False,
    limit: int = 0,
) -> SourceCorpus:
    """Read a PubTator file as Examples (one per title + abstract).

    path (Path): The PubTator file.
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
        partial(read_pubtator, Path(path)),
        label_map=label_map,
        ignore_types=ignore_types,
        annotated_labels=annotated_labels,
        source=source,
        skip_invalid=skip_invalid,
        limit=limit,
    )


def read_pubtator(path: Path, invalid: InvalidRecords) -> Iterator[SourceDocument]:
    """Yield the documents of a PubTator file.

    A bad title or abstract line invalidates its whole document; a bad mention line
    only itself.

    path (Path): The PubTator file.
    invalid (InvalidRecords): Raises or skips invalid records.
    YIELDS (SourceDocument): The documents in file order.
    """
    for lines in _group_documents(iter_lines(path, invalid)):
        try:
            yield _parse_document(lines, invalid)
        except CorpusError as error:
            invalid.handle(error)


def _group_documents(lines: Iterable[Line]) -> Iterator[List[Line]]:
    # A document ends at a blank line or where the next title line starts.
    group: List[Line] = []
    for where, line in lines:
        text_line = TEXT_LINE.match(line)
        if group and (not line.strip() or (text_line is not None and text_line.group(2) == "t")):
            yield group
            group = []
        if line.strip():
            group.append((where, line))
    if group:
        yield group


def _parse_document(lines: List[Line], invalid: InvalidRecords) -> SourceDocument:
    (where, first), *rest = lines
    title = TEXT_LINE.match(first)
    if title is None or title.group(2) != "t":
        raise CorpusError(Errors.E1062.format(where=where, line=first, expected=TITLE_LAYOUT))
    doc_id = title.group(1)
    abstract = TEXT_LINE.match(rest[0][1]) if rest else None
    if abstract is None or abstract.group(2) != "a" or abstract.group(1) != doc_id:
        raise CorpusError(
            Errors.E1066.format(where=where, doc=doc_id, missing="abstract line (PMID|a|...)")
        )
    document = SourceDocument(doc_id, f"{title.group(3)} {abstract.group(3)}", [], where)
    for line_where, line in rest[1:]:
        try:
            mention = _parse_annotation(doc_id, line_where, line)
        except CorpusError as error:
            invalid.handle(error)
            continue
        if mention is None:
            document.ignored[RELATION] += 1
        else:
            document.mentions.append(mention)
    return document


def _parse_annotation(doc_id: str, where: Location, line: str) -> Optional[SourceMention]:
    # A mention, or None for a relation line (PMID<TAB>CID<TAB>id<TAB>id).
    fields = split_fields(line, where, n=4, expected=MENTION_LAYOUT)
    if fields[0] != doc_id:
        raise CorpusError(
            Errors.E1062.format(
                where=where, line=line, expected=f"an annotation of document {doc_id}"
            )
        )
    if len(fields) == 4 and not fields[1].strip().isdigit():
        return None
    fields = split_fields(line, where, n=5, expected=MENTION_LAYOUT)
    start = parse_offset(fields[1], where, line, MENTION_LAYOUT)
    end = parse_offset(fields[2], where, line, MENTION_LAYOUT)
    return SourceMention(start, end, fields[4], fields[3], where)
