"""Linking accuracy on gold mentions (Acc@1, Acc@5), per corpus and label.

Protocol: each document of a corpus split is tokenized as the pipelines tokenize
(`corpora.builder.make_nlp`), its gold mentions with an ID become the entities
(`doc.spans["biolm_ents"]`), and `biolm_abbreviations` then `biolm_linker` run on
it, so that short forms are resolved from the document's own definitions. Mentions
without an ID (BC5CDR's -1) are not scored.

A candidate is correct at rank k when, as in BioSyn's evaluation, one of its IDs
(the parts of a composite, each with the concept's alternative IDs, e.g. the OMIM
IDs MEDIC lists for a MeSH disease) is one of the gold IDs ("acc@1", "acc@5"). The
strict variant asks for the same set of concepts as the gold one ("acc@1_strict").
Acc is measured without a threshold (every mention takes its best candidate);
"linked" and "precision" give the share of mentions that pass the component's
threshold and the share of those that are correct.
"""

from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

import srsly
from spacy.language import Language
from spacy.tokens import Span
from wasabi import MarkdownRenderer

from ..annotations import SPANS_KEY
from ..corpora.alignment import DROPPED, align
from ..corpora.builder import make_nlp
from ..errors import Errors
from .component import EntityLinker, get_candidates
from .gold import LinkingCorpus, read_gold
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
DEFAULT_CORPORA = (LinkingCorpus.bc5cdr, LinkingCorpus.ncbi_disease)


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
    nlp.add_pipe("biolm_abbreviations")
    linker = nlp.add_pipe("biolm_linker", config={"threshold": threshold, "top_k": top_k})
    assert isinstance(linker, EntityLinker)
    for label, kb in kbs.items():
        linker.add_kb(label, kb)
    return nlp


def evaluate_linking(
    kbs: Mapping[str, KnowledgeBase],
    corpora_dir: Path,
    *,
    corpora: Sequence[LinkingCorpus] = DEFAULT_CORPORA,
    split: str = "test",
    threshold: float = 0.8,
    output_dir: Optional[Path] = None,
) -> Dict[str, Any]:
    """Acc@1 and Acc@5 of linking the gold mentions of corpus splits.

    kbs (Mapping[str, KnowledgeBase]): Label -> knowledge base (built without the
        evaluated split).
    corpora_dir (Path): The corpora folder (shared/corpora).
    corpora (Sequence[LinkingCorpus]): The corpora to evaluate.
    split (str): The split ("test"; "dev" to tune on a KB built from train).
    threshold (float): The linker threshold "linked" and "precision" refer to.
    output_dir (Optional[Path]): Write linking.json and linking.md there.
    RETURNS (Dict[str, Any]): {"split", "threshold", "rows": [one per corpus and
        label: n, acc@1, acc@5, acc@1_strict, linked, precision (in %)]}.
    """
    nlp = make_linking_nlp(kbs, threshold=0.0)
    rows = []
    for corpus in corpora:
        try:
            corpus = LinkingCorpus(corpus)
        except ValueError:
            raise ValueError(
                Errors.E1191.format(corpus=corpus, corpora=[c.value for c in LinkingCorpus])
            ) from None
        counts: Dict[str, Dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for document in read_gold(Path(corpora_dir), corpus, split):
            doc = nlp.make_doc(document.text)
            gold: Dict[Tuple[int, int, str], Tuple[str, ...]] = {}
            for mention in document.mentions:
                if not mention.ids or mention.label not in kbs:
                    continue
                alignment = align(doc, document.text, mention.start, mention.end, mention.label)
                if alignment.status == DROPPED or alignment.span is None:
                    continue
                span = alignment.span
                gold.setdefault((span.start, span.end, mention.label), mention.ids)
            doc.spans[SPANS_KEY] = [
                Span(doc, start, end, label=label) for start, end, label in sorted(gold)
            ]
            for _, pipe in nlp.pipeline:
                doc = pipe(doc)
            for span in doc.spans[SPANS_KEY]:
                ids = gold[(span.start, span.end, span.label_)]
                kb = kbs[span.label_]
                ranked = [c["id"] for c in get_candidates(span) or []]
                row = counts[span.label_]
                row["n"] += 1
                row["acc@1"] += bool(ranked) and _correct(kb, ranked[0], ids)
                row["acc@5"] += any(_correct(kb, c, ids) for c in ranked[:5])
                row["acc@1_strict"] += bool(ranked) and _strict(kb, ranked[0], ids)
                scores = [c["score"] for c in get_candidates(span) or []]
                if scores and scores[0] >= threshold:
                    row["linked"] += 1
                    row["linked_correct"] += _correct(kb, ranked[0], ids)
        for label, row in sorted(counts.items()):
            n = row["n"]
            rows.append(
                {
                    "corpus": corpus.value,
                    "label": label,
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
    result = {"split": split, "threshold": threshold, "rows": rows}
    if output_dir is not None:
        output_dir = Path(output_dir)
        output_dir.mkdir(parents=True, exist_ok=True)
        srsly.write_json(output_dir / "linking.json", result)
        (output_dir / "linking.md").write_text(linking_table(result), encoding="utf8")
    return result


def linking_table(result: Dict[str, Any]) -> str:
    """The results as a Markdown table.

    result (Dict[str, Any]): `evaluate_linking` output.
    RETURNS (str): The table.
    """
    rows = [
        [
            row["corpus"],
            row["label"],
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
    return f"{caption}\n\n{table}\n"


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
