"""brat standoff (JNLPBA as released here, and brat exports of users' data).

A folder of `NAME.txt` documents, each with `NAME.ann`:

    T1<TAB>protein 0 27<TAB>Anti-Ro(SSA) autoantibodies
    T2<TAB>DNA 48 55;60 66<TAB>T cell genes          (discontinuous: dropped, counted)
    R1<TAB>...  E1<TAB>...  A1<TAB>...  #1<TAB>...  (not mentions: counted as ignored)
"""

from functools import partial
from pathlib import Path
from typing import Collection, Dict, Iterator, List, Optional

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
    read_text,
    split_fields,
)

ENTITY_LAYOUT = "T<n><TAB>type start end[;start end...]<TAB>text"
NON_MENTION_KINDS = "REAMN#*"
NOT_A_MENTION = "brat annotation that is not an entity (relation, event, attribute, note)"


@registry.readers("spacy-biolm.BratCorpus.v1")
def create_brat_reader_v1(
    path: Path,
    *,
    label_map: Dict[str, str] = SimpleFrozenDict(),
    ignore_types: List[str] = SimpleFrozenList(),
    annotated_labels: Optional[List[str]] = None,
    source: Optional[str] = None,
    skip_invalid: bool = False,
    limit: int = 0,
) -> SourceCorpus:
    """Read a folder of brat .txt/.ann pairs as Examples (one per .txt file).

    path (Path): The folder.
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
        partial(read_brat, Path(path)),
        label_map=label_map,
        ignore_types=ignore_types,
        annotated_labels=annotated_labels,
        source=source,
        skip_invalid=skip_invalid,
        limit=limit,
    )


def brat_documents(folder: Path) -> List[str]:
    """The names of the documents in a brat folder, sorted.

    folder (Path): The folder.
    RETURNS (List[str]): The file names without extension of every .txt or .ann file.
    """
    if not folder.is_dir():
        raise CorpusError(Errors.E1068.format(path=folder, what="a folder of .txt and .ann files"))
    return sorted({path.stem for path in folder.iterdir() if path.suffix in (".txt", ".ann")})


def read_brat(
    folder: Path, invalid: InvalidRecords, *, documents: Optional[Collection[str]] = None
) -> Iterator[SourceDocument]:
    """Yield the documents of a brat folder, in name order.

    folder (Path): The folder of NAME.txt and NAME.ann files.
    invalid (InvalidRecords): Raises or skips invalid records.
    documents (Optional[Collection[str]]): The names to read; None: all.
    YIELDS (SourceDocument): The documents.
    """
    for name in brat_documents(folder):
        if documents is not None and name not in documents:
            continue
        try:
            yield _read_document(folder, name, invalid)
        except CorpusError as error:
            invalid.handle(error)


def _read_document(folder: Path, name: str, invalid: InvalidRecords) -> SourceDocument:
    text_path = folder / f"{name}.txt"
    ann_path = folder / f"{name}.ann"
    for path, partner in ((text_path, ann_path), (ann_path, text_path)):
        if not path.exists():
            raise CorpusError(Errors.E1084.format(path=partner, partner=path.name))
    document = SourceDocument(name, read_text(text_path), [], Location(text_path))
    for where, line in iter_lines(ann_path, invalid, allow_empty=True):
        if not line.strip():
            continue
        if line[0] in NON_MENTION_KINDS:
            document.ignored[NOT_A_MENTION] += 1
            continue
        try:
            document.mentions.append(_parse_entity(where, line))
        except CorpusError as error:
            invalid.handle(error)
    return document


def _parse_entity(where: Location, line: str) -> SourceMention:
    fields = split_fields(line, where, n=3, expected=ENTITY_LAYOUT)
    type_and_offsets = fields[1].split(" ", 1)
    if not line.startswith("T") or len(type_and_offsets) != 2:
        raise CorpusError(Errors.E1062.format(where=where, line=line, expected=ENTITY_LAYOUT))
    pieces = []
    for piece in type_and_offsets[1].split(";"):
        offsets = piece.split()
        if len(offsets) != 2:
            raise CorpusError(Errors.E1062.format(where=where, line=line, expected=ENTITY_LAYOUT))
        start, end = (parse_offset(value, where, line, ENTITY_LAYOUT) for value in offsets)
        pieces.append((start, end))
    fragments = tuple(pieces) if len(pieces) > 1 else ()
    return SourceMention(
        pieces[0][0], pieces[-1][1], type_and_offsets[0], fields[2], where, fragments
    )
