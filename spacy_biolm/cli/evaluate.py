"""`evaluate`, `compare`, `quality-run` and `quality-table`: per-corpus scores of a
pipeline, two side by side, one run of the quality study, and README's comparison
tables from the metrics of many runs."""

from pathlib import Path
from typing import Any, Dict, List, Optional

import srsly
import typer
from wasabi import msg

from ..evaluation import (
    compare_markdown,
    evaluate,
    parse_label_thresholds,
    set_label_thresholds,
    to_markdown,
)
from ..quality import quality_markdown, update_blocks
from ..study import HEADS, quality_run
from ._app import app


@app.command("evaluate")
def evaluate_cli(
    model: str = typer.Argument(..., help="A pipeline folder or installed package name."),
    corpus_dir: Path = typer.Argument(..., help="Folder with <corpus>/<split>.spacy files."),
    split: str = typer.Option("test", help="Which split to score: train, dev or test."),
    output: Optional[Path] = typer.Option(None, help="Write the scores as JSON here."),
    markdown: Optional[Path] = typer.Option(None, help="Write a markdown table here."),
    batch_size: int = typer.Option(64, help="Batch size for nlp.pipe."),
    n_docs: int = typer.Option(0, help="Only the first N docs of each corpus (0: all)."),
    corpora: str = typer.Option(
        "",
        help="Comma-separated corpora to score (default: every corpus with the split). "
        "BioRED's dev split is fully annotated: `--split dev --corpora biored` scores "
        "every type on every document, so cross-type false positives count.",
    ),
    gpu_id: int = typer.Option(-1, help="GPU id, or -1 for CPU."),
    abbreviation_types: bool = typer.Option(
        False,
        "--abbreviation-types",
        help="Score with `biolm_abbreviations` (consistent_types) after the NER, as "
        "en_biolm ships it: a short form and its long form get one type, and short "
        "forms the NER missed become entities.",
    ),
    thresholds: str = typer.Option(
        "",
        help="Comma-separated thresholds, e.g. 0.5,0.6,0.7,0.8: also print each type's "
        "strict P/R/F at each (one prediction pass; a biolm_ner pipeline without "
        "pipes after the NER), to choose `threshold` or `label_thresholds`.",
    ),
    label_thresholds: str = typer.Option(
        "",
        help="Score with these per-label thresholds of biolm_ner, e.g. Gene=0.7,Chemical=0.6 "
        "(the `label_thresholds` setting, without editing the model's config).",
    ),
) -> None:
    """Strict and overlap P/R/F per corpus and per type (only the labels each corpus
    annotates), cross-type false positives, and words/s, for any pipeline that writes
    entities."""
    import spacy

    if gpu_id >= 0:
        spacy.require_gpu(gpu_id)
    try:
        levels = sorted({float(part) for part in thresholds.split(",") if part.strip()})
    except ValueError:
        msg.fail(f"--thresholds {thresholds!r}: give numbers in [0, 1], e.g. 0.5,0.7.", exits=1)
    if any(not 0.0 <= level <= 1.0 for level in levels):
        msg.fail(f"--thresholds {thresholds!r}: every threshold must be in [0, 1].", exits=1)
    try:
        by_label = parse_label_thresholds(label_thresholds)
    except ValueError as err:
        msg.fail(str(err), exits=1)
    nlp = spacy.load(model)
    if abbreviation_types:
        from ..linking.component import use_abbreviation_types

        use_abbreviation_types(nlp)
    try:
        if by_label:
            set_label_thresholds(nlp, by_label)
        results = evaluate(
            nlp,
            corpus_dir,
            split=split,
            batch_size=batch_size,
            n_docs=n_docs,
            corpora=[name.strip() for name in corpora.split(",") if name.strip()],
            thresholds=levels,
        )
    except (FileNotFoundError, ValueError) as err:
        msg.fail(str(err), exits=1)
    results["model"] = model
    if abbreviation_types:
        results["abbreviation_types"] = True
    if by_label:
        results["label_thresholds"] = by_label
    table = to_markdown(results, title=str(model))
    print(table)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        srsly.write_json(output, results)
        msg.good(f"Wrote {output}")
    if markdown:
        _write_markdown(markdown, table)


@app.command("compare")
def compare_cli(
    ours: Path = typer.Argument(..., help="metrics JSON written by `evaluate`."),
    baseline: Path = typer.Argument(..., help="metrics JSON of the pipeline to compare with."),
    markdown: Optional[Path] = typer.Option(None, help="Write the markdown table here."),
    names: str = typer.Option("biolm_ner,spaCy ner", help="Column names: ours,baseline."),
) -> None:
    """Two evaluations side by side, per corpus and type, with ΔF."""
    for path in (ours, baseline):
        if not path.exists():
            msg.fail(f"{path} does not exist: run the evaluate command that writes it.", exits=1)
    first, second = (part.strip() for part in names.split(",", 1))
    table = compare_markdown(srsly.read_json(ours), srsly.read_json(baseline), (first, second))
    print(table)
    if markdown:
        _write_markdown(markdown, table)


@app.command("quality-table")
def quality_table_cli(
    results_dir: Optional[Path] = typer.Argument(
        None,
        help="Folder of run folders, each with run.json, test.json and (optional) "
        "biored_dev.json (not needed with --update: each block names its own).",
    ),
    markdown: Optional[Path] = typer.Option(None, help="Write the tables here."),
    select: List[str] = typer.Option(
        [],
        help="Only the run folders whose name matches this glob, e.g. '*_2k'; repeatable.",
    ),
    lead: List[str] = typer.Option(
        [],
        help="OURS,BASELINE: two run-name globs, each the seeds of one setting (e.g. "
        "'biolm_ner_biored_s*_2k,spacy_ner_biored_s*_2k'): adds their per-row ΔF table "
        "(difference of the means over seeds and per seed); repeatable.",
    ),
    section: List[str] = typer.Option(
        [],
        help="Print only this table, without heading (runs, test, lead, glance, biored, "
        "cross, cost): what README embeds; repeatable.",
    ),
    update: List[Path] = typer.Option(
        [],
        help="Rebuild the tables a markdown file embeds between <!-- quality-table "
        "RESULTS_DIR [--select …] [--lead …] --section NAME --> and <!-- /quality-table "
        "--> (README.md, BENCHMARKS.md) and write it back; run it from the repository "
        "root (the blocks' results folders are relative to it). Each block names its "
        "own results and options: the others given here are not used. Repeatable.",
    ),
) -> None:
    """README's comparison tables: per corpus/type strict F on the test splits and
    BioRED dev per type (strict and overlap), mean ± sd over seeds per variant, and
    what each training cost."""
    if update:
        for path in update:
            try:
                before = path.read_text(encoding="utf8")
                after = update_blocks(before)
            except (OSError, ValueError, KeyError) as err:
                hint = "Run it from the repository root, where its blocks' results folders are."
                msg.fail(f"Cannot update the tables of {path}", f"{err}\n{hint}", exits=1)
            path.write_text(after, encoding="utf8")
            msg.good(f"{path}: {'updated' if after != before else 'already current'}")
        return
    if results_dir is None or not results_dir.is_dir():
        msg.fail(f"{results_dir} is not a folder of run folders.", exits=1)
    leads = []
    for pair in lead:
        parts = [part.strip() for part in pair.split(",")]
        if len(parts) != 2 or not all(parts):
            msg.fail(f"--lead {pair!r}: give two run-name globs, OURS,BASELINE.", exits=1)
        leads.append((parts[0], parts[1]))
    try:
        text = quality_markdown(results_dir, select, leads, section)
    except (ValueError, KeyError) as err:
        msg.fail(f"Cannot build the tables from {results_dir}", str(err), exits=1)
    print(text)
    if markdown:
        _write_markdown(markdown, text)


@app.command("quality-run")
def quality_run_cli(
    name: str = typer.Argument(..., help="Run name: results/NAME and training/NAME."),
    head: str = typer.Option("biolm_ner", help=f"Which head: {', '.join(HEADS)}."),
    seed: int = typer.Option(0, help="system.seed."),
    steps: int = typer.Option(2000, help="training.max_steps (2,000: the published protocol)."),
    corpora: str = typer.Option(
        "bc2gm,bc5cdr,jnlpba,linnaeus,ncbi_disease,s800",
        help="Comma-separated training corpora (folders of --corpus-dir); add biored for "
        "the +BioRED rows.",
    ),
    encoder: str = typer.Option(..., help="paths.encoder: a Hugging Face folder."),
    test_corpora: str = typer.Option(
        "",
        help="Comma-separated corpora whose test splits are scored (default: the training "
        "corpora but biored); name the usual six when training on a variant or extra corpus.",
    ),
    corpus_dir: Path = typer.Option(Path("corpus"), help="Folder of converted corpora."),
    results_dir: Path = typer.Option(Path("results"), help="Where results/NAME goes."),
    training_dir: Path = typer.Option(Path("training"), help="Where training/NAME goes."),
    config: Optional[Path] = typer.Option(None, help="Training config (default: the head's)."),
    recipe: str = typer.Option("", help="Short name of what --set changes (a table column)."),
    set_: List[str] = typer.Option(
        [],
        "--set",
        help="A config override KEY=VALUE (JSON value), e.g. "
        "components.biolm_ner.exclusive_labels=true; repeatable.",
    ),
    warmup_steps: Optional[int] = typer.Option(None, help="Warmup steps (default: config's)."),
    note: str = typer.Option("", help="Free text kept in run.json."),
    abbreviation_types: bool = typer.Option(
        False,
        "--abbreviation-types",
        help="Score with biolm_abbreviations (consistent_types) after the NER, as "
        "en_biolm ships it; the recipe gains 'abbreviation types'.",
    ),
    model_from: Optional[str] = typer.Option(
        None,
        help="Score the model of this earlier run (training/NAME) instead of training "
        "one (with --abbreviation-types or --label-thresholds: an inference-only recipe "
        "row).",
    ),
    label_thresholds: str = typer.Option(
        "",
        help="Score with these per-label thresholds, e.g. Gene=0.7 (chosen on dev "
        "splits, never on what is reported); the recipe names them.",
    ),
) -> None:
    """Train one run of the quality study (spacy train in a child process), score its
    model-best on the test splits and BioRED dev, and write results/NAME/{run,test,
    biored_dev}.json with its cost (wall, CPU, steps/min, peak RSS). Resumable."""
    overrides: Dict[str, Any] = {}
    for item in set_:
        key, sep, value = item.partition("=")
        if not sep or not key:
            msg.fail(f"--set needs KEY=VALUE, got {item!r}", exits=1)
        try:
            overrides[key] = srsly.json_loads(value)
        except ValueError:
            overrides[key] = value
    try:
        info = quality_run(
            name,
            head=head,
            seed=seed,
            steps=steps,
            corpora=[c.strip() for c in corpora.split(",") if c.strip()],
            test_corpora=[c.strip() for c in test_corpora.split(",") if c.strip()] or None,
            encoder=encoder,
            corpus_dir=corpus_dir,
            results_dir=results_dir,
            training_dir=training_dir,
            config=config,
            recipe=recipe,
            overrides=overrides,
            warmup_steps=warmup_steps,
            note=note,
            abbreviation_types=abbreviation_types,
            model_from=model_from,
            label_thresholds=parse_label_thresholds(label_thresholds),
        )
    except (ValueError, FileNotFoundError) as err:
        msg.fail(str(err), exits=1)
    msg.good(f"Wrote {results_dir / name}", srsly.json_dumps(info, indent=2))


def _write_markdown(path: Path, table: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(table, encoding="utf8")
    msg.good(f"Wrote {path}")
