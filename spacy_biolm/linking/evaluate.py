"""Linking evaluation: accuracy on gold mentions, and end to end with a pipeline's NER.

Gold mentions (`evaluate_linking`): each document of a corpus split is tokenized as
the pipelines tokenize (`corpora.builder.make_nlp`), its gold mentions with an ID
become the entities (`doc.spans["biolm_ents"]`, aligned to tokens as the converted
corpora are), and `biolm_abbreviations` then `biolm_linker` run on it, so that
short forms are resolved from the document's own definitions. Mentions without an
ID (BC5CDR's -1) are not scored. A candidate is correct at rank k when, as in
BioSyn's evaluation, one of its IDs (the parts of a composite, each with the
concept's alternative IDs, e.g. the OMIM IDs MEDIC lists for a MeSH disease) is one
of the gold IDs ("acc@1", "acc@5"). The strict variant asks for the same set of
concepts as the gold one ("acc@1_strict"). Acc is measured without a threshold
(every mention takes its best candidate); "linked" and "precision" give the share
of mentions that pass the component's threshold and the share of those that are
correct. NLM-Gene is reported per organism where an organism table is given.

End to end (`evaluate_end_to_end`, scored by `score_end_to_end`): a pipeline with
NER and linker annotates the raw test documents; its entities
(`doc.spans["biolm_ents"]`, else `doc.ents`) of the labels a corpus links are
compared with the gold mentions, both as sets of IDs: a composite's kb_id_
"MESH:D001943|MESH:D010051" is {MESH:D001943, MESH:D010051}.
- mention level: a prediction is correct when its characters, label and set of IDs
  are a gold mention's (TaggerOne's "span and ID" evaluation);
- document level: per document and label, the set of IDs of the predictions against
  the set of gold IDs (a composite adds each of its parts), counted over all
  documents (micro), as BC5CDR's disease task scored systems.
An unlinked prediction (kb_id_ "") claims no ID and is not counted; a gold mention
without ID is left out, and so is a prediction with exactly its span and label.
IDs are compared after mapping alternative IDs to the KB's primary ones (OMIM:
IDs MEDIC merges into a MeSH disease), on both sides.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
)

import srsly
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import SimpleFrozenDict
from wasabi import MarkdownRenderer

from ..annotations import SPANS_KEY
from ..corpora.alignment import DROPPED, align
from ..corpora.builder import make_nlp
from ..errors import Errors
from ..ner.gold import entity_spans
from .component import EntityLinker, get_candidates
from .gold import CORPUS_IDS, GoldDocument, LinkingCorpus, read_gold
from .kb import SEP, KnowledgeBase

# What the issue asks for (gold mentions, Acc@1 in %) and the floors measured
# before (exact name lookup; see shared/kb/README.md), for the report.
TARGETS = {
    ("bc5cdr", "Disease"): 94.0,
    ("bc5cdr", "Chemical"): 90.0,
    ("ncbi_disease", "Disease"): 91.0,
    ("linnaeus", "Species"): 90.0,
    ("s800", "Species"): 80.0,
    ("gnormplus", "Gene"): 75.0,
}
ANCHORS = {
    ("bc5cdr", "Disease"): "BioSyn 93.2",
    ("bc5cdr", "Chemical"): "BioSyn 96.6",
    ("ncbi_disease", "Disease"): "BioSyn 91.1",
    ("linnaeus", "Species"): "SR4GN 85.4",
}
FLOORS = {
    ("bc5cdr", "Disease"): 81.0,
    ("bc5cdr", "Chemical"): 79.3,
    ("ncbi_disease", "Disease"): 52.8,
    ("linnaeus", "Species"): 32.3,
    ("s800", "Species"): 34.6,
    ("gnormplus", "Gene"): 62.2,
}
# TaggerOne's end-to-end F (NER + normalization) on the same test sets.
END_TO_END_ANCHORS = {
    ("ncbi_disease", "Disease"): "TaggerOne 83.7",
    ("bc5cdr", "Chemical"): "TaggerOne 89.5",
}
DEFAULT_CORPORA = (LinkingCorpus.bc5cdr, LinkingCorpus.ncbi_disease)
ALL_CORPORA = tuple(LinkingCorpus)
# The corpus whose genes are reported per organism.
PER_ORGANISM = LinkingCorpus.nlm_gene
UNKNOWN_ORGANISM = "other organisms"
LINKING_JSON = "linking.json"
LINKING_MD = "linking.md"


def add_linking_pipes(
    nlp: Language,
    kbs: Mapping[str, KnowledgeBase],
    *,
    after: Optional[str] = None,
    threshold: Optional[float] = None,
    top_k: Optional[int] = None,
    consistent_types: bool = False,
) -> EntityLinker:
    """Add `biolm_abbreviations` and `biolm_linker` with the given knowledge bases.

    nlp (Language): The pipeline (its NER, if any, writes the entities to link).
    kbs (Mapping[str, KnowledgeBase]): Label -> knowledge base.
    after (Optional[str]): The pipe to add them after (e.g. "biolm_ner"); None: last.
    threshold (Optional[float]): The linker's threshold; None: its default.
    top_k (Optional[int]): How many candidates it keeps; None: its default.
    consistent_types (bool): The abbreviation pipe's `consistent_types`.
    RETURNS (EntityLinker): The linker.
    """
    config: Dict[str, Any] = {}
    if threshold is not None:
        config["threshold"] = threshold
    if top_k is not None:
        config["top_k"] = top_k
    nlp.add_pipe("biolm_abbreviations", after=after, config={"consistent_types": consistent_types})
    linker = nlp.add_pipe("biolm_linker", after="biolm_abbreviations", config=config)
    assert isinstance(linker, EntityLinker)
    for label, kb in kbs.items():
        linker.add_kb(label, kb)
    return linker


def load_kbs(kb_dir: Path) -> Dict[str, KnowledgeBase]:
    """The knowledge bases `build-kb` saved, one folder per label.

    kb_dir (Path): Its output folder.
    RETURNS (Dict[str, KnowledgeBase]): Label -> knowledge base.
    """
    kb_dir = Path(kb_dir)
    folders = sorted(p for p in kb_dir.iterdir() if p.is_dir()) if kb_dir.is_dir() else []
    if not folders:
        raise ValueError(Errors.E1209.format(path=kb_dir))
    return {folder.name: KnowledgeBase.from_disk(folder) for folder in folders}


def make_linking_nlp(
    kbs: Mapping[str, KnowledgeBase], *, threshold: float = 0.0, top_k: int = 5
) -> Language:
    """A pipeline of the biomedical tokenizer, `biolm_abbreviations` and
    `biolm_linker` with the given knowledge bases.

    kbs (Mapping[str, KnowledgeBase]): Label -> knowledge base.
    threshold (float): The linker's threshold.
    top_k (int): How many candidates it keeps.
    RETURNS (Language): The pipeline.
    """
    nlp = make_nlp()
    add_linking_pipes(nlp, kbs, threshold=threshold, top_k=top_k)
    return nlp


def evaluate_linking(
    kbs: Mapping[str, KnowledgeBase],
    corpora_dir: Path,
    *,
    corpora: Sequence[LinkingCorpus] = DEFAULT_CORPORA,
    split: str = "test",
    threshold: float = 0.8,
    organisms: Mapping[str, str] = SimpleFrozenDict(),
    n_docs: int = 0,
    output_dir: Optional[Path] = None,
) -> Dict[str, Any]:
    """Acc@1 and Acc@5 of linking the gold mentions of corpus splits.

    kbs (Mapping[str, KnowledgeBase]): Label -> knowledge base (built without the
        evaluated split).
    corpora_dir (Path): The corpora folder (shared/corpora).
    corpora (Sequence[LinkingCorpus]): The corpora to evaluate.
    split (str): The split ("test"; "dev" to tune on a KB built from train).
    threshold (float): The linker threshold "linked" and "precision" refer to.
    organisms (Mapping[str, str]): Gene CURIE -> organism, to report NLM-Gene per
        organism (a mention counts for the organism of its first gold ID; IDs
        missing here count for "other organisms"). Empty: NLM-Gene as one row.
    n_docs (int): Only the first n documents of each corpus (0: all).
    output_dir (Optional[Path]): Write linking.json and linking.md there.
    RETURNS (Dict[str, Any]): {"split", "threshold", "rows": [one per corpus and
        label (and organism): n, acc@1, acc@5, acc@1_strict, linked, precision
        (in %)]}.
    """
    nlp = make_linking_nlp(kbs, threshold=0.0)
    rows = []
    for corpus in _corpora(corpora):
        counts: Dict[Tuple[str, str], Dict[str, float]] = defaultdict(lambda: defaultdict(float))
        documents = read_gold(Path(corpora_dir), corpus, split)
        for document in documents[:n_docs] if n_docs else documents:
            doc = nlp.make_doc(document.text)
            gold = {key: ids for key, ids in aligned_gold(doc, document).items() if key[2] in kbs}
            doc.spans[SPANS_KEY] = [
                Span(doc, start, end, label=label) for start, end, label in sorted(gold)
            ]
            for _, pipe in nlp.pipeline:
                doc = pipe(doc)
            for span in doc.spans[SPANS_KEY]:
                ids = gold[(span.start, span.end, span.label_)]
                kb = kbs[span.label_]
                candidates = get_candidates(span) or []
                ranked = [c["id"] for c in candidates]
                group = ""
                if corpus == PER_ORGANISM and organisms:
                    group = organisms.get(ids[0], UNKNOWN_ORGANISM)
                row = counts[(span.label_, group)]
                row["n"] += 1
                row["acc@1"] += bool(ranked) and _correct(kb, ranked[0], ids)
                row["acc@5"] += any(_correct(kb, c, ids) for c in ranked[:5])
                row["acc@1_strict"] += bool(ranked) and _strict(kb, ranked[0], ids)
                if candidates and candidates[0]["score"] >= threshold:
                    row["linked"] += 1
                    row["linked_correct"] += _correct(kb, ranked[0], ids)
        for (label, group), row in sorted(counts.items()):
            n = row["n"]
            rows.append(
                {
                    "corpus": corpus.value,
                    "label": label,
                    "organism": group or None,
                    "n": int(n),
                    "acc@1": _pct(row["acc@1"], n),
                    "acc@5": _pct(row["acc@5"], n),
                    "acc@1_strict": _pct(row["acc@1_strict"], n),
                    "linked": _pct(row["linked"], n),
                    "precision": _pct(row["linked_correct"], row["linked"]),
                    "target": TARGETS.get((corpus.value, label)),
                    "floor": FLOORS.get((corpus.value, label)),
                    "anchor": ANCHORS.get((corpus.value, label)),
                }
            )
    result: Dict[str, Any] = {"split": split, "threshold": threshold, "rows": rows}
    if n_docs:
        result["n_docs"] = n_docs
    if output_dir is not None:
        write_linking_metrics(result, output_dir)
    return result


@dataclass(frozen=True)
class LinkedMention:
    """An entity with the concepts it is linked to, for end-to-end scoring.

    start (int): Offset of its first character.
    end (int): Offset after its last character.
    label (str): Its label.
    ids (FrozenSet[str]): Its CURIEs (several for a composite; empty: unlinked).
    """

    start: int
    end: int
    label: str
    ids: FrozenSet[str]

    @classmethod
    def from_span(cls, span: Span) -> "LinkedMention":
        """The mention of a linked span (kb_id_ "A|B" -> {A, B})."""
        return cls(span.start_char, span.end_char, span.label_, split_ids(span.kb_id_))


def split_ids(kb_id: str) -> FrozenSet[str]:
    """The CURIEs of a kb_id_: "MESH:D001943|MESH:D010051" -> both; "" -> none.

    kb_id (str): The ID as the linker writes it.
    RETURNS (FrozenSet[str]): Its parts.
    """
    return frozenset(part for part in kb_id.split(SEP) if part)


def score_end_to_end(
    predicted: Sequence[Iterable[LinkedMention]],
    gold: Sequence[Iterable[LinkedMention]],
    *,
    canonical: Optional[Callable[[str], str]] = None,
) -> Dict[str, Dict[str, Dict[str, Any]]]:
    """Mention-level P/R/F of (span, IDs) and document-level P/R/F of the set of
    IDs per document, per label and over all labels (see the module docstring).

    predicted (Sequence[Iterable[LinkedMention]]): Per document, the predictions.
    gold (Sequence[Iterable[LinkedMention]]): Per document, the gold mentions.
    canonical (Optional[Callable[[str], str]]): Maps an ID to the one it is
        compared as (an alternative ID to its concept's primary ID); None: as is.
    RETURNS (Dict[str, Dict[str, Dict[str, Any]]]): Label (and "all") ->
        {"mention": {...}, "document": {...}}, each with p, r, f (in %), tp,
        predicted and gold counts.
    """
    if len(predicted) != len(gold):
        raise ValueError(Errors.E1206.format(n_predicted=len(predicted), n_gold=len(gold)))
    counts: Dict[Tuple[str, str], Counter] = defaultdict(Counter)
    for doc_predicted, doc_gold in zip(predicted, gold):
        gold_mentions = {_canonical(m, canonical) for m in doc_gold}
        unscored = {(m.start, m.end, m.label) for m in gold_mentions if not m.ids}
        gold_mentions = {m for m in gold_mentions if m.ids}
        predictions = {
            m
            for m in (_canonical(m, canonical) for m in doc_predicted)
            if m.ids and (m.start, m.end, m.label) not in unscored
        }
        for level, pred_items, gold_items in (
            ("mention", _by_label(predictions, whole=True), _by_label(gold_mentions, whole=True)),
            ("document", _by_label(predictions), _by_label(gold_mentions)),
        ):
            for label in set(pred_items) | set(gold_items):
                p, g = pred_items.get(label, set()), gold_items.get(label, set())
                for key in (label, "all"):
                    counts[(key, level)].update(tp=len(p & g), predicted=len(p), gold=len(g))
    result: Dict[str, Dict[str, Dict[str, Any]]] = defaultdict(dict)
    for (label, level), count in sorted(counts.items()):
        result[label][level] = _prf(count)
    return dict(result)


def evaluate_end_to_end(
    nlp: Language,
    corpora_dir: Path,
    *,
    corpora: Sequence[LinkingCorpus] = ALL_CORPORA,
    split: str = "test",
    kbs: Mapping[str, KnowledgeBase] = SimpleFrozenDict(),
    batch_size: int = 16,
    n_docs: int = 0,
) -> List[Dict[str, Any]]:
    """Our NER and linking on raw test documents, scored per corpus and label at
    mention and at document level (`score_end_to_end`).

    nlp (Language): A pipeline with NER, `biolm_abbreviations` and `biolm_linker`.
    corpora_dir (Path): The corpora folder (shared/corpora).
    corpora (Sequence[LinkingCorpus]): The corpora to evaluate.
    split (str): The split.
    kbs (Mapping[str, KnowledgeBase]): The linker's KBs: only their labels are
        scored, and alternative IDs are compared as their primary ones; empty: every
        label the corpus links, IDs as they are.
    batch_size (int): The nlp.pipe batch size.
    n_docs (int): Only the first n documents of each corpus (0: all).
    RETURNS (List[Dict[str, Any]]): One row per corpus and label: mentions, docs,
        mention_p/r/f, doc_p/r/f (in %) and the anchor.
    """
    canonical = _canonical_ids(kbs)
    rows = []
    for corpus in _corpora(corpora):
        labels = sorted(set(CORPUS_IDS[corpus].types.values()))
        if kbs:
            # A label without KB stays unlinked: its rows would only say so.
            labels = [label for label in labels if label in kbs]
        if not labels:
            continue
        documents = read_gold(Path(corpora_dir), corpus, split)
        if n_docs:
            documents = documents[:n_docs]
        predicted, gold = [], []
        docs = nlp.pipe((d.text for d in documents), batch_size=batch_size)
        for document, doc in zip(documents, docs):
            predicted.append(
                [
                    LinkedMention.from_span(s)
                    for s in entity_spans(doc, SPANS_KEY)
                    if s.label_ in labels
                ]
            )
            gold.append(
                [
                    LinkedMention(span.start_char, span.end_char, label, frozenset(ids))
                    for (start, end, label), ids in aligned_gold(doc, document).items()
                    for span in [doc[start:end]]
                ]
            )
        scores = score_end_to_end(predicted, gold, canonical=canonical)
        for label in labels:
            score = scores.get(label, {})
            mention, document_level = score.get("mention", {}), score.get("document", {})
            rows.append(
                {
                    "corpus": corpus.value,
                    "label": label,
                    "docs": len(documents),
                    "mentions": mention.get("gold", 0),
                    **{f"mention_{k}": mention.get(k) for k in ("p", "r", "f")},
                    **{f"doc_{k}": document_level.get(k) for k in ("p", "r", "f")},
                    "anchor": END_TO_END_ANCHORS.get((corpus.value, label)),
                }
            )
    return rows


def write_linking_metrics(result: Dict[str, Any], output_dir: Path) -> Tuple[Path, Path]:
    """Write the results as linking.json and linking.md.

    result (Dict[str, Any]): `evaluate_linking` output, optionally with the
        `evaluate_end_to_end` rows under "end_to_end".
    output_dir (Path): The folder.
    RETURNS (Tuple[Path, Path]): The two files.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = output_dir / LINKING_JSON, output_dir / LINKING_MD
    srsly.write_json(json_path, result)
    md_path.write_text(linking_table(result), encoding="utf8")
    return json_path, md_path


def linking_table(result: Dict[str, Any]) -> str:
    """The results as Markdown tables (gold mentions; end to end if present).

    result (Dict[str, Any]): `evaluate_linking` output, optionally with
        "end_to_end" rows.
    RETURNS (str): The tables.
    """
    rows = [
        [
            row["corpus"],
            row["label"] + (f" ({row['organism']})" if row.get("organism") else ""),
            str(row["n"]),
            *(_fmt(row[key]) for key in ("acc@1", "acc@5", "acc@1_strict", "linked", "precision")),
            _fmt(row["target"]),
            _fmt(row["floor"]),
            row["anchor"] or "",
        ]
        for row in result["rows"]
    ]
    header = [
        "corpus",
        "label",
        "mentions",
        "Acc@1",
        "Acc@5",
        "Acc@1 strict",
        "linked",
        "precision",
        "target",
        "floor",
        "anchor",
    ]
    table = MarkdownRenderer().table(
        rows, header, aligns=["l", "l", "r", "r", "r", "r", "r", "r", "r", "r", "l"]
    )
    caption = (
        f"Gold mentions, {result['split']} split; linked / precision at threshold "
        f"{result['threshold']}."
    )
    text = f"{caption}\n\n{table}\n"
    if result.get("end_to_end"):
        text += "\n" + end_to_end_table(result["end_to_end"], model=result.get("model"))
    return text


def end_to_end_table(rows: Sequence[Dict[str, Any]], *, model: Optional[str] = None) -> str:
    """The end-to-end rows as a Markdown table.

    rows (Sequence[Dict[str, Any]]): `evaluate_end_to_end` output.
    model (Optional[str]): The pipeline evaluated, for the caption.
    RETURNS (str): The table.
    """
    keys = ("mention_p", "mention_r", "mention_f", "doc_p", "doc_r", "doc_f")
    body = [
        [row["corpus"], row["label"], str(row["docs"]), str(row["mentions"])]
        + [_fmt(row[key]) for key in keys]
        + [row["anchor"] or ""]
        for row in rows
    ]
    header = ["corpus", "label", "docs", "mentions", "mention P", "mention R", "mention F"]
    header += ["doc P", "doc R", "doc F", "anchor (F)"]
    aligns: List[Literal["l", "r", "c"]] = ["l", "l", "r", "r", "r", "r", "r", "r", "r", "r", "l"]
    table = MarkdownRenderer().table(body, header, aligns=aligns)
    caption = (
        "End to end" + (f" ({model})" if model else "") + ": predicted entities with their "
        "IDs; mention level = same characters, label and IDs; document level = the set of "
        "IDs per document (BC5CDR's disease task)."
    )
    return f"{caption}\n\n{table}\n"


def _corpora(corpora: Sequence[Any]) -> List[LinkingCorpus]:
    result = []
    for corpus in corpora:
        try:
            result.append(LinkingCorpus(corpus))
        except ValueError:
            raise ValueError(
                Errors.E1191.format(corpus=corpus, corpora=[c.value for c in LinkingCorpus])
            ) from None
    return result


def aligned_gold(doc: Doc, document: GoldDocument) -> Dict[Tuple[int, int, str], Tuple[str, ...]]:
    """The gold mentions with an ID, aligned to the doc's tokens as the converted
    corpora align them (expanded to token boundaries); the first mention of two
    with the same bounds and label wins.

    doc (Doc): The document tokenized.
    document (GoldDocument): Its text and gold mentions.
    RETURNS (Dict[Tuple[int, int, str], Tuple[str, ...]]): (start token, end token,
        label) -> the gold IDs.
    """
    gold: Dict[Tuple[int, int, str], Tuple[str, ...]] = {}
    for mention in document.mentions:
        if not mention.ids:
            continue
        alignment = align(doc, document.text, mention.start, mention.end, mention.label)
        if alignment.status == DROPPED or alignment.span is None:
            continue
        span = alignment.span
        gold.setdefault((span.start, span.end, mention.label), mention.ids)
    return gold


def _canonical(mention: LinkedMention, canonical: Optional[Callable[[str], str]]) -> LinkedMention:
    if canonical is None:
        return mention
    ids = frozenset(canonical(i) for i in mention.ids)
    return LinkedMention(mention.start, mention.end, mention.label, ids)


def _canonical_ids(kbs: Mapping[str, KnowledgeBase]) -> Optional[Callable[[str], str]]:
    if not kbs:
        return None
    primaries = {concept_id for kb in kbs.values() for concept_id in kb.ids}
    primary: Dict[str, str] = {}
    for kb in kbs.values():
        for concept_id, alt_ids in zip(kb.ids, kb.alt_ids):
            for alt in alt_ids:
                if alt not in primaries:
                    primary.setdefault(alt, concept_id)
    return lambda concept_id: primary.get(concept_id, concept_id)


def _by_label(mentions: Iterable[LinkedMention], *, whole: bool = False) -> Dict[str, Set[Any]]:
    """Per label, the mentions (whole) or the IDs they name."""
    items: Dict[str, Set[Any]] = defaultdict(set)
    for mention in mentions:
        if whole:
            items[mention.label].add(mention)
        else:
            items[mention.label].update(mention.ids)
    return items


def _prf(count: Counter) -> Dict[str, Any]:
    tp, n_pred, n_gold = count["tp"], count["predicted"], count["gold"]
    p, r = _pct(tp, n_pred), _pct(tp, n_gold)
    # F = 2PR / (P + R) = 2 tp / (predicted + gold): 0, not undefined, when one side is empty.
    f = round(200.0 * tp / (n_pred + n_gold), 1) if n_pred + n_gold else None
    return {"p": p, "r": r, "f": f, "tp": tp, "predicted": n_pred, "gold": n_gold}


def _equivalents(kb: KnowledgeBase, concept_id: str) -> List[Set[str]]:
    return [set(kb.equivalent_ids(part)) for part in concept_id.split(SEP)]


def _correct(kb: KnowledgeBase, concept_id: str, gold: Sequence[str]) -> bool:
    return any(ids & set(gold) for ids in _equivalents(kb, concept_id))


def _strict(kb: KnowledgeBase, concept_id: str, gold: Sequence[str]) -> bool:
    parts = _equivalents(kb, concept_id)
    return all(ids & set(gold) for ids in parts) and all(
        any(g in ids for ids in parts) for g in gold
    )


def _pct(part: float, whole: float) -> Optional[float]:
    return round(100.0 * part / whole, 1) if whole else None


def _fmt(value: Any) -> str:
    return "" if value is None else f"{value}"
