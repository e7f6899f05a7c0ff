"""CoNLL-style IOB files, for users' own data.

One token per line, the token in the first column and its tag in the last
(columns separated by tabs or spaces); a blank line ends a sentence; a
`-DOCSTART-` line starts a document. Tags are O, B-TYPE and I-TYPE; an I-TYPE that
does not continue a TYPE mention starts one (IOB1, as in CoNLL-2003).

The text is rebuilt with one space between tokens and a newline between sentences.
A file with `-DOCSTART-` lines gives one document per DOCSTART; a file without
gives one document per sentence.
"""

from functools import partial
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

from spacy.training import iob_to_biluo
from spacy.training.iob_utils import tags_to_entities
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
)

DOCSTART = "-DOCSTART-"
TOKEN_LAYOUT = "TOKEN [other columns] TAG"

Token = Tuple[Location, str, str]  # where, token text, tag


@registry.readers("spacy-biolm.IOBCorpus.v1")
def create_iob_reader_v1(
    path: Path,
    *,
    label_map: Dict[str, str] = SimpleFrozenDict(),
    ignore_types: List[str] = SimpleFrozenList(),
    annotated_labels: Optional[List[str]] = None,
    source: Optional[str] = None,
    skip_invalid: bool = False,
    limit: int = 0,
) -> SourceCorpus:
    """Read a CoNLL/IOB file as Examples (one per document, or per sentence).

    path (Path): The IOB file.
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
        partial(read_iob, Path(path)),
        label_map=label_map,
        ignore_types=ignore_types,
        annotated_labels=annotated_labels,
        source=source,
        skip_invalid=skip_invalid,
        limit=limit,
    )


def read_iob(path: Path, invalid: InvalidRecords) -> Iterator[SourceDocument]:
    """Yield the documents of an IOB file.

    A line with a bad tag is a bad record: with `skip_invalid` its token is left
    out of the text.

    path (Path): The IOB file.
    invalid (InvalidRecords): Raises or skips invalid records.
    YIELDS (SourceDocument): The documents.
    """
    for number, sentences in enumerate(_group_documents(_read_sentences(path, invalid)), 1):
        yield _make_document(f"{path.stem}:{number}", sentences)


def _read_sentences(path: Path, invalid: InvalidRecords) -> Iterator[Optional[List[Token]]]:
    # The sentences of the file, with None for a -DOCSTART- line.
    sentence: List[Token] = []
    for where, line in iter_lines(path, invalid):
        fields = line.split()
        if not fields or fields[0] == DOCSTART:
            if sentence:
                yield sentence
                sentence = []
            if fields:
                yield None
            continue
        try:
            sentence.append((where, fields[0], _check_tag(fields, where, line)))
        except CorpusError as error:
            invalid.handle(error)
    if sentence:
        yield sentence


def _group_documents(items: Iterable[Optional[List[Token]]]) -> Iterator[List[List[Token]]]:
    # One document per DOCSTART if the file has any, else one per sentence.
    items = list(items)
    if None not in items:
        yield from ([sentence] for sentence in items if sentence is not None)
        return
    document: List[List[Token]] = []
    for item in items:
        if item is not None:
            document.append(item)
        elif document:
            yield document
            document = []
    if document:
        yield document


def _make_document(doc_id: str, sentences: List[List[Token]]) -> SourceDocument:
    text = "\n".join(" ".join(token for _, token, _ in sentence) for sentence in sentences)
    mentions = []
    offset = 0
    for sentence in sentences:
        starts = []
        for _, token, _ in sentence:
            starts.append(offset)
            offset += len(token) + 1
        # spaCy's own IOB handling (an I-TYPE not continuing TYPE starts a mention);
        # tags_to_entities rather than biluo_tags_to_offsets: there is no Doc yet.
        biluo = iob_to_biluo([tag for _, _, tag in sentence])
        for mention_type, first, last in tags_to_entities(biluo):
            start, end = starts[first], starts[last] + len(sentence[last][1])
            where = sentence[first][0]
            mentions.append(SourceMention(start, end, mention_type, text[start:end], where))
    where = sentences[0][0][0]
    return SourceDocument(doc_id, text, mentions, where)


def _check_tag(fields: List[str], where: Location, line: str) -> str:
    if len(fields) < 2:
        raise CorpusError(Errors.E1062.format(where=where, line=line, expected=TOKEN_LAYOUT))
    tag = fields[-1]
    prefix, dash, mention_type = tag.partition("-")
    if tag != "O" and not (prefix in ("B", "I") and dash and mention_type):
        raise CorpusError(Errors.E1070.format(where=where, tag=tag))
    return tag
