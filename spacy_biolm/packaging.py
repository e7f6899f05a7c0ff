"""Turn a trained pipeline into the `en_biolm` package: assemble what ships and
write the meta (corpora and their licences, from the catalog; labels, evaluation)."""

from pathlib import Path
from typing import Any, Dict, List, Optional

from .about import __version__
from .corpora.catalog import releases
from .evaluation import to_markdown

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
    known = releases()
    unknown = [corpus for corpus in corpora if corpus not in known]
    sources = [{"name": corpus, "license": "unknown: add it to the meta"} for corpus in unknown]
    sources += [
        {"name": known[corpus].title, "url": known[corpus].url, "license": known[corpus].license}
        for corpus in corpora
        if corpus in known
    ]
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
