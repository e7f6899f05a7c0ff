"""What every corpus reader yields, and the checks and file access they share.

A reader turns its format into `SourceDocument`s: the document text and its
mentions with character offsets, each remembering the file and line it came from.
Everything after that (offset checks, label mapping, tokenization, alignment) is
format-independent and lives in `builder.py`.

Bad input raises `CorpusError`, which names the file and line. Readers hand every
error about a single record to an `InvalidRecords` policy, which either re-raises it
or, with `skip_invalid`, skips the record and keeps it for the report.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from ..errors import Errors, Warnings, message_code

logger = logging.getLogger("spacy_biolm")


@dataclass(frozen=True)
class Location:
    """A place in a source file, for error messages and the report."""

    path: Path
    line: Optional[int] = None

    def __str__(self) -> str:
        return str(self.path) if self.line is None else f"{self.path}:{self.line}"


@dataclass(frozen=True)
class SourceMention:
    """One annotated mention as the source states it.

    start (int): Offset of its first character in the document text.
    end (int): Offset after its last character.
    type (str): The entity type the source uses ("SpecificDisease", "protein", ...).
    text (str): The mention text the source states, checked against the document.
    where (Location): The file and line it comes from.
    fragments (Tuple[Tuple[int, int], ...]): (start, end) pieces of a discontinuous
        mention, empty for a contiguous one; start and end then span all pieces.
    """

    start: int
    end: int
    type: str
    text: str
    where: Location
    fragments: Tuple[Tuple[int, int], ...] = ()


@dataclass
class SourceDocument:
    """A document as read from its source, before tokenization.

    id (str): The source's document id (PMID, sentence id, file name).
    text (str): The full document text the mention offsets refer to.
    mentions (List[SourceMention]): Its mentions, in source order.
    where (Location): Where the document starts.
    ignored (Counter): Source annotations that are deliberately not mentions, by
        reason (e.g. BioC parts of composite mentions), for the report.
    """

    id: str
    text: str
    mentions: List[SourceMention]
    where: Location
    ignored: Counter = field(default_factory=Counter)


class CorpusError(ValueError):
    """A record of a corpus file cannot be converted; the message says where and why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.code = message_code(message) or "unknown"


class InvalidRecords:
    """Raise errors about single records, or skip and keep them (`skip_invalid`).

    skip (bool): Skip invalid records instead of raising.
    """

    def __init__(self, *, skip: bool = False) -> None:
        self.skip = skip
        self.skipped: List[CorpusError] = []

    def handle(self, error: CorpusError) -> None:
        """Raise `error`, or record it as skipped when skipping is on."""
        if not self.skip:
            raise error
        logger.warning(Warnings.W1020.format(error=error))
        self.skipped.append(error)

    def counts(self) -> Dict[str, int]:
        """The number of skipped records per error code."""
        return dict(Counter(error.code for error in self.skipped))


def read_text(path: Path) -> str:
    """The UTF-8 text of a whole file; an undecodable byte names its line.

    path (Path): The file.
    RETURNS (str): Its text.
    """
    data = _read_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise CorpusError(
            Errors.E1061.format(where=Location(path, line), reason=err.reason)
        ) from None


def iter_lines(
    path: Path, invalid: InvalidRecords, *, allow_empty: bool = False
) -> Iterator[Tuple[Location, str]]:
    """Yield the lines of a UTF-8 file with their locations, without line endings.

    A line that is not UTF-8 goes to `invalid` (raised, or skipped and counted).

    path (Path): The file.
    invalid (InvalidRecords): The policy for undecodable lines.
    allow_empty (bool): Whether an empty file is valid (e.g. a brat .ann file of a
        document without mentions).
    YIELDS (Tuple[Location, str]): The location and text of each line.
    """
    for number, raw in enumerate(_read_bytes(path, allow_empty=allow_empty).splitlines(), 1):
        where = Location(path, number)
        try:
            yield where, raw.decode("utf-8")
        except UnicodeDecodeError as err:
            invalid.handle(CorpusError(Errors.E1061.format(where=where, reason=err.reason)))


def split_fields(
    line: str, where: Location, *, n: int, expected: str, sep: str = "\t"
) -> List[str]:
    """Split a line into at least `n` fields, or raise an error naming the format.

    line (str): The line.
    where (Location): Its location.
    n (int): The minimum number of fields.
    expected (str): The expected layout, for the message.
    sep (str): The field separator.
    RETURNS (List[str]): The fields.
    """
    fields = line.split(sep)
    if len(fields) < n:
        raise CorpusError(Errors.E1062.format(where=where, line=line, expected=expected))
    return fields


def parse_offset(value: str, where: Location, line: str, expected: str) -> int:
    """An integer offset field, or an error naming the line and the expected layout."""
    if not value.strip().isdigit():
        raise CorpusError(Errors.E1062.format(where=where, line=line, expected=expected))
    return int(value)


def _read_bytes(path: Path, *, allow_empty: bool = False) -> bytes:
    if not path.is_file():
        raise CorpusError(Errors.E1068.format(path=path, what="a file"))
    data = path.read_bytes()
    if not allow_empty and not data.strip():
        raise CorpusError(Errors.E1060.format(path=path))
    return data
