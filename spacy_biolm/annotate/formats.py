"""Input readers and output writers of `annotate`.

Inputs are split into units, the grain of resuming: one file, or up to
`txt_per_unit` files of a folder of .txt. `read_unit` streams a unit's items, each
with its 0-based `position` in the unit:

- `Record`: a document to annotate (id, text, passages, meta);
- `Reject`: a bad record (missing text, malformed element, undecodable bytes),
  for `rejects.jsonl`; the unit goes on;
- `Deleted`: a PMID that a PubMed `DeleteCitation` withdraws. Not an error and
  not a document: count it apart from both.

An input that cannot be read on (unreadable; a gzip file or XML that is cut
off in the middle) raises `UnitError` after the items before the damage; the
runner records `error.reject()` and moves on to the next unit.

Texts per format (offsets of every output count characters of `Record.text`):

- pubmed: MEDLINE/PubMed XML (PubmedArticle, PubmedBookArticle, or bare
  MedlineCitation). Title, one space, then the AbstractText sections joined by
  one space without their labels, as PubTator shows them; whitespace runs
  (pretty-printing inside an element) become one space. No abstract: the title.
- pubtator: "title abstract" of the `|t|` and `|a|` lines, as PubTator offsets
  count; annotation lines are ignored.
- bioc-xml, bioc-json: the passages placed at their offsets, gaps filled with
  spaces (as `spacy_biolm.corpora.bioc` reads them).
- jsonl: the text field of each object; txt: the whole file (id: the file stem).

Non-well-formed XML cannot be parsed past the damage: the unit ends there with a
UnitError. Well-formed records that lack what they need (a PMID, a text, numeric
BioC offsets) are Rejects; so are records whose text holds bytes that are not
UTF-8 (replaced while parsing so that the rest of the file still reads).

Outputs (`open_writer`) hold the spans of doc.spans["biolm_ents"] (else doc.ents),
sorted, with character offsets into the text; their bytes depend only on the docs
and records written (no clock, sorted keys, scores rounded to 4 decimals), so a
resumed run writes the same shard:

- pubtator: `id|t|title`, `id|a|abstract`, then `id<TAB>start<TAB>end<TAB>mention
  <TAB>label[<TAB>kb_id]` lines (offsets over "title abstract", as PubTator3);
  line breaks and tabs in the text become spaces (offsets hold);
- bioc-xml: a passage per record passage, an annotation per span with the infons
  type, identifier (kb_id) and score;
- jsonl: {"id", "text", "spans": [{"label", "start", "end", "text", "score",
  "kb_id"}], "meta", and doc._.biogpt_* values that are set}, keys sorted;
- docbin: a DocBin with user data: span groups with their scores, the record id
  in doc._.biolm_record_id, plain extension values (not doc._.trf_data).
"""

import codecs
import glob
import gzip
import io
import json
import os
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import (
    IO,
    Any,
    BinaryIO,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    Union,
)

from spacy.tokens import Doc, DocBin, Span

from ..annotations import SPANS_KEY
from ..biogpt.component import EXTENSIONS as BIOGPT_EXTENSIONS
from ..corpora.pubtator import TEXT_LINE
from ..errors import CodedMessage, Errors
from ..ner.component import get_span_score

INPUT_FORMATS = ("pubmed", "pubtator", "bioc-xml", "bioc-json", "jsonl", "txt")
OUTPUT_FORMATS = ("pubtator", "bioc-xml", "jsonl", "docbin")
# Shard file suffix per output format.
OUTPUT_SUFFIXES = {
    "pubtator": ".pubtator",
    "bioc-xml": ".xml",
    "jsonl": ".jsonl",
    "docbin": ".spacy",
}
# The Doc extension holding the record id in DocBin output.
RECORD_ID_ATTR = "biolm_record_id"
# Scores are rounded so that float noise cannot make two runs' shards differ.
SCORE_DIGITS = 4

# File name endings (after a .gz) -> the formats a file with it may hold.
_SUFFIX_FORMATS = {
    ".xml": ("pubmed", "bioc-xml"),
    ".json": ("bioc-json",),
    ".jsonl": ("jsonl",),
    ".ndjson": ("jsonl",),
    ".txt": ("txt", "pubtator"),
    ".pubtator": ("pubtator",),
    ".bioc": ("bioc-xml", "bioc-json"),
}
_GZIP_MAGIC = b"\x1f\x8b"
_SNIFF_BYTES = 4096
_READ_BYTES = 1 << 20
# Characters XML 1.0 cannot hold (kept offsets: each becomes one space).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PUBMED_TAGS = ("PubmedArticle", "PubmedBookArticle", "MedlineCitation", "DeleteCitation")
_XML_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
# The start tags count_records counts (PubMed's have no attributes).
_RECORD_TAGS = {
    "pubmed": (b"<PubmedArticle>", b"<PubmedBookArticle>"),
    "bioc-xml": (b"<document>",),
}
_PUBTATOR_TITLE = re.compile(rb"^[^|\t\r\n]+\|t\|", re.MULTILINE)


@dataclass(frozen=True)
class Unit:
    """One input unit: the grain that is resumed, written as one output shard.

    path (str): The file, or for a group of .txt files their folder (absolute).
    format (str): One of INPUT_FORMATS.
    key (str): Stable id for the ledger: the path, plus the range of member files
        for a group of .txt files ("DIR::first.txt..last.txt").
    members (Tuple[str, ...]): The .txt files of a group (absolute, sorted).
    """

    path: str
    format: str
    key: str
    members: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Record:
    """One document to annotate.

    id (str): The document id (PMID, BioC/PubTator id, JSONL id field, file stem).
    text (str): The text to annotate.
    unit (str): The key of its unit.
    position (int): 0-based index of the item in its unit.
    line (Optional[int]): 1-based line where it starts, when known.
    passages (Tuple[Tuple[str, int], ...]): (type, char offset) of its passages,
        e.g. (("title", 0), ("abstract", 42)); writers keep the layout.
    meta (Mapping[str, Any]): Plain values, e.g. pmid, journal, year.
    """

    id: str
    text: str
    unit: str
    position: int
    line: Optional[int] = None
    passages: Tuple[Tuple[str, int], ...] = (("text", 0),)
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reject:
    """A record that cannot be annotated, for rejects.jsonl.

    unit (str): The key of its unit.
    position (int): 0-based index of the item in its unit.
    line (Optional[int]): 1-based line where it starts, when known.
    id (Optional[str]): Its id, when known.
    reason (str): The message, naming the file, line and fix.
    code (str): The message's code, e.g. "BIOLM-E1227".
    """

    unit: str
    position: int
    line: Optional[int]
    id: Optional[str]
    reason: str
    code: str = ""


@dataclass(frozen=True)
class Deleted:
    """A PMID withdrawn by a PubMed DeleteCitation: counted, not an error.

    unit (str): The key of its unit.
    position (int): 0-based index of the item in its unit.
    line (Optional[int]): 1-based line of the DeleteCitation.
    id (str): The withdrawn PMID.
    """

    unit: str
    position: int
    line: Optional[int]
    id: str


Item = Union[Record, Reject, Deleted]


class UnitError(ValueError):
    """An input unit that cannot be read (on): the items before it stand.

    unit (Unit): The unit.
    position (int): The position the damage was found at.
    line (Optional[int]): Its line, when known.
    """

    def __init__(self, message: str, unit: Unit, position: int, line: Optional[int]) -> None:
        super().__init__(message)
        self.unit = unit
        self.position = position
        self.line = line

    def __reduce__(self) -> Tuple[Any, ...]:
        # Ray and multiprocessing pickle errors raised in workers.
        return (type(self), (self.args[0], self.unit, self.position, self.line))

    def reject(self) -> Reject:
        """The error as a rejects.jsonl entry."""
        message = self.args[0]
        return Reject(self.unit.key, self.position, self.line, None, str(message), _code(message))


class ShardWriter(Protocol):
    """Writes annotated docs to one output shard."""

    def write(self, doc: Doc, record: Record) -> None:
        """Write one annotated doc of `record`."""

    def close(self) -> None:
        """Finish the shard (flush and close the file)."""


class _RecordError(Exception):
    """A bad record: becomes a Reject."""


class _ReadError(Exception):
    """An input that cannot be read on: read_unit adds the position (a UnitError)."""

    def __init__(self, message: str, line: Optional[int]) -> None:
        super().__init__(message)
        self.line = line


def _code(message: object) -> str:
    return message.code if isinstance(message, CodedMessage) else ""


def _reject(
    unit: Unit, position: int, line: Optional[int], doc_id: Optional[str], message: str
) -> Reject:
    return Reject(unit.key, position, line, doc_id, str(message), _code(message))


def _where(path: str, line: Optional[int]) -> str:
    return path if line is None else f"{path}:{line}"


# ---------------------------------------------------------------- finding units


def find_units(
    inputs: Sequence[Union[str, Path]], format: Optional[str] = None, *, txt_per_unit: int = 1000
) -> List[Unit]:
    """The input units of files, folders (recursive, sorted) and globs.

    Gzip files (.gz) are read through gzip. The format of a file comes from its
    name and first bytes (.xml: PubMed or BioC; .txt: PubTator when its first line
    is a title line) unless `format` is given. In folders, hidden files and files
    whose ending cannot hold the format are left out. The .txt documents form
    units of up to `txt_per_unit` files each, per folder, in sorted order. A file
    named twice is read once.

    inputs (Sequence[Union[str, Path]]): Files, folders and glob patterns.
    format (Optional[str]): Force this input format (one of INPUT_FORMATS).
    txt_per_unit (int): Files per unit for .txt documents.
    RETURNS (List[Unit]): The units of the files in input order, then the .txt units.
    """
    if format is not None and format not in INPUT_FORMATS:
        raise ValueError(
            Errors.E1223.format(what="input", format=format, formats=", ".join(INPUT_FORMATS))
        )
    if txt_per_unit < 1:
        raise ValueError(Errors.E1233.format(value=txt_per_unit))
    files: List[str] = []  # absolute paths
    for spec in inputs:
        files.extend(_expand(str(spec), format))
    units: List[Unit] = []
    seen = set()
    txt_groups: Dict[str, List[str]] = {}
    for path in files:
        if path in seen:
            continue
        seen.add(path)
        fmt = format or _detect_format(path)
        if fmt == "txt":
            txt_groups.setdefault(os.path.dirname(path), []).append(path)
        else:
            units.append(Unit(path, fmt, path))
    for folder in sorted(txt_groups):
        members = sorted(txt_groups[folder])
        for start in range(0, len(members), txt_per_unit):
            chunk = tuple(members[start : start + txt_per_unit])
            first, last = os.path.basename(chunk[0]), os.path.basename(chunk[-1])
            units.append(Unit(folder, "txt", f"{folder}::{first}..{last}", chunk))
    return units


def _expand(spec: str, format: Optional[str]) -> Iterator[str]:
    # Files in folders are candidates only with a known ending; named ones always.
    path = Path(spec).expanduser()
    if path.is_dir():
        for root, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                if not name.startswith(".") and _known_name(name, format):
                    yield os.path.abspath(os.path.join(root, name))
    elif path.exists():
        yield str(path.resolve())
    elif glob.has_magic(spec):
        matches = sorted(glob.glob(os.path.expanduser(spec), recursive=True))
        if not matches:
            raise FileNotFoundError(Errors.E1220.format(path=spec))
        for match in matches:
            if os.path.isdir(match):
                yield from _expand(match, format)
            else:
                yield os.path.abspath(match)
    else:
        raise FileNotFoundError(Errors.E1220.format(path=spec))


def _suffix(name: str) -> str:
    name = name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return os.path.splitext(name)[1]


def _known_name(name: str, format: Optional[str]) -> bool:
    formats = _SUFFIX_FORMATS.get(_suffix(name), ())
    return bool(formats) if format is None else format in formats


def _detect_format(path: str) -> str:
    suffix = _suffix(os.path.basename(path))
    formats = _SUFFIX_FORMATS.get(suffix, ())
    if len(formats) == 1:
        return formats[0]
    names = ".xml PubMed or BioC, .json BioC JSON, .jsonl, .txt, .pubtator; optionally .gz"
    if not formats:
        why = f"unknown file ending '{suffix}'" if suffix else "no file ending"
        raise ValueError(
            Errors.E1222.format(path=path, why=why, names=names, formats="|".join(INPUT_FORMATS))
        )
    head = _sniff(path).lstrip()
    if suffix == ".txt":
        return "pubtator" if _PUBTATOR_TITLE.match(head) else "txt"
    if head.startswith((b"{", b"[")):
        return "bioc-json"
    if b"<PubmedArticleSet" in head or b"<MedlineCitationSet" in head:
        return "pubmed"
    if b"<collection" in head:
        return "bioc-xml"
    raise ValueError(
        Errors.E1222.format(
            path=path,
            why="neither a PubmedArticleSet nor a BioC collection in its first bytes",
            names=names,
            formats="|".join(INPUT_FORMATS),
        )
    )


def _sniff(path: str) -> bytes:
    head = b""
    try:
        with _open_binary(path) as stream:
            # Small reads: a gzip cut short still shows its first bytes (reading
            # it then fails with the position, in read_unit).
            while len(head) < _SNIFF_BYTES:
                data = stream.read(256)
                if not data:
                    break
                head += data
    except EOFError:
        pass
    except OSError as err:
        raise OSError(Errors.E1221.format(path=path, reason=err)) from None
    return head


def _open_binary(path: str) -> BinaryIO:
    # gzip by content, not by name: a .gz that is not gzip fails here, clearly.
    stream = open(path, "rb")  # noqa: SIM115 (returned to the caller's with)
    if stream.peek(2)[:2] == _GZIP_MAGIC:  # type: ignore[attr-defined]
        return gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[return-value]
    return stream


# ---------------------------------------------------------------- reading


def read_unit(unit: Unit, *, id_field: str = "id", text_field: str = "text") -> Iterator[Item]:
    """Stream the items of a unit: Records, Rejects and Deleted PMIDs.

    unit (Unit): The unit (from find_units).
    id_field (str): JSONL: the field with the document id (missing: FILE:LINE).
    text_field (str): JSONL: the field with the text.
    YIELDS (Union[Record, Reject, Deleted]): The items in input order.
    RAISES (UnitError): When the input cannot be read (on), after the items before.
    """
    readers: Dict[str, Callable[[Unit], Iterator[Item]]] = {
        "pubmed": _read_pubmed,
        "pubtator": _read_pubtator,
        "bioc-xml": _read_bioc_xml,
        "bioc-json": _read_bioc_json,
        "txt": _read_txt,
        "jsonl": lambda unit: _read_jsonl(unit, id_field, text_field),
    }
    if unit.format not in readers:
        raise ValueError(
            Errors.E1223.format(what="input", format=unit.format, formats=", ".join(readers))
        )
    position = 0
    try:
        for item in readers[unit.format](unit):
            position = item.position + 1
            yield item
    except _ReadError as err:
        raise UnitError(err.args[0], unit, position, err.line) from None


def count_records(unit: Unit, *, scan_gzip: bool = False) -> Optional[int]:
    """A quick count of a unit's documents for an ETA, or None when there is none.

    The file is scanned for record starts (no parsing): about 1 GB/s, more for gzip,
    which is scanned only with `scan_gzip`. The count includes records that turn
    out bad; BioC JSON is not counted.

    unit (Unit): The unit.
    scan_gzip (bool): Also scan gzipped files (a PubMed baseline file: ~1 s).
    RETURNS (Optional[int]): The number of records, or None.
    """
    if unit.format == "txt":
        return len(unit.members)
    if unit.format not in _RECORD_TAGS and unit.format not in ("jsonl", "pubtator"):
        return None
    try:
        with _open_binary(unit.path) as stream:
            if not scan_gzip and isinstance(stream, gzip.GzipFile):
                return None
            if unit.format == "jsonl":
                return sum(1 for line in stream if line.strip())
            if unit.format == "pubtator":
                return sum(1 for line in stream if _PUBTATOR_TITLE.match(line))
            return _count_tags(stream, _RECORD_TAGS[unit.format])
    except (OSError, EOFError):
        return None


def _count_tags(stream: IO[bytes], tags: Sequence[bytes]) -> int:
    # Chunks overlap by the longest tag's length less one, so that a tag cut by a
    # chunk's edge is found (a file may be one long line); a tag wholly inside the
    # overlap was counted with the chunk before.
    total = 0
    keep = max(len(tag) for tag in tags) - 1
    rest = b""
    while True:
        data = stream.read(_READ_BYTES)
        if not data:
            return total
        data = rest + data
        total += sum(data.count(tag) - rest.count(tag) for tag in tags)
        rest = data[-keep:]


def _read_txt(unit: Unit) -> Iterator[Item]:
    for position, path in enumerate(unit.members):
        name = os.path.basename(path)
        doc_id = name[:-3] if name.lower().endswith(".gz") else name
        doc_id = os.path.splitext(doc_id)[0]
        try:
            with _open_binary(path) as stream:
                data = stream.read()
        except (OSError, EOFError) as err:
            raise UnitError(
                Errors.E1221.format(path=path, reason=err), unit, position, None
            ) from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            line = data.count(b"\n", 0, err.start) + 1
            message = Errors.E1225.format(where=_where(path, line), id=doc_id, reason=err.reason)
            yield _reject(unit, position, None, doc_id, message)
            continue
        if not text.strip():
            message = Errors.E1227.format(where=path, id=doc_id, problem="the file is empty")
            yield _reject(unit, position, None, doc_id, message)
            continue
        yield Record(doc_id, text, unit.key, position, None, (("text", 0),), {"path": path})


def _lines(unit: Unit) -> Iterator[Tuple[int, bytes]]:
    # (1-based number, line without its ending), streaming; a read error (a gzip
    # cut short) ends the unit, at the line it happened.
    number = 0
    try:
        with _open_binary(unit.path) as stream:
            for number, raw in enumerate(stream, 1):
                yield number, raw.rstrip(b"\r\n")
    except (OSError, EOFError) as err:
        where = f"{unit.path}, line {number + 1}"
        raise _ReadError(Errors.E1221.format(path=where, reason=err), number + 1) from None


def _read_jsonl(unit: Unit, id_field: str, text_field: str) -> Iterator[Item]:
    position = 0
    name = os.path.basename(unit.path)
    for number, raw in _lines(unit):
        if not raw.strip():
            continue
        where = _where(unit.path, number)
        doc_id: Optional[str] = None
        try:
            try:
                obj = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as err:
                doc_id = f"{name}:{number}"
                raise _RecordError(
                    Errors.E1225.format(where=where, id=doc_id, reason=err.reason)
                ) from None
            except ValueError as err:
                raise _RecordError(Errors.E1226.format(where=where, reason=err)) from None
            if not isinstance(obj, dict):
                reason = f"a JSON {type(obj).__name__}"
                raise _RecordError(Errors.E1226.format(where=where, reason=reason))
            found_id = obj.get(id_field)
            doc_id = f"{name}:{number}" if found_id is None else str(found_id)
            text = obj.get(text_field)
            if not isinstance(text, str) or not text.strip():
                problem = _missing_text(text)
                raise _RecordError(
                    Errors.E1227.format(
                        where=where, id=doc_id, problem=f"field '{text_field}' {problem}"
                    )
                )
        except _RecordError as err:
            message = err.args[0]
            yield Reject(unit.key, position, number, doc_id, str(message), _code(message))
        else:
            yield Record(doc_id, text, unit.key, position, number, (("text", 0),), {})
        position += 1


def _missing_text(text: object) -> str:
    if text is None:
        return "is missing"
    if isinstance(text, str):
        return "is empty"
    return f"is of type '{type(text).__name__}', not a string"


def _read_pubtator(unit: Unit) -> Iterator[Item]:
    position = 0
    doc: Optional[_PubTatorDoc] = None
    for number, raw in _lines(unit):
        try:
            line, bad = raw.decode("utf-8"), ""
        except UnicodeDecodeError as err:
            line, bad = raw.decode("utf-8", errors="replace"), err.reason
        if not line.strip():
            if doc is not None:
                yield doc.item(unit, position)
                position += 1
                doc = None
            continue
        match = TEXT_LINE.match(line)
        if match is not None and match.group(2) == "t":
            if doc is not None:
                yield doc.item(unit, position)
                position += 1
            doc = _PubTatorDoc(match.group(1), match.group(3), number, bad)
        elif doc is None:
            message = Errors.E1229.format(
                where=_where(unit.path, number),
                line=line[:80],
                expected="a title line PMID|t|title starting a document",
            )
            yield _reject(unit, position, number, None, message)
            position += 1
        else:
            doc.add(line, match, number, bad, unit.path)
    if doc is not None:
        yield doc.item(unit, position)


class _PubTatorDoc:
    def __init__(self, doc_id: str, title: str, line: int, bad: str) -> None:
        self.id = doc_id
        self.title = title
        self.abstract: Optional[str] = None
        self.line = line
        self.bad = bad
        self.error: Optional[str] = None

    def add(
        self, line: str, match: Optional["re.Match[str]"], number: int, bad: str, path: str
    ) -> None:
        if self.abstract is not None or self.error is not None:
            return  # annotation lines: the model annotates anew
        if match is None or match.group(2) != "a" or match.group(1) != self.id:
            self.error = Errors.E1229.format(
                where=_where(path, number),
                line=line[:80],
                expected=f"the abstract line {self.id}|a|... after the title line",
            )
            return
        self.abstract = match.group(3)
        self.bad = self.bad or bad

    def item(self, unit: Unit, position: int) -> Item:
        where = _where(unit.path, self.line)
        error = self.error
        if error is None and self.abstract is None:
            error = Errors.E1229.format(
                where=where, line="", expected=f"the abstract line {self.id}|a|... (missing)"
            )
        elif error is None and self.bad:
            error = Errors.E1225.format(where=where, id=self.id, reason=self.bad)
        if error is None and not (self.title.strip() or (self.abstract or "").strip()):
            error = Errors.E1227.format(
                where=where, id=self.id, problem="the title and abstract are empty"
            )
        if error is not None:
            return _reject(unit, position, self.line, self.id, error)
        return _title_record(
            self.id, self.title, self.abstract or "", unit, position, self.line, {}
        )


def _title_record(
    doc_id: str,
    title: str,
    abstract: str,
    unit: Unit,
    position: int,
    line: Optional[int],
    meta: Dict[str, Any],
) -> Record:
    # PubTator's layout: "title abstract"; the title alone when there is no abstract.
    if not abstract:
        return Record(doc_id, title, unit.key, position, line, (("title", 0),), meta)
    passages = (("title", 0), ("abstract", len(title) + 1))
    return Record(doc_id, f"{title} {abstract}", unit.key, position, line, passages, meta)


# ---------------------------------------------------------------- XML


class _Utf8Guard(io.RawIOBase):
    """A byte stream that replaces bytes that are not UTF-8 by U+FFFD and counts
    them, so that one bad byte spoils one record and not the rest of the file."""

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__()
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.replaced = 0

    def readable(self) -> bool:
        return True

    def read(self, size: Optional[int] = -1) -> bytes:
        size = size if size is not None and size > 0 else _READ_BYTES
        while True:
            data = self.stream.read(size)
            text = self.decoder.decode(data, final=not data)
            # An empty answer means the end: read on while the decoder holds back
            # the start of a character cut at the buffer's edge.
            if text or not data:
                break
        self.replaced += text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
        return text.encode("utf-8")


def _etree() -> Any:
    try:
        from lxml import etree
    except ImportError:
        raise ImportError(Errors.E1232.format(what="XML", package="lxml")) from None
    return etree


class _ElementStream:
    """The complete `tags` elements of an XML unit, each removed from the tree
    once the caller is done with it, so memory stays flat over any file size.

    unit (Unit): The unit.
    tags (Sequence[str]): The record elements.
    """

    def __init__(self, unit: Unit, tags: Sequence[str]) -> None:
        self.unit = unit
        self.tags = tags
        self.root: Any = None
        self.guard: Optional[_Utf8Guard] = None

    def __iter__(self) -> Iterator[Any]:
        etree = _etree()
        try:
            stream = _open_binary(self.unit.path)
        except OSError as err:
            raise UnitError(
                Errors.E1221.format(path=self.unit.path, reason=err), self.unit, 0, None
            ) from None
        last_line: Optional[int] = None
        with stream:
            source: Any = stream
            if _declares_utf8(stream.peek(_SNIFF_BYTES)):  # type: ignore[attr-defined]
                source = self.guard = _Utf8Guard(stream)
            # Only the record elements' end events: lxml still builds their
            # subtrees, but Python sees a few events per record.
            events = etree.iterparse(
                source,
                events=("end",),
                tag=list(self.tags),
                huge_tree=True,
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
            )
            try:
                for _, elem in events:
                    if self.root is None:
                        self.root = elem.getroottree().getroot()
                    parent = elem.getparent()
                    if parent is not None and parent.tag in self.tags:
                        continue  # a record inside a record (PubmedArticle/MedlineCitation)
                    last_line = elem.sourceline
                    yield elem
                    elem.clear()
                    if parent is not None:
                        parent.remove(elem)
            except etree.XMLSyntaxError as err:
                line = err.lineno or last_line
                where = _where(self.unit.path, line)
                raise _ReadError(Errors.E1224.format(where=where, reason=err.msg), line) from None
            except (OSError, EOFError) as err:
                where = _where(self.unit.path, last_line)
                raise _ReadError(Errors.E1224.format(where=where, reason=err), last_line) from None

    def spoilt(self, text: str) -> bool:
        """Whether `text` holds a replacement for bytes that were not UTF-8."""
        return bool(self.guard is not None and self.guard.replaced and "\ufffd" in text)


def _declares_utf8(head: bytes) -> bool:
    # UTF-8 unless the XML declaration names another encoding (or a BOM says UTF-16):
    # only then can bytes that are not UTF-8 be told from good ones.
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    match = _XML_ENCODING.match(head)
    return match is None or match.group(1).lower().replace(b"-", b"") == b"utf8"


def _text_of(elem: Any) -> str:
    # Inline markup (<i>, <sub>) keeps its text; pretty-printing whitespace goes.
    if elem is None:
        return ""
    text = _etree().tostring(elem, method="text", encoding=str, with_tail=False)
    return " ".join(text.split())


def _read_pubmed(unit: Unit) -> Iterator[Item]:
    elements = _ElementStream(unit, _PUBMED_TAGS)
    position = 0
    for elem in elements:
        line = elem.sourceline
        if elem.tag == "DeleteCitation":
            for pmid in elem.iter("PMID"):
                yield Deleted(unit.key, position, line, (pmid.text or "").strip())
                position += 1
            continue
        yield _pubmed_item(elem, unit, position, line, elements)
        position += 1


def _pubmed_item(
    elem: Any, unit: Unit, position: int, line: Optional[int], elements: _ElementStream
) -> Item:
    where = _where(unit.path, line)
    citation = elem if elem.tag == "MedlineCitation" else elem.find("MedlineCitation")
    if citation is None:
        citation = elem.find("BookDocument")
    pmid = _text_of(citation.find("PMID")) if citation is not None else ""
    if not pmid:
        message = Errors.E1228.format(where=where)
        return _reject(unit, position, line, None, message)
    article = citation.find("Article")
    if article is None:
        article = citation
    title = _text_of(article.find("ArticleTitle"))
    if not title and citation.find("Book") is not None:
        title = _text_of(citation.find("Book/BookTitle"))
    sections = article.findall("Abstract/AbstractText")
    texts = [_text_of(section) for section in sections]
    abstract = " ".join(text for text in texts if text)
    if not title and not abstract:
        message = Errors.E1227.format(
            where=where, id=pmid, problem="ArticleTitle and AbstractText are empty"
        )
        return _reject(unit, position, line, pmid, message)
    if elements.spoilt(title + abstract):
        message = Errors.E1225.format(where=where, id=pmid, reason="invalid UTF-8 bytes")
        return _reject(unit, position, line, pmid, message)
    meta: Dict[str, Any] = {"pmid": pmid}
    journal = article.find("Journal")
    if journal is not None:
        meta["journal"] = _text_of(journal.find("ISOAbbreviation")) or _text_of(
            journal.find("Title")
        )
        year = _text_of(journal.find("JournalIssue/PubDate/Year"))
        year = year or _text_of(journal.find("JournalIssue/PubDate/MedlineDate"))[:4]
        if year:
            meta["year"] = year
    labels = [section.get("Label") or "" for section in sections]
    if any(labels):
        offset = len(title) + 1 if title else 0
        placed = []
        for label, text in zip(labels, texts):
            if text:
                placed.append([label, offset])
                offset += len(text) + 1
        meta["sections"] = placed
    if not title:
        # No title: the abstract alone, as its only passage.
        return Record(pmid, abstract, unit.key, position, line, (("abstract", 0),), meta)
    return _title_record(pmid, title, abstract, unit, position, line, meta)


def _place_passages(
    parts: Iterable[Tuple[str, int, str]],
) -> Tuple[str, Tuple[Tuple[str, int], ...]]:
    # BioC: each passage at its offset, the gap before it filled with spaces.
    text = ""
    passages = []
    for kind, offset, passage_text in parts:
        if offset < len(text):
            raise _RecordError(
                f"passage at offset {offset} starts inside the text before it, which "
                f"ends at {len(text)}; passage offsets must increase"
            )
        text += " " * (offset - len(text)) + passage_text
        passages.append((kind, offset))
    return text, tuple(passages)


def _bioc_item(
    unit: Unit,
    position: int,
    line: Optional[int],
    doc_id: str,
    parts: Callable[[], List[Tuple[str, int, str]]],
    spoilt: Callable[[str], bool],
) -> Item:
    where = _where(unit.path, line)
    try:
        text, passages = _place_passages(parts())
    except KeyError as err:
        message = Errors.E1230.format(where=where, id=doc_id, reason=f"no key {err}")
        return _reject(unit, position, line, doc_id, message)
    except (_RecordError, ValueError, TypeError, AttributeError) as err:
        message = Errors.E1230.format(where=where, id=doc_id, reason=err)
        return _reject(unit, position, line, doc_id, message)
    if not text.strip():
        message = Errors.E1227.format(where=where, id=doc_id, problem="every passage is empty")
        return _reject(unit, position, line, doc_id, message)
    if spoilt(text):
        message = Errors.E1225.format(where=where, id=doc_id, reason="invalid UTF-8 bytes")
        return _reject(unit, position, line, doc_id, message)
    return Record(doc_id, text, unit.key, position, line, passages, {})


def _read_bioc_xml(unit: Unit) -> Iterator[Item]:
    # Not bioc's BioCXMLDocumentReader: it keeps every parsed element (memory grows
    # with the file) and knows no line numbers.
    elements = _ElementStream(unit, ("document",))
    for position, elem in enumerate(elements):
        doc_id = (elem.findtext("id") or "").strip() or f"{os.path.basename(unit.path)}#{position}"
        parts = partial(_bioc_xml_parts, elem)
        yield _bioc_item(unit, position, elem.sourceline, doc_id, parts, elements.spoilt)


def _bioc_xml_parts(elem: Any) -> List[Tuple[str, int, str]]:
    # (type, offset, text) per passage; a passage without <text> by its sentences.
    parts = []
    for passage in elem.findall("passage"):
        infons = {infon.get("key"): infon.text or "" for infon in passage.findall("infon")}
        kind = _passage_kind(infons)
        text = passage.findtext("text")
        if text is not None:
            parts.append((kind, int(passage.findtext("offset") or ""), text))
            continue
        for sentence in passage.findall("sentence"):
            parts.append(
                (kind, int(sentence.findtext("offset") or ""), sentence.findtext("text") or "")
            )
    return parts


def _passage_kind(infons: Mapping[str, str]) -> str:
    # BioC's "type"; PMC's BioC (BioC-PMC, PubTator3) also says "section_type".
    return infons.get("type") or infons.get("section_type") or "passage"


def _read_bioc_json(unit: Unit) -> Iterator[Item]:
    try:
        from bioc.biocjson.decoder import parse_doc
    except ImportError:
        raise ImportError(Errors.E1232.format(what="BioC JSON", package="bioc")) from None
    documents = _bioc_json_documents(unit)
    name = os.path.basename(unit.path)
    for position, document in enumerate(documents):
        found_id = document.get("id") if isinstance(document, dict) else None
        doc_id = f"{name}#{position}" if found_id in (None, "") else str(found_id)
        parts = partial(_bioc_json_parts, parse_doc, document)
        yield _bioc_item(unit, position, None, doc_id, parts, lambda text: False)


def _bioc_json_documents(unit: Unit) -> List[Any]:
    # A BioC JSON collection is one object: it is read whole (no streaming).
    try:
        with _open_binary(unit.path) as stream:
            obj = json.loads(stream.read().decode("utf-8"))
    except (OSError, EOFError) as err:
        raise UnitError(Errors.E1221.format(path=unit.path, reason=err), unit, 0, None) from None
    except (UnicodeDecodeError, ValueError) as err:
        raise UnitError(Errors.E1231.format(path=unit.path, reason=err), unit, 0, None) from None
    if isinstance(obj, dict):
        # A collection; PubTator3's export ({"PubTator3": [...]}); one document.
        for key in ("documents", "PubTator3"):
            if isinstance(obj.get(key), list):
                return obj[key]
        if "passages" in obj:
            return [obj]
    elif isinstance(obj, list):
        return obj
    reason = "no documents found"
    raise UnitError(Errors.E1231.format(path=unit.path, reason=reason), unit, 0, None)


def _bioc_json_parts(parse_doc: Callable[[Any], Any], document: Any) -> List[Tuple[str, int, str]]:
    # bioc's decoder checks the document's layout (a missing key: a KeyError).
    parsed = parse_doc(document)
    return [(_passage_kind(p.infons), int(p.offset), p.text or "") for p in parsed.passages]


# ---------------------------------------------------------------- writing


def open_writer(
    fmt: str, path: Path, *, nlp_meta: Mapping[str, Any], include_text: bool = True
) -> ShardWriter:
    """A writer of one output shard at `path` (the caller renames it into place).

    Every writer's output depends only on the docs and records written, so that a
    resumed run writes the same bytes.

    fmt (str): One of OUTPUT_FORMATS.
    path (Path): The file to write.
    nlp_meta (Mapping[str, Any]): The pipeline's meta (lang, name, version), for
        the BioC collection's infons.
    include_text (bool): JSONL: write each doc's text.
    RETURNS (ShardWriter): The writer; call close() when done.
    """
    if fmt == "jsonl":
        return _JsonlWriter(Path(path), include_text=include_text)
    if fmt == "pubtator":
        return _PubTatorWriter(Path(path))
    if fmt == "bioc-xml":
        return _BioCXMLWriter(Path(path), nlp_meta)
    if fmt == "docbin":
        return _DocBinWriter(Path(path))
    raise ValueError(
        Errors.E1223.format(what="output", format=fmt, formats=", ".join(OUTPUT_FORMATS))
    )


def doc_spans(doc: Doc) -> List[Span]:
    """The spans an output holds: doc.spans["biolm_ents"] (every prediction) when
    the doc has it, else doc.ents; sorted by offsets, then label.

    doc (Doc): An annotated doc.
    RETURNS (List[Span]): The spans.
    """
    spans = list(doc.spans[SPANS_KEY]) if SPANS_KEY in doc.spans else list(doc.ents)
    return sorted(
        spans, key=lambda span: (span.start_char, span.end_char, span.label_, span.kb_id_)
    )


def _score(span: Span) -> Optional[float]:
    score = get_span_score(span)
    return None if score is None else round(score, SCORE_DIGITS)


def _plain(value: Any) -> Any:
    # JSON has no tuples; a value JSON cannot hold is written as its str.
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return str(value)


class _TextShard:
    def __init__(self, path: Path) -> None:
        # newline="\n": the same bytes on every platform.
        self.file = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 (closed by close())

    def close(self) -> None:
        self.file.close()


class _JsonlWriter(_TextShard):
    """One JSON object per doc: id, text (option), spans, BioGPT extensions."""

    def __init__(self, path: Path, *, include_text: bool) -> None:
        super().__init__(path)
        self.include_text = include_text

    def write(self, doc: Doc, record: Record) -> None:
        obj: Dict[str, Any] = {"id": record.id}
        if self.include_text:
            obj["text"] = doc.text
        obj["spans"] = [
            {
                "label": span.label_,
                "start": span.start_char,
                "end": span.end_char,
                "text": span.text,
                "score": _score(span),
                "kb_id": span.kb_id_,
            }
            for span in doc_spans(doc)
        ]
        for attr in BIOGPT_EXTENSIONS:
            value = doc._.get(attr) if Doc.has_extension(attr) else None
            if value is not None:
                obj[attr] = _plain(value)
        if record.meta:
            obj["meta"] = _plain(record.meta)
        self.file.write(json.dumps(obj, sort_keys=True, ensure_ascii=False) + "\n")


def _one_line(text: str) -> str:
    # Same length, so offsets hold: PubTator is line-based and tab-separated.
    return text.replace("\r", " ").replace("\n", " ").replace("\t", " ")


def pubtator_split(record: Record, text: str) -> Tuple[str, str]:
    """The title and abstract that PubTator lines hold for `text`, so that
    "title abstract" gives the same offsets: split before the second passage when
    a single space separates it, else the whole text as the title.

    record (Record): The record (its passages).
    text (str): The doc's text.
    RETURNS (Tuple[str, str]): Title and abstract.
    """
    if len(record.passages) > 1:
        cut = record.passages[1][1] - 1
        if 0 <= cut < len(text) and text[cut] == " ":
            return text[:cut], text[cut + 1 :]
    return text, ""


class _PubTatorWriter(_TextShard):
    """PubTator: id|t|title, id|a|abstract, then id<TAB>start<TAB>end<TAB>mention
    <TAB>type[<TAB>identifier] lines, offsets over "title abstract"; a blank line
    after each document."""

    def write(self, doc: Doc, record: Record) -> None:
        doc_id = re.sub(r"[|\t\r\n]", "_", record.id)
        text = _one_line(doc.text)
        title, abstract = pubtator_split(record, text)
        lines = [f"{doc_id}|t|{title}", f"{doc_id}|a|{abstract}"]
        for span in doc_spans(doc):
            fields = [doc_id, str(span.start_char), str(span.end_char)]
            fields += [text[span.start_char : span.end_char], _one_line(span.label_)]
            if span.kb_id_:
                fields.append(_one_line(span.kb_id_))
            lines.append("\t".join(fields))
        self.file.write("\n".join(lines) + "\n\n")


class _BioCXMLWriter:
    """BioC XML through the bioc package: a passage per record passage, an
    annotation per span (infons type, identifier, score) with document offsets."""

    def __init__(self, path: Path, nlp_meta: Mapping[str, Any]) -> None:
        try:
            import bioc
            from bioc.biocxml import BioCXMLDocumentWriter
        except ImportError:
            raise ImportError(Errors.E1232.format(what="BioC XML", package="bioc")) from None
        self.bioc = bioc
        self.writer = BioCXMLDocumentWriter(str(path))
        collection = bioc.BioCCollection()
        collection.source = "spacy-biolm"
        collection.date = ""  # no clock: a resumed run writes the same bytes
        collection.key = ""
        model = "_".join(str(nlp_meta[key]) for key in ("lang", "name") if nlp_meta.get(key))
        for key, value in (("model", model), ("model_version", nlp_meta.get("version"))):
            if value:
                collection.infons[key] = str(value)
        self.writer.write_collection_info(collection)

    def write(self, doc: Doc, record: Record) -> None:
        bioc = self.bioc
        text = _NOT_XML.sub(" ", doc.text)
        document = bioc.BioCDocument()
        document.id = _NOT_XML.sub(" ", record.id)
        for key in sorted(record.meta):
            if isinstance(record.meta[key], str):  # pmid, journal, year
                document.infons[key] = _NOT_XML.sub(" ", record.meta[key])
        layout = record.passages or (("text", 0),)
        bounds = [offset for _, offset in layout[1:]] + [len(text)]
        passages = []
        for (kind, offset), end in zip(layout, bounds):
            passage = bioc.BioCPassage()
            passage.offset = offset
            passage.infons["type"] = kind
            passage.text = text[offset:end].rstrip(" ")
            passages.append(passage)
            document.add_passage(passage)
        for number, span in enumerate(doc_spans(doc)):
            annotation = bioc.BioCAnnotation()
            annotation.id = str(number)
            annotation.infons["type"] = span.label_
            if span.kb_id_:
                annotation.infons["identifier"] = span.kb_id_
            score = _score(span)
            if score is not None:
                annotation.infons["score"] = f"{score:.{SCORE_DIGITS}f}"
            annotation.add_location(bioc.BioCLocation(span.start_char, len(span.text)))
            annotation.text = text[span.start_char : span.end_char]
            # In the passage the span starts in (the first, for one before them all).
            index = max(
                (i for i, p in enumerate(passages) if p.offset <= span.start_char), default=0
            )
            passages[index].add_annotation(annotation)
        self.writer.write_document(document)

    def close(self) -> None:
        self.writer.close()


def install_extensions() -> None:
    """Register `doc._.biolm_record_id`, the record id in DocBin output (once)."""
    if not Doc.has_extension(RECORD_ID_ATTR):
        Doc.set_extension(RECORD_ID_ATTR, default=None)


class _DocBinWriter:
    """A spaCy DocBin (store_user_data, so the scores' span groups, the record id
    in doc._.biolm_record_id and plain extension values are kept), written on close."""

    def __init__(self, path: Path) -> None:
        install_extensions()
        self.path = path
        self.docbin = DocBin(store_user_data=True)

    def write(self, doc: Doc, record: Record) -> None:
        doc._.set(RECORD_ID_ATTR, record.id)
        kept = doc.user_data
        # Values such as doc._.trf_data (the encoder's activations) would bloat the
        # shard and may not serialize: only plain values go to disk.
        doc.user_data = {key: value for key, value in kept.items() if _is_plain(value)}
        try:
            self.docbin.add(doc)
        finally:
            doc.user_data = kept

    def close(self) -> None:
        self.path.write_bytes(self.docbin.to_bytes())


def _is_plain(value: Any) -> bool:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain(item) for item in value)
    if isinstance(value, dict):
        return all(_is_plain(key) and _is_plain(item) for key, item in value.items())
    return False
