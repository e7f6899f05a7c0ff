"""Species tag tables: LINNAEUS (tags.tsv + txt/) and Species-800 (S800.tsv + abstracts/).

    LINNAEUS:  species:ncbi:4932<TAB>pmcA102792<TAB>75<TAB>80<TAB>yeast<TAB>code
    S800:      5833<TAB>species001:21183147<TAB>32<TAB>52<TAB>Plasmodium falciparum

Both name the species id, the document, start, end and the mention text. The
document field is a text file name without ".txt", optionally followed by ":"
and a PMID (S800). LINNAEUS ends are exclusive; S800 ends are inclusive (its end
points at the last character). Lines starting with "#" are headers. Every mention
has the type "species".
"""

from collections import defaultdict
from functools import partial
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Set

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

SPECIES_TYPE = "species"
TAG_LAYOUT = "species id<TAB>document<TAB>start<TAB>end<TAB>text"


@registry.readers("spacy-biolm.SpeciesTsvCorpus.v1")
def create_species_tsv_reader_v1(
    path: Path,
    annotations: Path,
    *,
    documents: Optional[List[str]] = None,
    end_inclusive: bool = False,
    label_map: Dict[str, str] = SimpleFrozenDict(),
    ignore_types: List[str] = SimpleFrozenList(),
    annotated_labels: Optional[List[str]] = None,
    source: Optional[str] = None,
    skip_invalid: bool = False,
    limit: int = 0,
) -> SourceCorpus:
    """Read a folder of texts and a species tag table as Examples (one per text).

    The mention type is "species"; map it with label_map={"species": "Species"}.

    path (Path): The folder of NAME.txt documents.
    annotations (Path): The tag table (tags.tsv, S800.tsv).
    documents (Optional[List[str]]): The names to read (e.g. a split); None: all.
    end_inclusive (bool): The end column points at the last character (S800).
    label_map (Dict[str, str]): Source type -> label; empty: types are labels.
    ignore_types (List[str]): Known types that are not converted (counted).
    annotated_labels (Optional[List[str]]): The labels the corpus annotates;
        None: the labels of label_map, or all labels without a label_map.
    source (Optional[str]): The corpus name for `doc._.biolm_source`.
    skip_invalid (bool): Skip invalid records (logged) instead of raising.
    limit (int): Read at most this many documents (0: all).
    RETURNS (SourceCorpus): Callable `nlp -> Iterator[Example]`.
    """
    read = partial(
        read_species_tsv,
        Path(path),
        Path(annotations),
        documents=documents,
        end_inclusive=end_inclusive,
    )
    return SourceCorpus.create(
        read,
        label_map=label_map,
        ignore_types=ignore_types,
        annotated_labels=annotated_labels,
        source=source,
        skip_invalid=skip_invalid,
        limit=limit,
    )


def read_species_tsv(
    folder: Path,
    annotations: Path,
    invalid: InvalidRecords,
    *,
    documents: Optional[Sequence[str]] = None,
    end_inclusive: bool = False,
) -> Iterator[SourceDocument]:
    """Yield the documents of a text folder with the mentions of a tag table.

    folder (Path): The folder of NAME.txt documents.
    annotations (Path): The tag table.
    invalid (InvalidRecords): Raises or skips invalid records.
    documents (Optional[Sequence[str]]): The names to read, in this order; None:
        every .txt file of the folder, sorted.
    end_inclusive (bool): The end column points at the last character.
    YIELDS (SourceDocument): The documents.
    """
    if not folder.is_dir():
        raise CorpusError(Errors.E1068.format(path=folder, what="a folder of NAME.txt files"))
    available = sorted(path.stem for path in folder.glob("*.txt"))
    names = available if documents is None else list(documents)
    mentions = _read_tags(annotations, folder, set(available), invalid, end_inclusive)
    for name in names:
        text_path = folder / f"{name}.txt"
        try:
            text = read_text(text_path)
        except CorpusError as error:
            invalid.handle(error)
            continue
        yield SourceDocument(name, text, mentions.get(name, []), Location(text_path))


def _read_tags(
    path: Path, folder: Path, available: Set[str], invalid: InvalidRecords, end_inclusive: bool
) -> Dict[str, List[SourceMention]]:
    mentions: Dict[str, List[SourceMention]] = defaultdict(list)
    for where, line in iter_lines(path, invalid):
        if line.startswith("#") or not line.strip():
            continue
        try:
            fields = split_fields(line, where, n=5, expected=TAG_LAYOUT)
            name = fields[1].split(":", 1)[0]
            if name not in available:
                raise CorpusError(Errors.E1069.format(where=where, doc=name, texts=folder))
            start = parse_offset(fields[2], where, line, TAG_LAYOUT)
            end = parse_offset(fields[3], where, line, TAG_LAYOUT) + end_inclusive
            mentions[name].append(SourceMention(start, end, SPECIES_TYPE, fields[4], where))
        except CorpusError as error:
            invalid.handle(error)
    return mentions
