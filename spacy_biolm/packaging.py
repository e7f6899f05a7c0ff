"""Turn a trained pipeline into the `en_biolm` package: assemble what ships and
write the meta (corpora and their licences, labels, evaluation)."""

from pathlib import Path
from typing import Any, Dict, List, Optional

import srsly
import typer

from .about import __version__
from .cli import app
from .evaluation import to_markdown

# What the packaged model's meta says about each corpus it was trained on.
CORPORA: Dict[str, Dict[str, str]] = {
    "bc5cdr": {
        "name": "BioCreative V CDR (BC5CDR)",
        "url": "https://biocreative.bioinformatics.udel.edu/tasks/biocreative-v/track-3-cdr/",
        "license": "Public domain (US government work)",
    },
    "ncbi_disease": {
        "name": "NCBI Disease",
        "url": "https://www.ncbi.nlm.nih.gov/CBBresearch/Dogan/DISEASE/",
        "license": "Public domain (US government work)",
    },
    "bc2gm": {
        "name": "BioCreative II Gene Mention (BC2GM)",
        "url": "https://github.com/spyysalo/bc2gm-corpus",
        "license": "Public domain (US government work)",
    },
    "jnlpba": {
        "name": "JNLPBA / GENIA",
        "url": "https://github.com/spyysalo/jnlpba",
        "license": "CC BY 3.0 (GENIA corpus licence)",
    },
    "linnaeus": {
        "name": "LINNAEUS",
        "url": "https://github.com/spyysalo/linnaeus-corpus-data",
        "license": "CC BY 4.0",
    },
    "s800": {
        "name": "Species-800 (S800)",
        "url": "https://github.com/spyysalo/s800",
        "license": "No licence file upstream (none stated by the authors)",
    },
}

DOC_CLEANER_ATTRS = {"tensor": None, "_.trf_data": None}


def build_meta(
    results: Dict[str, Any], *, name: str, version: str, lang: str = "en"
) -> Dict[str, Any]:
    """The meta.json for `spacy package`.

    results (Dict[str, Any]): Output of `spacy_biolm evaluate` (per-corpus scores).
    name (str): Package name without the language prefix ("biolm").
    version (str): Package version.
    RETURNS (Dict[str, Any]): The meta; spaCy adds labels and requirements itself.
    """
    corpora: List[str] = list(results["corpora"])
    unknown = [corpus for corpus in corpora if corpus not in CORPORA]
    sources = [{"name": corpus, "license": "unknown: add it to the meta"} for corpus in unknown]
    sources += [CORPORA[corpus] for corpus in corpora if corpus in CORPORA]
    licences = "; ".join(f"{source['name']}: {source['license']}" for source in sources)
    return {
        "lang": lang,
        "name": name,
        "version": version,
        "description": (
            "Biomedical NER (Chemical, Disease, Gene, Species) with a transformer and a "
            "masked multi-type head trained on merged, partially annotated corpora; "
            "overlapping predictions in doc.spans['biolm_ents'] with span._.biolm_score."
        ),
        "author": "spacy-biolm",
        "license": f"Code: MIT. Training data: {licences}",
        "sources": sources,
        "performance": _performance(results),
        "notes": to_markdown(results, title=f"{lang}_{name} {version}"),
        "spacy_biolm_version": __version__,
    }


def _performance(results: Dict[str, Any]) -> Dict[str, Optional[float]]:
    """Per-corpus F-scores and the mean over corpora (each corpus counts once)."""
    scores = {f"{corpus}_ents_f": res["ents_f"] for corpus, res in results["corpora"].items()}
    known = [value for value in scores.values() if value is not None]
    scores["ents_f"] = sum(known) / len(known) if known else None
    return scores


def assemble(model: Path, output: Path, *, biogpt: Optional[str] = None) -> List[str]:
    """The pipeline that ships: the trained one, then a doc_cleaner so that returned
    docs do not keep megabytes of transformer activations each, then optionally a
    BioGPT component that is disabled by default.

    model (Path): The trained pipeline.
    output (Path): Where to write the assembled pipeline.
    biogpt (Optional[str]): A BioGPT HF name or folder, or None/"" for none.
    RETURNS (List[str]): The pipe names of the assembled pipeline.
    """
    import spacy

    nlp = spacy.load(model)
    if "doc_cleaner" not in nlp.pipe_names:
        nlp.add_pipe("doc_cleaner", config={"attrs": DOC_CLEANER_ATTRS})
    if biogpt:
        nlp.add_pipe("biogpt", config={"model": biogpt})
        nlp.get_pipe("biogpt").initialize(lambda: [], nlp=nlp)  # type: ignore[attr-defined]
        nlp.disable_pipe("biogpt")
    nlp.to_disk(output)
    return nlp.pipe_names


@app.command("assemble")
def assemble_cli(
    model: Path = typer.Argument(
        ..., help="The trained pipeline (e.g. training/biolm/model-best)."
    ),
    output: Path = typer.Argument(..., help="Where to write the pipeline to package."),
    biogpt: str = typer.Option("", help="BioGPT HF name or folder to ship disabled; '' for none."),
) -> None:
    """Assemble the pipeline to package: trained NER, a doc_cleaner, optional BioGPT."""
    from wasabi import msg

    names = assemble(model, output, biogpt=biogpt or None)
    msg.good(f"Wrote {output}: {', '.join(names)}" + (" (biogpt disabled)" if biogpt else ""))


@app.command("package-meta")
def package_meta_cli(
    metrics: Path = typer.Argument(..., help="JSON written by `python -m spacy_biolm evaluate`."),
    output: Path = typer.Argument(..., help="meta.json to write (for spacy package --meta-path)."),
    name: str = typer.Option("biolm", help="Package name without the language prefix."),
    version: str = typer.Option("0.1.0", help="Package version."),
) -> None:
    """Write the package meta: corpora and licences, evaluation table and scores."""
    from wasabi import msg

    meta = build_meta(srsly.read_json(metrics), name=name, version=version)
    output.parent.mkdir(parents=True, exist_ok=True)
    srsly.write_json(output, meta)
    msg.good(f"Wrote {output}")
