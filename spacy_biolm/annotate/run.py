"""Annotate a collection: input units → `nlp.pipe` → one output shard per unit.

A run owns an output folder:

    OUTPUT_DIR/run.json        the settings (model, formats, fields, inputs, units);
                               a resume with other settings is refused
    OUTPUT_DIR/shards/NNNNNN.EXT  one shard per input unit, numbered in unit order
    OUTPUT_DIR/ledger.jsonl    one line per finished unit (key, shard, counts, md5)
    OUTPUT_DIR/rejects.jsonl   records that could not be annotated, with the reason
    OUTPUT_DIR/summary.json    the closing summary of the last run

Nothing is lost or duplicated when a run is killed at any moment (kill -9, power
loss): a shard is written under a temporary name, synced and renamed into place
before its unit's rejects and then its ledger line are appended (each synced). A
re-run drops what an unfinished unit left (a temporary shard, a partial ledger
line, rejects beyond the last ledger line's `rejects_end`), skips the units in the
ledger and annotates the rest in the same batches, so every shard comes out byte
for byte as in an uninterrupted run.

Engines share everything but the loop over units: `annotate_unit` turns one unit
into one shard file, `OutputDir.finish_unit` commits it. The local engine runs the
units in order in this process (with spaCy's `n_process`); `ray_engine` runs them on
a Ray actor pool and commits the results here, in unit order.
"""

import hashlib
import json
import logging
import os
import threading
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import (
    Any,
    Callable,
    Deque,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from spacy.language import Language
from spacy.tokens import Doc

from ..errors import Errors, message_code
from .formats import (
    OUTPUT_FORMATS,
    OUTPUT_SUFFIXES,
    Deleted,
    Record,
    Reject,
    Unit,
    UnitError,
    count_records,
    find_units,
    open_writer,
    read_unit,
)

logger = logging.getLogger("spacy_biolm")

RUN_FILE = "run.json"
LEDGER_FILE = "ledger.jsonl"
REJECTS_FILE = "rejects.jsonl"
SUMMARY_FILE = "summary.json"
SHARDS_DIR = "shards"
ENGINES = ("local", "ray")
TEMP_SUFFIX = ".tmp"
# What the summary calls a reject whose reason carries no code of ours.
UNCODED_REASON = "other"

# Called with the docs and words of each annotated document (the progress bar).
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class RunSettings:
    """What decides the content of the output: a run resumes only with the same.

    model (str): The pipeline package name, or its folder (absolute).
    output_format (str): One of OUTPUT_FORMATS.
    input_format (Optional[str]): The input format, None to tell it from each file.
    id_field (str): The id field of JSONL records.
    text_field (str): The text field of JSONL records.
    inputs (List[str]): The inputs as given, existing paths made absolute.
    units (List[str]): The keys of the input units, in order.
    """

    model: str
    output_format: str
    input_format: Optional[str]
    id_field: str
    text_field: str
    inputs: List[str]
    units: List[str]

    def differences(self, other: "RunSettings") -> List[str]:
        """What differs from another run's settings, in words.

        other (RunSettings): The settings of the run found in the folder.
        RETURNS (List[str]): One phrase per difference; empty when they agree.
        """
        diffs = []
        for name, mine in asdict(self).items():
            theirs = getattr(other, name)
            if mine == theirs or name == "units":
                continue
            diffs.append(f"{name} {theirs!r} then, {mine!r} now")
        if self.units != other.units and not diffs:
            added = [key for key in self.units if key not in set(other.units)]
            gone = [key for key in other.units if key not in set(self.units)]
            what = [f"{len(added)} new (e.g. {added[0]})"] if added else []
            what += [f"{len(gone)} gone (e.g. {gone[0]})"] if gone else []
            diffs.append("the input units changed: " + (", ".join(what) or "another order"))
        return diffs


@dataclass
class UnitResult:
    """What annotating one unit gave, besides its shard.

    docs (int): Documents annotated and written.
    words (int): Their whitespace-separated words.
    deleted (int): PubMed DeleteCitation entries (counted, not annotated).
    rejects (List[Dict[str, Any]]): The records that could not be annotated, as
        rejects.jsonl lines (file, position, line, id, reason, code).
    error (str): Why the unit could not be read to its end ("" when it was); such a
        unit is not finished, so a re-run after the input is fixed annotates it.
    """

    docs: int = 0
    words: int = 0
    deleted: int = 0
    rejects: List[Dict[str, Any]] = field(default_factory=list)
    error: str = ""


@dataclass
class Summary:
    """The closing summary of a run (also OUTPUT_DIR/summary.json).

    output_dir (str): The output folder.
    units (int): Input units in the collection.
    units_done (int): Units annotated by this run.
    units_skipped (int): Units a previous run had finished.
    docs (int): Documents annotated by this run.
    words (int): Their words.
    seconds (float): Wall time of this run, model loading excluded.
    rejects (Dict[str, int]): This run's rejects, by error code.
    deleted (int): DeleteCitation entries this run counted.
    total_docs (int): Documents in all finished shards.
    total_rejects (int): Rejects of all finished units.
    failed (List[Dict[str, str]]): Units that could not be read (key, reason); they
        are not finished, and a re-run annotates them.
    """

    output_dir: str
    units: int = 0
    units_done: int = 0
    units_skipped: int = 0
    docs: int = 0
    words: int = 0
    seconds: float = 0.0
    rejects: Dict[str, int] = field(default_factory=dict)
    deleted: int = 0
    total_docs: int = 0
    total_rejects: int = 0
    failed: List[Dict[str, str]] = field(default_factory=list)

    @property
    def words_per_second(self) -> float:
        """RETURNS (float): Words annotated per second of wall time."""
        return self.words / self.seconds if self.seconds else 0.0

    def to_dict(self) -> Dict[str, Any]:
        """RETURNS (Dict[str, Any]): The summary, words/s included, for JSON."""
        return {**asdict(self), "words_per_second": round(self.words_per_second, 1)}


@dataclass(frozen=True)
class LedgerEntry:
    """One finished unit, one line of ledger.jsonl.

    key (str): The unit's key.
    shard (str): The shard's file name in shards/.
    docs (int): Documents in the shard.
    words (int): Their words.
    rejects (int): The unit's rejects.
    deleted (int): The unit's DeleteCitation entries.
    bytes (int): The shard's size.
    md5 (str): The shard's md5 (hex).
    rejects_end (int): The size of rejects.jsonl once this unit's rejects were in.
    """

    key: str
    shard: str
    docs: int
    words: int
    rejects: int
    deleted: int
    bytes: int
    md5: str
    rejects_end: int


def count_words(text: str) -> int:
    """The whitespace-separated words of a text, the unit of words/s (independent of
    the pipeline's tokenizer, so runs of different pipelines compare).

    text (str): The text.
    RETURNS (int): The number of words.
    """
    return len(text.split())


def shard_name(index: int, output_format: str) -> str:
    """The file name of the shard of the index-th unit.

    index (int): The unit's position in the collection (from 0).
    output_format (str): One of OUTPUT_FORMATS.
    RETURNS (str): E.g. "000000.pubtator".
    """
    return f"{index:06d}{OUTPUT_SUFFIXES[output_format]}"


def check_options(output_format: str, **minimums: Tuple[int, int]) -> None:
    """Fail early, before a model loads, on options that cannot work.

    output_format (str): The output format.
    minimums (Tuple[int, int]): Option name → (value, smallest allowed value).
    """
    if output_format not in OUTPUT_FORMATS:
        raise ValueError(
            Errors.E1247.format(format=output_format, formats=", ".join(OUTPUT_FORMATS))
        )
    for what, (value, minimum) in minimums.items():
        if value < minimum:
            raise ValueError(Errors.E1248.format(what=what, minimum=minimum, value=value))


def load_pipeline(model: str, *, gpu_id: int = -1) -> Language:
    """Load the pipeline to annotate with, on a GPU when asked.

    model (str): An installed pipeline package or a pipeline folder.
    gpu_id (int): The GPU to run on, -1 for the CPU.
    RETURNS (Language): The pipeline.
    """
    import spacy

    if gpu_id >= 0:
        spacy.require_gpu(gpu_id)
    try:
        return spacy.load(model)
    except Exception as error:  # any failure to load stops the run, with its reason
        raise RuntimeError(Errors.E1241.format(model=model, reason=error)) from error


def _resolved(name: str) -> str:
    """An existing path made absolute (so a resume from another folder agrees);
    anything else (a package name, a glob) as given."""
    path = Path(name)
    return str(path.resolve()) if path.exists() else name


def make_settings(
    model: str,
    inputs: Sequence[Union[str, Path]],
    units: Sequence[Unit],
    *,
    output_format: str,
    input_format: Optional[str],
    id_field: str,
    text_field: str,
) -> RunSettings:
    """The settings of a run, as run.json stores them.

    model (str): The pipeline package name or folder.
    inputs (Sequence[Union[str, Path]]): The inputs as given.
    units (Sequence[Unit]): The input units found in them.
    output_format (str): The output format.
    input_format (Optional[str]): The input format, None to tell it from each file.
    id_field (str): The id field of JSONL records.
    text_field (str): The text field of JSONL records.
    RETURNS (RunSettings): The settings.
    """
    return RunSettings(
        model=_resolved(model),
        output_format=output_format,
        input_format=input_format,
        id_field=id_field,
        text_field=text_field,
        inputs=[_resolved(str(name)) for name in inputs],
        units=[unit.key for unit in units],
    )


def _fsync_dir(path: Path) -> None:
    """Make a rename or a new file in a folder durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _append_synced(path: Path, lines: Iterable[str]) -> int:
    """Append lines to a file and sync it.

    RETURNS (int): The file's size afterwards.
    """
    with path.open("ab") as file:
        file.write("".join(lines).encode("utf8"))
        file.flush()
        os.fsync(file.fileno())
        return file.tell()


def _sync_and_hash(path: Path) -> Tuple[int, str]:
    """Sync a written file to disk and hash it in the same pass.

    RETURNS (Tuple[int, str]): Its size and md5 (hex).
    """
    digest = hashlib.md5()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
        os.fsync(file.fileno())
        return file.tell(), digest.hexdigest()


def _json_line(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False) + "\n"


class OutputDir:
    """The output folder of a run: settings, shards, ledger and rejects, and the
    protocol that keeps them consistent across kills.

    path (Path): The folder.
    settings (RunSettings): The settings of this run.
    """

    def __init__(self, path: Union[str, Path], settings: RunSettings) -> None:
        self.path = Path(path)
        self.settings = settings
        self.shards = self.path / SHARDS_DIR
        self.ledger = self.path / LEDGER_FILE
        self.rejects = self.path / REJECTS_FILE
        self.run_file = self.path / RUN_FILE

    def prepare(self) -> Dict[str, LedgerEntry]:
        """Start or resume a run: check the settings against run.json, drop what an
        interrupted run left unfinished, and read the ledger.

        RETURNS (Dict[str, LedgerEntry]): The finished units, by key.
        """
        if self.run_file.exists():
            found = RunSettings(**json.loads(self.run_file.read_text(encoding="utf8")))
            diffs = self.settings.differences(found)
            if diffs:
                raise ValueError(
                    Errors.E1240.format(
                        output_dir=self.path, diffs="; ".join(diffs), run_json=self.run_file
                    )
                )
        # run.json is written with the first finished unit: until then there is no
        # output to protect, and a run whose model failed to load binds nothing.
        self.shards.mkdir(parents=True, exist_ok=True)
        stray = sorted(self.shards.glob(f"*{TEMP_SUFFIX}"))
        for path in stray:
            path.unlink()
        if stray:
            logger.info("Removed %d unfinished shards of an interrupted run", len(stray))
        entries = self._read_ledger()
        self._truncate(self.rejects, entries[-1].rejects_end if entries else 0)
        done = {entry.key: entry for entry in entries}
        for entry in done.values():
            self._check_shard(entry)
        return done

    def temp_path(self, index: int, output_format: str) -> Path:
        """Where the shard of a unit is written before it is finished.

        index (int): The unit's position in the collection.
        output_format (str): The output format.
        RETURNS (Path): The temporary path, beside the shard's final one.
        """
        return self.shards / (shard_name(index, output_format) + TEMP_SUFFIX)

    def finish_unit(
        self, index: int, unit: Unit, temp: Path, result: UnitResult, *, output_format: str
    ) -> LedgerEntry:
        """Commit a unit: its shard into place, then its rejects, then its ledger line,
        each synced before the next, so that the ledger never names work that a crash
        could lose.

        index (int): The unit's position in the collection.
        unit (Unit): The unit.
        temp (Path): Its complete shard, under its temporary name.
        result (UnitResult): What annotating it gave.
        output_format (str): The output format.
        RETURNS (LedgerEntry): The unit's ledger line.
        """
        if not self.run_file.exists():
            self._write_atomically(
                self.run_file, json.dumps(asdict(self.settings), indent=2) + "\n"
            )
        size, md5 = _sync_and_hash(temp)
        shard = self.shards / shard_name(index, output_format)
        os.replace(temp, shard)
        _fsync_dir(self.shards)
        rejects_end = _append_synced(self.rejects, (_json_line(r) for r in result.rejects))
        entry = LedgerEntry(
            key=unit.key,
            shard=shard.name,
            docs=result.docs,
            words=result.words,
            rejects=len(result.rejects),
            deleted=result.deleted,
            bytes=size,
            md5=md5,
            rejects_end=rejects_end,
        )
        _append_synced(self.ledger, [_json_line(asdict(entry))])
        return entry

    def write_summary(self, summary: Summary) -> None:
        """Write summary.json (atomically).

        summary (Summary): The run's summary.
        """
        self._write_atomically(self.path / SUMMARY_FILE, json.dumps(summary.to_dict(), indent=2))

    def _read_ledger(self) -> List[LedgerEntry]:
        """The ledger's entries; a last line cut short by a kill is dropped (from the
        file too, so the next line starts on a line of its own)."""
        if not self.ledger.exists():
            return []
        data = self.ledger.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]
        entries = []
        for number, line in enumerate(complete.decode("utf8").splitlines(), 1):
            try:
                entries.append(LedgerEntry(**json.loads(line)))
            except (ValueError, TypeError) as error:
                raise ValueError(
                    Errors.E1244.format(ledger=self.ledger, line=number, reason=error)
                ) from error
        self._truncate(self.ledger, len(complete))
        return entries

    def _check_shard(self, entry: LedgerEntry) -> None:
        """A finished unit's shard must be there with the size it had (its md5 is in
        the ledger for a full check; hashing every shard would make resuming slow)."""
        shard = self.shards / entry.shard
        if not shard.exists():
            problem = "is missing"
        elif shard.stat().st_size != entry.bytes:
            problem = f"has {shard.stat().st_size} bytes, not {entry.bytes}"
        else:
            return
        raise ValueError(Errors.E1243.format(shard=shard, ledger=self.ledger, problem=problem))

    @staticmethod
    def _truncate(path: Path, size: int) -> None:
        if path.exists() and path.stat().st_size > size:
            with path.open("r+b") as file:
                file.truncate(size)
                os.fsync(file.fileno())

    @staticmethod
    def _write_atomically(path: Path, text: str) -> None:
        temp = path.with_name(path.name + TEMP_SUFFIX)
        with temp.open("w", encoding="utf8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
        _fsync_dir(path.parent)


def reject_line(reject: Reject, unit: Unit) -> Dict[str, Any]:
    """A reject as a line of rejects.jsonl.

    reject (Reject): The reject.
    unit (Unit): Its unit.
    RETURNS (Dict[str, Any]): file, position (in the unit, from 0), line, id,
        reason and the reason's error code.
    """
    return {
        "file": unit.path,
        "position": reject.position,
        "line": reject.line,
        "id": reject.id,
        "reason": reject.reason,
        "code": reject.code or UNCODED_REASON,
    }


def _pipe_isolating_errors(
    nlp: Language,
    records: Iterator[Record],
    *,
    batch_size: int,
    n_process: int,
) -> Iterator[Tuple[Record, Union[Doc, Exception]]]:
    """`nlp.pipe` over records, in order, that survives a document making the
    pipeline raise: the records in flight when a batch fails are run again one at a
    time, the one that raises again comes out with its exception, and the stream
    goes on.

    nlp (Language): The pipeline.
    records (Iterator[Record]): The records; exceptions raised while reading them
        are not the pipeline's and propagate.
    batch_size (int): nlp.pipe's batch size.
    n_process (int): nlp.pipe's processes.
    YIELDS (Tuple[Record, Union[Doc, Exception]]): Each record with its doc, or
        with what the pipeline raised on it alone.
    """
    in_flight: Deque[Record] = deque()
    reading_error: List[BaseException] = []

    def texts() -> Iterator[str]:
        while True:
            try:
                record = next(records)
            except StopIteration:
                return
            except Exception as error:  # the reader's: stop the pipe, raise it after
                reading_error.append(error)
                return
            in_flight.append(record)
            yield record.text

    while True:
        try:
            # spaCy keeps the order of texts, with or without n_process.
            for doc in nlp.pipe(texts(), batch_size=batch_size, n_process=n_process):
                yield in_flight.popleft(), doc
            break
        except Exception:
            # A batch failed and took the stream with it: find the culprit alone.
            while in_flight:
                record = in_flight.popleft()
                try:
                    yield record, nlp(record.text)
                except Exception as error:
                    yield record, error
            if reading_error:
                break
    if reading_error:
        raise reading_error[0]


def annotate_unit(
    nlp: Language,
    unit: Unit,
    path: Path,
    *,
    output_format: str,
    batch_size: int,
    n_process: int = 1,
    id_field: str = "id",
    text_field: str = "text",
    progress: Optional[ProgressCallback] = None,
) -> UnitResult:
    """Annotate one input unit into one shard file, writing each doc as it comes
    (a unit's docs are never held), inside a memory zone so that the strings the
    unit brings are freed with it.

    nlp (Language): The pipeline.
    unit (Unit): The input unit.
    path (Path): The shard file to write.
    output_format (str): One of OUTPUT_FORMATS.
    batch_size (int): nlp.pipe's batch size.
    n_process (int): nlp.pipe's processes.
    id_field (str): The id field of JSONL records.
    text_field (str): The text field of JSONL records.
    progress (Optional[ProgressCallback]): Told the docs and words of each doc.
    RETURNS (UnitResult): Counts and rejects; `error` says why the input could not be
        read to its end, and then the shard is incomplete.
    """
    result = UnitResult()
    rejects: List[Tuple[int, Dict[str, Any]]] = []

    def records() -> Iterator[Record]:
        for item in read_unit(unit, id_field=id_field, text_field=text_field):
            if isinstance(item, Record):
                yield item
            elif isinstance(item, Reject):
                rejects.append((item.position, reject_line(item, unit)))
            elif isinstance(item, Deleted):
                result.deleted += 1

    writer = open_writer(output_format, path, nlp_meta=nlp.meta)
    try:
        with nlp.memory_zone():
            pairs = _pipe_isolating_errors(
                nlp, records(), batch_size=batch_size, n_process=n_process
            )
            for record, doc in pairs:
                if isinstance(doc, Exception):
                    error = f"{type(doc).__name__}: {doc}"
                    reason = Errors.E1245.format(id=record.id, error=error)
                    reject = Reject(
                        record.unit,
                        record.position,
                        record.line,
                        record.id,
                        reason,
                        message_code(reason),
                    )
                    rejects.append((record.position, reject_line(reject, unit)))
                    continue
                writer.write(doc, record)
                words = count_words(record.text)
                result.docs += 1
                result.words += words
                if progress is not None:
                    progress(1, words)
    except UnitError as error:
        result.error = str(error.args[0])
    finally:
        writer.close()
    # In input order, however they were found (reader or pipeline).
    result.rejects = [line for _, line in sorted(rejects, key=lambda item: item[0])]
    return result


def annotate(
    model: str,
    inputs: Sequence[Union[str, Path]],
    output_dir: Union[str, Path],
    *,
    output_format: str = "jsonl",
    input_format: Optional[str] = None,
    batch_size: int = 64,
    n_process: int = 1,
    gpu_id: int = -1,
    id_field: str = "id",
    text_field: str = "text",
    txt_per_unit: int = 1000,
    engine: str = "local",
    address: Optional[str] = None,
    actors: int = 2,
    gpu: bool = False,
    progress: bool = True,
) -> Summary:
    """Annotate a collection into OUTPUT_DIR, resuming a run killed before.

    model (str): An installed pipeline package or a pipeline folder.
    inputs (Sequence[Union[str, Path]]): Files, folders and globs.
    output_dir (Union[str, Path]): The output folder.
    output_format (str): One of OUTPUT_FORMATS.
    input_format (Optional[str]): The input format, None to tell it from each file.
    batch_size (int): nlp.pipe's batch size.
    n_process (int): nlp.pipe's processes (local engine).
    gpu_id (int): The GPU to run on, -1 for the CPU (local engine).
    id_field (str): The id field of JSONL records.
    text_field (str): The text field of JSONL records.
    txt_per_unit (int): .txt files per unit when reading folders of them.
    engine (str): "local" or "ray".
    address (Optional[str]): The Ray cluster to join (ray engine; None: the one
        `ray.init()` finds, else a local one).
    actors (int): Ray actors, each with its own copy of the model (ray engine).
    gpu (bool): Give each Ray actor one GPU (ray engine).
    progress (bool): Show a progress bar on stderr.
    RETURNS (Summary): The summary, also in OUTPUT_DIR/summary.json.
    """
    check_options(
        output_format, batch_size=(batch_size, 1), n_process=(n_process, 1), actors=(actors, 1)
    )
    if engine not in ENGINES:
        raise ValueError(Errors.E1249.format(engine=engine, engines=", ".join(ENGINES)))
    units = find_units(inputs, input_format, txt_per_unit=txt_per_unit)
    settings = make_settings(
        model,
        inputs,
        units,
        output_format=output_format,
        input_format=input_format,
        id_field=id_field,
        text_field=text_field,
    )
    out = OutputDir(output_dir, settings)
    done = out.prepare()
    pending = [(index, unit) for index, unit in enumerate(units) if unit.key not in done]
    summary = Summary(
        output_dir=str(output_dir),
        units=len(units),
        units_skipped=len(units) - len(pending),
        total_docs=sum(entry.docs for entry in done.values()),
        total_rejects=sum(entry.rejects for entry in done.values()),
    )
    unit_options: Dict[str, Any] = {
        "output_format": output_format,
        "batch_size": batch_size,
        "id_field": id_field,
        "text_field": text_field,
    }
    nlp = load_pipeline(model, gpu_id=gpu_id) if engine == "local" and pending else None
    bar = ProgressBar(pending, enabled=progress)
    units_run: Iterator[Tuple[int, Unit, Path, UnitResult]]
    if nlp is not None:
        options = {**unit_options, "n_process": n_process}
        units_run = run_locally(nlp, out, pending, options, progress=bar.update)
    elif engine == "ray":
        from .ray_engine import run_on_ray

        units_run = run_on_ray(
            model, out, pending, unit_options, address=address, actors=actors, gpu=gpu
        )
    else:
        units_run = iter(())
    reasons: Counter = Counter()
    try:
        for index, unit, temp, result in units_run:
            if result.error:
                temp.unlink(missing_ok=True)
                summary.failed.append({"key": unit.key, "reason": result.error})
                logger.warning(result.error)
                continue
            out.finish_unit(index, unit, temp, result, output_format=output_format)
            summary.units_done += 1
            summary.docs += result.docs
            summary.words += result.words
            summary.deleted += result.deleted
            reasons.update(line["code"] for line in result.rejects)
            if engine == "ray":  # its docs are only seen unit by unit
                bar.update(result.docs, result.words)
    finally:
        bar.close()
        summary.seconds = bar.elapsed
        summary.rejects = dict(sorted(reasons.items()))
        summary.total_docs += summary.docs
        summary.total_rejects += sum(reasons.values())
        out.write_summary(summary)
    return summary


def run_locally(
    nlp: Language,
    out: OutputDir,
    pending: List[Tuple[int, Unit]],
    unit_options: Dict[str, Any],
    *,
    progress: Optional[ProgressCallback] = None,
) -> Iterator[Tuple[int, Unit, Path, UnitResult]]:
    """The local engine: annotate the pending units in order, in this process
    (spaCy's n_process inside each unit).

    nlp (Language): The pipeline.
    out (OutputDir): The output folder.
    pending (List[Tuple[int, Unit]]): (index, unit) in unit order.
    unit_options (Dict[str, Any]): annotate_unit's options.
    progress (Optional[ProgressCallback]): Told each doc's docs and words.
    YIELDS (Tuple[int, Unit, Path, UnitResult]): Each unit's index, the unit, its
        complete temporary shard and its result, in unit order.
    """
    if unit_options.get("n_process", 1) > 1:
        # The HF tokenizer's threads cannot survive spaCy's fork: without this it
        # warns at every fork (each unit) and turns them off anyway.
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    for index, unit in pending:
        temp = out.temp_path(index, unit_options["output_format"])
        result = annotate_unit(nlp, unit, temp, progress=progress, **unit_options)
        yield index, unit, temp, result


class ProgressBar:
    """A tqdm bar on stderr: docs, words/s, and an ETA once every pending unit has
    counted its records. Counting scans the inputs (a gzipped PubMed file takes about
    a second), so a thread does it while the run starts, and the total appears when
    it is known.

    pending (List[Tuple[int, Unit]]): The units to annotate.
    enabled (bool): Show it; when False, only the clock runs.
    """

    def __init__(self, pending: List[Tuple[int, Unit]], *, enabled: bool) -> None:
        self.words = 0
        self.start = time.perf_counter()
        self.bar: Any = None
        self.total: Optional[int] = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(unit="doc", desc="annotate", dynamic_ncols=True)
            units = [unit for _, unit in pending]
            threading.Thread(target=self._count, args=(units,), daemon=True).start()

    def _count(self, units: List[Unit]) -> None:
        total = 0
        for unit in units:
            count = count_records(unit, scan_gzip=True)
            if count is None:
                return
            total += count
        self.total = total

    @property
    def elapsed(self) -> float:
        """RETURNS (float): Seconds since the bar was made."""
        return time.perf_counter() - self.start

    def update(self, docs: int, words: int) -> None:
        """Count annotated docs and their words.

        docs (int): Documents.
        words (int): Their words.
        """
        self.words += words
        if self.bar is not None:
            if self.bar.total is None and self.total is not None:
                self.bar.total = self.total
            self.bar.update(docs)
            elapsed = self.elapsed
            if elapsed:
                self.bar.set_postfix_str(f"{self.words / elapsed:,.0f} words/s", refresh=False)

    def close(self) -> None:
        """Close the bar."""
        if self.bar is not None:
            self.bar.close()
