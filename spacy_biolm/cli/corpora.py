"""`convert`, `convert-all`, `convert-file`: corpora to .spacy files with a fidelity report."""

from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import typer
from wasabi import msg

from ..corpora.catalog import DEFAULT_CORPORA, OPT_IN_CORPORA, CorpusName
from ..corpora.convert import REPORT_FILE, FileFormat, convert_all, convert_corpus, convert_file
from ..corpora.labels import parse_label_map
from ..corpora.report import SplitReport
from ..corpora.source import CorpusError
from ._app import app

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
        "invalid records); misaligned.txt lists the recovered ones by pattern. Train and "
        "dev leave out every document that any corpus's test split holds (BioRED reuses "
        "BC5CDR, NCBI-disease, GNormPlus and NLM-Gene test abstracts); the report lists "
        "them. BioRED has train and dev only (a fixed 400/100 split). gnormplus and "
        "nlm_gene are opt-in corpora (gene mentions by the gene-normalization "
        "guidelines): no default training reads them.",
        "--types converts a variant with only some of the corpus's types, into a "
        "folder of its own, e.g. convert jnlpba ../shared/corpora/jnlpba "
        "corpus/jnlpba_protein --types protein=Gene (DNA and RNA left out).",
        "Example: python -m spacy_biolm convert bc5cdr ../shared/corpora/bc5cdr corpus/bc5cdr",
    )
)
CONVERT_ALL_HELP = "\n\n".join(
    (
        f"Convert the default corpora ({', '.join(n.value for n in DEFAULT_CORPORA)}) "
        "as `convert` does, each from CORPORA_DIR/<corpus> to OUTPUT_DIR/<corpus>, "
        "after checking that all their input files are there; with --opt-in also "
        f"{' and '.join(n.value for n in OPT_IN_CORPORA)}.",
        "Example: python -m spacy_biolm convert-all ../shared/corpora corpus --max-docs 12",
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
SKIP_INVALID_HELP = (
    "Skip records that cannot be converted (malformed lines, offsets or mention text that "
    "do not fit the document, unknown types, bad bytes) instead of stopping at the first; "
    "each is counted in the report."
)
MAX_DOCS_HELP = "Convert only the first N documents of each split (0: all)."


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
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help=SKIP_INVALID_HELP),
    max_docs: int = typer.Option(0, "--max-docs", help=MAX_DOCS_HELP),
    corpora_dir: Optional[Path] = typer.Option(
        None,
        "--corpora-dir",
        help="The folder with every corpus (like ../shared/corpora): train and dev leave "
        "out the test documents of all of them, and BioRED's dev split avoids the "
        "documents of the others. Default: INPUT_DIR's parent.",
    ),
    types: str = typer.Option(
        "",
        "--types",
        help="Convert only these source types, as TYPE=LABEL pairs: every other type "
        "of the corpus is left out and counted as unmapped, and the docs annotate only "
        "these labels. E.g. jnlpba: 'protein=Gene'; gnormplus: "
        "'Gene=Gene,FamilyName=Gene'. report.json records the scheme used. Default: "
        "the catalog's scheme.",
    ),
) -> None:
    """Convert a public biomedical NER corpus to spaCy training data (see CONVERT_HELP)."""
    try:
        reports = convert_corpus(
            corpus,
            input_dir,
            output_dir,
            fmt=fmt,
            skip_invalid=skip_invalid,
            max_docs=max_docs,
            corpora_dir=corpora_dir,
            types=parse_label_map(types),
        )
    except (CorpusError, OSError) as error:
        msg.fail(f"Cannot convert {corpus.value}", str(error), exits=1)
    print_reports(reports)
    seconds = sum(report.seconds for report in reports)
    msg.good(f"Converted {corpus.value} to {output_dir} in {seconds:.1f}s (report: {REPORT_FILE})")


@app.command("convert-all", help=CONVERT_ALL_HELP)
def convert_all_cli(
    corpora_dir: Path = typer.Argument(
        ..., help="A folder with one folder per corpus: assets/ or a mirror like ../shared/corpora."
    ),
    output_dir: Path = typer.Argument(..., help="Folder to write one folder per corpus to."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help=SKIP_INVALID_HELP),
    max_docs: int = typer.Option(0, "--max-docs", help=MAX_DOCS_HELP),
    max_docs_for: List[str] = typer.Option(
        [],
        "--max-docs-for",
        help="CORPUS=N: another --max-docs for one corpus, e.g. linnaeus=2 (a LINNAEUS "
        "full text is as long as ~40 abstracts); repeatable.",
    ),
    opt_in: bool = typer.Option(
        False,
        "--opt-in",
        help="Also convert the opt-in corpora (gene-normalization corpora for the "
        "Gene study), which the default training and evaluation never read.",
    ),
) -> None:
    """Convert the catalog's default corpora (see CONVERT_ALL_HELP)."""
    try:
        limits = {CorpusName(name): int(n) for name, n in _split_pairs(max_docs_for)}
    except ValueError as error:
        msg.fail(f"--max-docs-for takes CORPUS=N with a catalog corpus: {error}", exits=1)
    try:
        reports = convert_all(
            corpora_dir,
            output_dir,
            skip_invalid=skip_invalid,
            max_docs=max_docs,
            max_docs_for=limits,
            corpora=(*DEFAULT_CORPORA, *OPT_IN_CORPORA) if opt_in else DEFAULT_CORPORA,
        )
    except (CorpusError, OSError) as error:
        msg.fail(f"Cannot convert the corpora in {corpora_dir}", str(error), exits=1)
    print_reports([report for split_reports in reports.values() for report in split_reports])
    msg.good(f"Converted {len(reports)} corpora to {output_dir}/<corpus> (reports: {REPORT_FILE})")


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
    try:
        report = convert_file(
            fmt,
            input_path,
            output,
            label_map=parse_label_map(label_map),
            ignore_types=_split_list(ignore_types),
            annotated_labels=_split_list(annotated_labels) or None,
            source=source,
            annotations=annotations,
            end_inclusive=end_inclusive,
            skip_invalid=skip_invalid,
        )
    except (CorpusError, OSError) as error:
        msg.fail(f"Cannot convert {input_path}", str(error), exits=1)
    print_reports([report])
    msg.good(f"Wrote {report.docs} docs to {output} in {report.seconds:.1f}s")


def print_reports(reports: Sequence[SplitReport]) -> None:
    """Print the fidelity table of converted splits."""
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
        "held out",
        "s",
    )
    rows = [
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
            len(r.held_out),
            f"{r.seconds:.1f}",
        )
        for r in reports
    ]
    msg.table(rows, header=header, divider=True)


def _counts(counts: Dict[str, int]) -> str:
    return ", ".join(f"{key} {value:,}" for key, value in sorted(counts.items()))


def _split_list(value: str) -> List[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _split_pairs(values: Sequence[str]) -> List[Tuple[str, str]]:
    pairs = [value.partition("=") for value in values]
    if any(not sep for _, sep, _ in pairs):
        raise ValueError(", ".join(values))
    return [(key.strip(), value.strip()) for key, _, value in pairs]
