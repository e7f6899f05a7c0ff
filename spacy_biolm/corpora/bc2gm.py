"""BioCreative II Gene Mention (BC2GM): sentences and GENE.eval offsets.

    train.in:   SENTENCE_ID sentence text
    GENE.eval:  SENTENCE_ID|start end|mention text

The offsets count non-space characters before the mention (start) and up to and
including its last character (end). ALTGENE.eval lists accepted alternatives for
evaluation; they are not extra mentions and are not read. Documents are sentences,
as the corpus was built.
"""

from collections import defaultdict
from functools import partial
from pathlib import Path
from typing import Dict, Iterator, List, Optional

from spacy.util import SimpleFrozenDict, SimpleFrozenList, registry

from ..errors import Errors
from .reader import SourceCorpus
from .source import (
    CorpusError,
    InvalidRecords,
    SourceDocument,
    SourceMention,
    iter_lines,
    parse_offset,
    split_fields,
)

GENE_TYPE = "GENE"
SENTENCE_LAYOUT = "SENTENCE_ID sentence text"
EVAL_LAYOUT = "SENTENCE_ID|start end|text, offsets counting non-space characters"


@registry.readers("spacy-biolm.BC2GMCorpus.v1")
def create_bc2gm_reader_v1(
    path: Path,
    annotations: Path,
    *,
    label_map: Dict[str, str] = SimpleFrozenDict(),
    ignore_types: List[str] = SimpleFrozenList(),
    annotated_labels: Optional[List[str]] = None,
    source: Optional[str] = None,
    skip_invalid: bool = False,
    limit: int = 0,
) -> SourceCorpus:
    """Read BC2GM sentences and their GENE.eval mentions as Examples (one per sentence).

    The mention type is "GENE"; map it with label_map={"GENE": "Gene"}.

    path (Path): The sentence file (train.in, test.in, ...).
    annotations (Path): The GENE.eval file beside it.
    label_map (Dict[str, str]): Source type -> label; empty: types are labels.
    ignore_types (List[str]): Known types that are not converted (counted).
    annotated_labels (Optional[List[str]]): The labels the corpus annotates;
        None: the labels of label_map, or all labels without a label_map.
    source (Optional[str]): The corpus name for `doc._.biolm_source`.
    skip_invalid (bool): Skip invalid records (logged) instead of raising.
    limit (int): Read at most this many sentences (0: all).
    RETURNS (SourceCorpus): Callable `nlp -> Iterator[Example]`.
    """
    return SourceCorpus.create(
        partial(read_bc2gm, Path(path), Path(annotations)),
        label_map=label_map,
        ignore_types=ignore_types,
        annotated_labels=annotated_labels,
        source=source,
        skip_invalid=skip_invalid,
        limit=limit,
    )


def read_bc2gm(path: Path, annotations: Path, invalid: InvalidRecords) -> Iterator[SourceDocument]:
    """Yield the sentences of a BC2GM .in file with the mentions of GENE.eval.

    path (Path): The sentence file.
    annotations (Path): The GENE.eval file.
    invalid (InvalidRecords): Raises or skips invalid records.
    YIELDS (SourceDocument): One document per sentence, in file order.
    """
    sentences: Dict[str, SourceDocument] = {}
    for where, line in iter_lines(path, invalid):
        sentence_id, sep, text = line.partition(" ")
        if not sep or not sentence_id:
            error = Errors.E1062.format(where=where, line=line, expected=SENTENCE_LAYOUT)
        elif sentence_id in sentences:
            first = sentences[sentence_id].where
            error = Errors.E1083.format(where=where, doc=sentence_id, first=first)
        else:
            sentences[sentence_id] = SourceDocument(sentence_id, text, [], where)
            continue
        invalid.handle(CorpusError(error))
    mentions = _read_eval(annotations, path, sentences, invalid)
    for sentence_id, document in sentences.items():
        document.mentions.extend(mentions.get(sentence_id, ()))
        yield document


def _read_eval(
    path: Path, sentence_path: Path, sentences: Dict[str, SourceDocument], invalid: InvalidRecords
) -> Dict[str, List[SourceMention]]:
    mentions: Dict[str, List[SourceMention]] = defaultdict(list)
    # Per sentence, the character offset of each non-space character.
    char_offsets: Dict[str, List[int]] = {}
    for where, line in iter_lines(path, invalid):
        try:
            fields = split_fields(line, where, n=3, expected=EVAL_LAYOUT, sep="|")
            sentence_id, bounds, text = fields[0], fields[1].split(), "|".join(fields[2:])
            if sentence_id not in sentences:
                raise CorpusError(
                    Errors.E1069.format(where=where, doc=sentence_id, texts=sentence_path)
                )
            if len(bounds) != 2:
                raise CorpusError(Errors.E1062.format(where=where, line=line, expected=EVAL_LAYOUT))
            first, last = (parse_offset(value, where, line, EVAL_LAYOUT) for value in bounds)
            if sentence_id not in char_offsets:
                sentence = sentences[sentence_id].text
                char_offsets[sentence_id] = [i for i, c in enumerate(sentence) if not c.isspace()]
            offsets = char_offsets[sentence_id]
            if not first <= last < len(offsets):
                raise CorpusError(
                    Errors.E1081.format(
                        where=where,
                        first=first,
                        last=last,
                        text=text,
                        doc=sentence_id,
                        n=len(offsets),
                    )
                )
            mentions[sentence_id].append(
                SourceMention(offsets[first], offsets[last] + 1, GENE_TYPE, text, where)
            )
        except CorpusError as error:
            invalid.handle(error)
    return mentions
