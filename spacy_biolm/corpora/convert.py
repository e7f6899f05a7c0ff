"""Convert corpora to .spacy files: `python -m spacy_biolm convert|convert-file`."""

import logging
import time
from enum import Enum
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence

import srsly
import typer
from spacy.language import Language
from spacy.tokens import DocBin
from tqdm import tqdm

from ..cli import app
from ..errors import Errors
from .bc2gm import read_bc2gm
from .bioc import read_bioc
from .brat import read_brat
from .builder import DocBuilder, make_nlp
from .catalog import CORPORA, CorpusName, corpus_splits
from .iob import read_iob
from .labels import LabelScheme, parse_label_map
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
    RETURNS (SplitReport): The fidelity report of the split.
    """
    started = time.perf_counter()
    report = SplitReport(corpus, split)
    invalid = InvalidRecords(skip=skip_invalid)
    builder = DocBuilder(nlp, scheme, source=corpus, invalid=invalid, report=report)
    docbin = DocBin(store_user_data=True)
    docs = islice(builder(read(invalid)), max_docs or None)
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
) -> List[SplitReport]:
    """Convert a public corpus to OUTPUT_DIR/{train,dev,test}.spacy with its report.

    Also writes OUTPUT_DIR/report.json and OUTPUT_DIR/misaligned.txt (mentions
    whose boundaries fall inside tokens, by pattern).

    name (CorpusName): The corpus.
    input_dir (Path): Its folder, laid out like the public release.
    output_dir (Path): The folder to write.
    fmt (str): The input format where a corpus has several; "" for the default.
    skip_invalid (bool): Skip invalid records instead of raising.
    max_docs (int): Convert only the first max_docs documents of each split (0: all).
    progress (bool): Show progress bars.
    nlp (Optional[Language]): The tokenizing pipeline; make_nlp() if None.
    RETURNS (List[SplitReport]): The reports of the splits.
    """
    splits = corpus_splits(name, input_dir, fmt)
    nlp = nlp if nlp is not None else make_nlp()
    scheme = CORPORA[name].scheme
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
        )
        for split, source in splits.items()
    ]
    write_report(
        output_dir / REPORT_FILE,
        reports,
        fmt=fmt or CORPORA[name].formats[0],
        misaligned=output_dir / MISALIGNED_FILE,
    )
    return reports


def write_report(path: Path, reports: Sequence[SplitReport], *, fmt: str, misaligned: Path) -> None:
    """Write the JSON report of converted splits and their misalignment listing.

    path (Path): The JSON file to write.
    reports (Sequence[SplitReport]): The split reports of one corpus.
    fmt (str): The input format, recorded in the report.
    misaligned (Path): The text file to write the misalignment patterns to.
    """
    data = {
        "corpus": reports[0].corpus,
        "format": fmt,
        "seconds": round(sum(report.seconds for report in reports), 2),
        "splits": {report.split: report.to_dict() for report in reports},
    }
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


def print_reports(reports: Sequence[SplitReport]) -> None:
    """Print the fidelity table of converted splits."""
    from wasabi import msg

    header = (
        "corpus",
        "split",
        "docs",
        "source",
        "converted",
        "strict %",
        "recovered",
        "dropped",
        "unmapped",
        "invalid",
        "s",
    )
    rows = []
    for r in reports:
        rows.append(
            (
                r.corpus,
                r.split,
                r.docs,
                _counts(r.source_mentions),
                _counts(r.converted),
                f"{r.strict_pct:.2f}",
                r.recovered,
                sum(r.dropped.values()),
                _counts(r.unmapped) or 0,
                sum(r.skipped_invalid.values()),
                f"{r.seconds:.1f}",
            )
        )
    msg.table(rows, header=header, divider=True)


def _counts(counts: Dict[str, int]) -> str:
    return ", ".join(f"{key} {value:,}" for key, value in sorted(counts.items()))


# Typer keeps single line breaks of help text, so paragraphs are single strings.
CONVERT_HELP = "\n\n".join(
    (
        "Convert a public biomedical NER corpus to spaCy training data.",
        "Writes the standard train/dev/test splits as .spacy files: one Doc per document "
        "(title + abstract or full text; BC2GM: per sentence) with every gold mention in "
        'doc.spans["biolm_ents"], a non-overlapping selection in doc.ents, and the labels '
        "the corpus annotates in doc._.annotated_labels. report.json says for every split "
        "how many source mentions were aligned to tokens exactly, recovered by expanding "
        "to token boundaries, dropped (with the reason) or not converted (unmapped types, "
        "invalid records); misaligned.txt lists the recovered ones by pattern.",
        "Example: python -m spacy_biolm convert bc5cdr ../shared/corpora/bc5cdr corpus/bc5cdr",
    )
)
CONVERT_FILE_HELP = "\n\n".join(
    (
        "Convert one file or folder of your own annotated data to a .spacy file.",
        "Formats: pubtator (PMID|t|, PMID|a| and tab-separated mention lines), bioc (BioC "
        "XML), brat (folder of .txt/.ann), bc2gm (ID text lines + GENE.eval with offsets "
        "counting non-space characters), species-tsv (folder of .txt + a tag table), iob "
        "(token ... tag per line, blank line between sentences, -DOCSTART- between "
        "documents).",
        "Example: python -m spacy_biolm convert-file brat my_brat/ corpus/mine/train.spacy "
        "--label-map protein=Gene,DNA=Gene --ignore-types cell_type,cell_line",
    )
)


def _split_list(value: str) -> List[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


@app.command("convert", help=CONVERT_HELP)
def convert_cli(
    corpus: CorpusName = typer.Argument(..., help="Which public corpus INPUT_DIR holds."),
    input_dir: Path = typer.Argument(
        ...,
        help="The corpus folder, laid out like its public release (e.g. ../shared/corpora/bc5cdr).",
    ),
    output_dir: Path = typer.Argument(
        ...,
        help="Folder to write train.spacy, dev.spacy, test.spacy, report.json and "
        "misaligned.txt to.",
    ),
    fmt: str = typer.Option(
        "",
        "--format",
        "-f",
        help="Input format where a corpus has several: bc5cdr is read from PubTator "
        "by default, from BioC XML with --format bioc.",
    ),
    skip_invalid: bool = typer.Option(
        False,
        "--skip-invalid",
        help="Skip records that cannot be converted (malformed lines, offsets or "
        "mention text that do not fit the document, unknown types, bad bytes) "
        "instead of stopping at the first; each is counted in the report.",
    ),
    max_docs: int = typer.Option(
        0, "--max-docs", help="Convert only the first N documents of each split (0: all)."
    ),
) -> None:
    """Convert a public biomedical NER corpus to spaCy training data (see CONVERT_HELP)."""
    from wasabi import msg

    try:
        reports = convert_corpus(
            corpus, input_dir, output_dir, fmt=fmt, skip_invalid=skip_invalid, max_docs=max_docs
        )
    except (CorpusError, OSError) as error:
        msg.fail(f"Cannot convert {corpus.value}", str(error), exits=1)
    print_reports(reports)
    seconds = sum(report.seconds for report in reports)
    msg.good(f"Converted {corpus.value} to {output_dir} in {seconds:.1f}s (report: {REPORT_FILE})")


@app.command("convert-file", help=CONVERT_FILE_HELP)
def convert_file_cli(
    fmt: FileFormat = typer.Argument(..., metavar="FORMAT", help="The input's format."),
    input_path: Path = typer.Argument(
        ...,
        metavar="INPUT",
        help="pubtator, bioc, iob: the file. bc2gm: the sentence (.in) file. brat: the "
        "folder of .txt/.ann pairs. species-tsv: the folder of .txt documents.",
    ),
    output: Path = typer.Argument(
        ...,
        help="The .spacy file to write; OUTPUT.report.json and OUTPUT.misaligned.txt "
        "are written beside it.",
    ),
    label_map: str = typer.Option(
        "",
        "--label-map",
        "-l",
        help="Source types to labels, e.g. 'protein=Gene,DNA=Gene'. Without it every "
        "type is its own label; with it, a type that is neither mapped nor ignored is "
        "an error.",
    ),
    ignore_types: str = typer.Option(
        "",
        "--ignore-types",
        help="Comma-separated source types to leave out on purpose, e.g. "
        "'cell_type,cell_line' (counted as unmapped in the report).",
    ),
    annotated_labels: str = typer.Option(
        "",
        "--annotated-labels",
        help="Comma-separated labels the data annotates (doc._.annotated_labels); "
        "training and scoring ignore the other labels on these docs. Default: the "
        "labels of --label-map, or all labels without one.",
    ),
    source: str = typer.Option(
        "", "--source", help="Corpus name for doc._.biolm_source (default: INPUT's name)."
    ),
    annotations: Optional[Path] = typer.Option(
        None,
        "--annotations",
        help="bc2gm: the GENE.eval file (default: GENE.eval beside INPUT). "
        "species-tsv: the tag table (species id, document, start, end, text).",
    ),
    end_inclusive: bool = typer.Option(
        False,
        "--end-inclusive",
        help="species-tsv: the end column points at the last character (as in S800).",
    ),
    skip_invalid: bool = typer.Option(
        False,
        "--skip-invalid",
        help="Skip records that cannot be converted instead of stopping at the "
        "first; each is counted in the report.",
    ),
) -> None:
    """Convert one file or folder of a user's annotated data (see CONVERT_FILE_HELP)."""
    from wasabi import msg

    name = source or input_path.stem
    try:
        scheme = LabelScheme.create(
            parse_label_map(label_map),
            ignore_types=_split_list(ignore_types),
            annotated_labels=_split_list(annotated_labels) or None,
        )
        read = file_reader(fmt, input_path, annotations=annotations, end_inclusive=end_inclusive)
        report = convert_split(
            make_nlp(),
            read,
            scheme,
            output,
            corpus=name,
            split=output.stem,
            skip_invalid=skip_invalid,
        )
    except (CorpusError, OSError) as error:
        msg.fail(f"Cannot convert {input_path}", str(error), exits=1)
    write_report(
        output.with_suffix(".report.json"),
        [report],
        fmt=fmt.value,
        misaligned=output.with_suffix(".misaligned.txt"),
    )
    print_reports([report])
    msg.good(f"Wrote {report.docs} docs to {output} in {report.seconds:.1f}s")
