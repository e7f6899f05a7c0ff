"""Convert corpora to .spacy files with a fidelity report (the plain functions behind
`python -m spacy_biolm convert`, `convert-all` and `convert-file`)."""

import logging
import time
from enum import Enum
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence

import srsly
from spacy.language import Language
from spacy.tokens import DocBin
from spacy.util import SimpleFrozenDict
from tqdm import tqdm

from ..errors import Errors
from .bc2gm import read_bc2gm
from .bioc import read_bioc
from .brat import read_brat
from .builder import DocBuilder, make_nlp
from .catalog import (
    BIORED_RELEASE,
    CORPUS_RECIPES,
    DEFAULT_CORPORA,
    CorpusName,
    biored_dev_split,
    corpus_splits,
)
from .heldout import HeldOutRegistry, hold_out_test_documents, load_test_ids
from .iob import read_iob
from .labels import LabelScheme
from .pubtator import read_pubtator
from .reader import ReadSource
from .report import SplitReport, format_misalignments
from .source import CorpusError, InvalidRecords, SourceDocument
from .species_tsv import read_species_tsv

logger = logging.getLogger("spacy_biolm")

REPORT_FILE = "report.json"
MISALIGNED_FILE = "misaligned.txt"


class FileFormat(str, Enum):
    pubtator = "pubtator"
    bioc = "bioc"
    brat = "brat"
    bc2gm = "bc2gm"
    species_tsv = "species-tsv"
    iob = "iob"


# The formats whose input is one path (file or folder) with everything in it.
SINGLE_FILE_READERS: Dict[
    FileFormat, Callable[[Path, InvalidRecords], Iterable[SourceDocument]]
] = {
    FileFormat.pubtator: read_pubtator,
    FileFormat.bioc: read_bioc,
    FileFormat.brat: read_brat,
    FileFormat.iob: read_iob,
}


def convert_split(
    nlp: Language,
    read: ReadSource,
    scheme: LabelScheme,
    output: Path,
    *,
    corpus: str,
    split: str,
    skip_invalid: bool = False,
    max_docs: int = 0,
    progress: bool = True,
    held_out: Optional[HeldOutRegistry] = None,
) -> SplitReport:
    """Convert one split to a .spacy file and report what became of each mention.

    nlp (Language): The pipeline whose tokenizer splits the text.
    read (ReadSource): Yields the source documents.
    scheme (LabelScheme): How source types become labels.
    output (Path): The .spacy file to write.
    corpus (str): The corpus name (also `doc._.biolm_source`).
    split (str): The split name, for the report.
    skip_invalid (bool): Skip invalid records instead of raising.
    max_docs (int): Convert only the first max_docs documents (0: all).
    progress (bool): Show a progress bar.
    held_out (Optional[HeldOutRegistry]): Corpus -> the document keys of its test
        split (`heldout.load_test_ids`): documents with those keys are left out and
        listed in the report. None: keep every document.
    RETURNS (SplitReport): The fidelity report of the split.
    """
    started = time.perf_counter()
    report = SplitReport(corpus, split)
    invalid = InvalidRecords(skip=skip_invalid)
    builder = DocBuilder(nlp, scheme, source=corpus, invalid=invalid, report=report)
    docbin = DocBin(store_user_data=True)
    documents = read(invalid)
    if held_out is not None:
        documents = hold_out_test_documents(documents, report, held_out)
    docs = islice(builder(documents), max_docs or None)
    for doc in tqdm(docs, desc=f"{corpus}/{split}", unit=" docs", disable=not progress):
        docbin.add(doc)
    output.parent.mkdir(parents=True, exist_ok=True)
    docbin.to_disk(output)
    report.add_skipped(invalid.counts(), (str(error) for error in invalid.skipped))
    report.seconds = time.perf_counter() - started
    logger.info("Wrote %d docs to %s in %.1fs", report.docs, output, report.seconds)
    return report


def convert_corpus(
    name: CorpusName,
    input_dir: Path,
    output_dir: Path,
    *,
    fmt: str = "",
    skip_invalid: bool = False,
    max_docs: int = 0,
    progress: bool = True,
    nlp: Optional[Language] = None,
    corpora_dir: Optional[Path] = None,
    types: Optional[Mapping[str, str]] = None,
) -> List[SplitReport]:
    """Convert a public corpus to OUTPUT_DIR/{train,dev,test}.spacy with its report.

    The train and dev splits leave out every document of any corpus's test split
    (heldout.py), read from corpora_dir, which must hold every corpus; the report
    lists them. Also writes OUTPUT_DIR/report.json (with the label scheme used) and
    OUTPUT_DIR/misaligned.txt (mentions whose boundaries fall inside tokens, by
    pattern).

    A variant (types) converts only some of the corpus's types: write it to a
    folder of its own (corpus/jnlpba_protein). Its docs keep the corpus's name in
    `doc._.biolm_source`, and report.json's "corpus" is the corpus, so that the
    merged reader, the scorer and the package meta know where they come from.

    name (CorpusName): The corpus.
    input_dir (Path): Its folder, laid out like the public release.
    output_dir (Path): The folder to write.
    fmt (str): The input format where a corpus has several; "" for the default.
    skip_invalid (bool): Skip invalid records instead of raising.
    max_docs (int): Convert only the first max_docs documents of each split (0: all).
    progress (bool): Show progress bars.
    nlp (Optional[Language]): The tokenizing pipeline; make_nlp() if None.
    corpora_dir (Optional[Path]): The folder of every corpus (one folder each, like
        ../shared/corpora), whose test splits train and dev leave out and which
        BioRED's dev split is chosen against; None: input_dir's parent.
    types (Optional[Mapping[str, str]]): Convert only these source types, to these
        labels (`LabelScheme.select_types`); the corpus's other types are counted as
        unmapped. None or empty: the catalog's scheme.
    RETURNS (List[SplitReport]): The reports of the splits.
    """
    default = CORPUS_RECIPES[name].scheme
    scheme = default.select_types(types, corpus=name.value) if types else default
    corpora_dir = input_dir.parent if corpora_dir is None else corpora_dir
    splits = corpus_splits(name, input_dir, fmt, corpora_dir=corpora_dir)
    # Read before the first split is written: a missing test split stops us here.
    held_out = load_test_ids(corpora_dir)
    nlp = nlp if nlp is not None else make_nlp()
    reports = [
        convert_split(
            nlp,
            source.read,
            scheme,
            output_dir / f"{split}.spacy",
            corpus=name.value,
            split=split,
            skip_invalid=skip_invalid,
            max_docs=max_docs,
            progress=progress,
            held_out=None if split == "test" else held_out,
        )
        for split, source in splits.items()
    ]
    write_report(
        output_dir / REPORT_FILE,
        reports,
        fmt=fmt or CORPUS_RECIPES[name].formats[0],
        misaligned=output_dir / MISALIGNED_FILE,
        scheme={**scheme.to_dict(), "default": scheme == default},
    )
    return reports


def write_report(
    path: Path,
    reports: Sequence[SplitReport],
    *,
    fmt: str,
    misaligned: Path,
    scheme: Optional[Mapping[str, Any]] = None,
) -> None:
    """Write the JSON report of converted splits and their misalignment listing.

    path (Path): The JSON file to write.
    reports (Sequence[SplitReport]): The split reports of one corpus.
    fmt (str): The input format, recorded in the report.
    misaligned (Path): The text file to write the misalignment patterns to.
    scheme (Optional[Mapping[str, Any]]): The label scheme used
        (`LabelScheme.to_dict`), recorded as "label_scheme"; None: not recorded.
    """
    data: Dict[str, Any] = {
        "corpus": reports[0].corpus,
        "format": fmt,
        "seconds": round(sum(report.seconds for report in reports), 2),
    }
    if scheme is not None:
        data["label_scheme"] = dict(scheme)
    data["splits"] = {report.split: report.to_dict() for report in reports}
    srsly.write_json(path, data)
    misaligned.write_text(format_misalignments(reports), encoding="utf8")


def file_reader(
    fmt: FileFormat,
    path: Path,
    *,
    annotations: Optional[Path] = None,
    end_inclusive: bool = False,
) -> ReadSource:
    """The source reader of one file (or folder) of a user's data.

    fmt (FileFormat): The format.
    path (Path): The file, or the folder for brat and species-tsv.
    annotations (Optional[Path]): bc2gm: the GENE.eval file (default: beside path);
        species-tsv: the tag table (required).
    end_inclusive (bool): species-tsv: the end column points at the last character.
    RETURNS (ReadSource): Yields the source documents.
    """
    if fmt == FileFormat.bc2gm:
        return partial(read_bc2gm, path, annotations or path.parent / "GENE.eval")
    if fmt == FileFormat.species_tsv:
        if annotations is None:
            raise CorpusError(Errors.E1082.format(path=path))
        return partial(read_species_tsv, path, annotations, end_inclusive=end_inclusive)
    return partial(SINGLE_FILE_READERS[fmt], path)


def convert_all(
    corpora_dir: Path,
    output_dir: Path,
    *,
    skip_invalid: bool = False,
    max_docs: int = 0,
    max_docs_for: Mapping[CorpusName, int] = SimpleFrozenDict(),
    progress: bool = True,
    corpora: Sequence[CorpusName] = DEFAULT_CORPORA,
) -> Dict[str, List[SplitReport]]:
    """Convert the corpora of the catalog: CORPORA_DIR/<corpus> to OUTPUT_DIR/<corpus>.

    corpora_dir (Path): A folder laid out like the project's assets/ (one folder per corpus).
    output_dir (Path): The folder to write one folder per corpus to.
    skip_invalid (bool): Skip invalid records instead of raising.
    max_docs (int): Convert only the first max_docs documents of each split (0: all).
    max_docs_for (Mapping[CorpusName, int]): Another max_docs for some corpora
        (a LINNAEUS full text is as long as ~40 abstracts).
    progress (bool): Show progress bars.
    corpora (Sequence[CorpusName]): The corpora to convert: by default the seven
        the project trains on, not the opt-in ones (`catalog.OPT_IN_CORPORA`).
    RETURNS (Dict[str, List[SplitReport]]): The split reports, by corpus name.
    """
    # Check every input folder, the test splits every conversion leaves out and
    # BioRED's dev split before the first (minutes-long) conversion starts.
    for name in corpora:
        corpus_splits(name, corpora_dir / name.value, corpora_dir=corpora_dir)
    load_test_ids(corpora_dir)
    if CorpusName.biored in corpora:
        biored_dev_split(corpora_dir / CorpusName.biored.value / BIORED_RELEASE, corpora_dir)
    nlp = make_nlp()
    return {
        name.value: convert_corpus(
            name,
            corpora_dir / name.value,
            output_dir / name.value,
            skip_invalid=skip_invalid,
            max_docs=max_docs_for.get(name, max_docs),
            progress=progress,
            nlp=nlp,
            corpora_dir=corpora_dir,
        )
        for name in corpora
    }


def convert_file(
    fmt: FileFormat,
    input_path: Path,
    output: Path,
    *,
    label_map: Optional[Dict[str, str]] = None,
    ignore_types: Sequence[str] = (),
    annotated_labels: Optional[Sequence[str]] = None,
    source: str = "",
    annotations: Optional[Path] = None,
    end_inclusive: bool = False,
    skip_invalid: bool = False,
    progress: bool = True,
) -> SplitReport:
    """Convert one file or folder of a user's annotated data to a .spacy file, and
    write OUTPUT.report.json and OUTPUT.misaligned.txt beside it.

    fmt (FileFormat): The input's format.
    input_path (Path): The file, or the folder for brat and species-tsv.
    output (Path): The .spacy file to write.
    label_map (Optional[Dict[str, str]]): Source types to labels; None: every type
        is its own label.
    ignore_types (Sequence[str]): Source types to leave out on purpose.
    annotated_labels (Optional[Sequence[str]]): The labels the data annotates;
        None: those of label_map, or all labels without one.
    source (str): Corpus name for doc._.biolm_source; "": the input's name.
    annotations (Optional[Path]): bc2gm: the GENE.eval file; species-tsv: the tag table.
    end_inclusive (bool): species-tsv: the end column points at the last character.
    skip_invalid (bool): Skip invalid records instead of raising.
    progress (bool): Show a progress bar.
    RETURNS (SplitReport): The fidelity report.
    """
    scheme = LabelScheme.create(
        label_map or {}, ignore_types=ignore_types, annotated_labels=annotated_labels
    )
    read = file_reader(fmt, input_path, annotations=annotations, end_inclusive=end_inclusive)
    report = convert_split(
        make_nlp(),
        read,
        scheme,
        output,
        corpus=source or input_path.stem,
        split=output.stem,
        skip_invalid=skip_invalid,
        progress=progress,
    )
    write_report(
        output.with_suffix(".report.json"),
        [report],
        fmt=fmt.value,
        misaligned=output.with_suffix(".misaligned.txt"),
        scheme=scheme.to_dict(),
    )
    return report
