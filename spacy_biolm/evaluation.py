"""Per-corpus evaluation: strict P/R/F per corpus and per type, counting only the
labels each corpus annotates, plus throughput.

Any pipeline that writes entities can be evaluated, ours (`doc.spans["biolm_ents"]`)
or spaCy's built-in `ner` (`doc.ents`): both are scored by `spacy-biolm.ner_scorer.v1`,
so a baseline is not charged for the chemicals a disease-only corpus never marked.

Beside the strict scores, every corpus gets (`span_scores`, on the same labels):

- overlap P/R/F per type: a predicted entity is right if it shares a character
  with a gold entity of its type, a gold entity is found if a predicted entity of
  its type shares a character with it. Boundary errors ("BRCA1 mutation" for
  "BRCA1") count against strict F, not against overlap F.
- cross-type false positives: strict false positives that share a character with
  a gold entity of another type, per (predicted, gold) pair of types. On a fully
  annotated corpus (BioRED: `annotated_labels` holds every label) these are the
  errors that a partially annotated test split cannot see: a Gene predicted on a
  chemical.
"""

import bisect
import logging
import time
from collections import Counter, defaultdict
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple, cast

from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from spacy.util import registry
from wasabi import MarkdownRenderer

from .annotations import SPANS_KEY, get_annotated_labels
from .errors import Errors
from .ner.component import SCORES_KEY, BioLMEntityRecognizer, score_key

logger = logging.getLogger("spacy_biolm")

SCORER = "spacy-biolm.ner_scorer.v1"
# (label, start_char, end_char)
Entity = Tuple[str, int, int]


@dataclass
class TypeCounts:
    """The counts behind the strict and overlap scores of one type.

    gold (int): Gold entities.
    predicted (int): Predicted entities.
    strict (int): Predicted entities equal to a gold one (label and offsets).
    overlap_predicted (int): Predicted entities that overlap a gold one of the type.
    overlap_gold (int): Gold entities that a predicted one of the type overlaps.
    """

    gold: int = 0
    predicted: int = 0
    strict: int = 0
    overlap_predicted: int = 0
    overlap_gold: int = 0

    def add(self, other: "TypeCounts") -> None:
        """Add another's counts to these."""
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def strict_prf(self) -> Dict[str, Optional[float]]:
        """Strict precision, recall and F (None where undefined)."""
        return _prf(self.strict, self.predicted, self.strict, self.gold)

    def overlap_prf(self) -> Dict[str, Optional[float]]:
        """Overlap precision, recall and F (None where undefined)."""
        return _prf(self.overlap_predicted, self.predicted, self.overlap_gold, self.gold)


@dataclass
class SpanScores:
    """Strict and overlap counts per type and the cross-type false positives.

    per_type (Dict[str, TypeCounts]): The counts of each scored type.
    cross_type (Counter): (predicted type, gold type) -> strict false positives of
        the first type that overlap a gold entity of the second.
    cross_type_fp (int): Strict false positives that overlap a gold entity of any
        other type (each counted once).
    """

    per_type: Dict[str, TypeCounts] = field(default_factory=lambda: defaultdict(TypeCounts))
    cross_type: Counter = field(default_factory=Counter)
    cross_type_fp: int = 0

    def add_doc(self, gold: Set[Entity], predicted: Set[Entity]) -> None:
        """Count one document's entities (of the labels it is scored on)."""
        gold_index = _SpanIndex(gold)
        predicted_index = _SpanIndex(predicted)
        for label, start, end in gold:
            counts = self.per_type[label]
            counts.gold += 1
            counts.overlap_gold += predicted_index.overlaps(label, start, end)
        for label, start, end in predicted:
            counts = self.per_type[label]
            counts.predicted += 1
            counts.overlap_predicted += gold_index.overlaps(label, start, end)
            if (label, start, end) in gold:
                counts.strict += 1
                continue
            others = [
                other
                for other in gold_index.labels
                if other != label and gold_index.overlaps(other, start, end)
            ]
            self.cross_type.update((label, other) for other in others)
            self.cross_type_fp += bool(others)

    def to_dict(self) -> Dict[str, Any]:
        """The scores as JSON data: overall and per type, strict and overlap, with
        the counts, and the cross-type false positives."""
        total = TypeCounts()
        for counts in self.per_type.values():
            total.add(counts)
        false_positives = total.predicted - total.strict
        return {
            "ents_overlap_p": total.overlap_prf()["p"],
            "ents_overlap_r": total.overlap_prf()["r"],
            "ents_overlap_f": total.overlap_prf()["f"],
            "ents_overlap_per_type": {
                label: counts.overlap_prf() for label, counts in sorted(self.per_type.items())
            },
            "ents_counts_per_type": {
                label: vars(counts) for label, counts in sorted(self.per_type.items())
            },
            "ents_cross_type": {
                "false_positives": false_positives,
                "on_other_type": self.cross_type_fp,
                "share": self.cross_type_fp / false_positives if false_positives else None,
                "pairs": {
                    f"{predicted}->{gold}": n
                    for (predicted, gold), n in sorted(self.cross_type.items())
                },
            },
        }


class _SpanIndex:
    """Which entities of a label overlap a character range, in O(log n): the spans
    of each label sorted by start, with the running maximum of their ends."""

    def __init__(self, entities: Iterable[Entity]) -> None:
        by_label: Dict[str, List[Tuple[int, int]]] = defaultdict(list)
        for label, start, end in entities:
            by_label[label].append((start, end))
        self.labels = sorted(by_label)
        self._starts: Dict[str, List[int]] = {}
        self._max_ends: Dict[str, List[int]] = {}
        for label, spans in by_label.items():
            spans.sort()
            self._starts[label] = [start for start, _ in spans]
            ends, highest = [], -1
            for _, end in spans:
                highest = max(highest, end)
                ends.append(highest)
            self._max_ends[label] = ends

    def overlaps(self, label: str, start: int, end: int) -> bool:
        """Whether an entity of `label` shares a character with [start, end)."""
        starts = self._starts.get(label)
        if not starts:
            return False
        # The spans starting before `end`; one of them overlaps iff one ends after `start`.
        before = bisect.bisect_left(starts, end)
        return before > 0 and self._max_ends[label][before - 1] > start


def entities_of(doc: Doc, spans_key: str = SPANS_KEY) -> List[Entity]:
    """The entities of a doc, gold or predicted: `doc.spans[spans_key]` where the
    doc has that group (overlaps allowed), else `doc.ents` (as the scorer reads them).

    doc (Doc): The document.
    spans_key (str): The span group.
    RETURNS (List[Entity]): (label, start_char, end_char) of each entity.
    """
    spans = doc.spans.get(spans_key, doc.ents)
    return [(span.label_, span.start_char, span.end_char) for span in spans]


def scored_entities_of(doc: Doc, spans_key: str = SPANS_KEY) -> Dict[Entity, Optional[float]]:
    """The entities of a doc (as entities_of) with the score `biolm_ner` gave each
    (None for an entity without one: `doc.ents` of another NER, a gold doc).

    doc (Doc): The document.
    spans_key (str): The span group.
    RETURNS (Dict[Entity, Optional[float]]): (label, start_char, end_char) -> score.
    """
    group = doc.spans.get(spans_key)
    if group is None:
        return dict.fromkeys(entities_of(doc, spans_key))
    keyed = group.attrs.get(SCORES_KEY) or {}
    scored: Dict[Entity, Optional[float]] = {}
    for span in group:
        score = keyed.get(score_key(span.start, span.end, span.label_))
        entity = (span.label_, span.start_char, span.end_char)
        # Two spans on one entity: the higher score counts, and an unscored span (kept
        # at every threshold, as apply_thresholds keeps it) beats any score.
        if entity not in scored or _rank(score) > _rank(scored[entity]):
            scored[entity] = score
    return scored


def _rank(score: Optional[float]) -> float:
    return float("inf") if score is None else score


def span_scores(
    examples: Iterable[Example],
    *,
    spans_key: str = SPANS_KEY,
    labels: Optional[Sequence[str]] = None,
    min_score: float = 0.0,
    predicted_key: Optional[str] = None,
) -> SpanScores:
    """Strict and overlap counts per type and the cross-type false positives, each
    doc scored on the labels its reference annotates (as the strict scorer does).

    examples (Iterable[Example]): Predicted docs and their references.
    spans_key (str): The span group holding the entities.
    labels (Optional[Sequence[str]]): Score only these labels; None: every label.
    predicted_key (Optional[str]): Read the predicted docs' entities from this
        group instead (a biolm_ner with another `spans_key`; references keep theirs).
    min_score (float): Count only predicted entities scored at least this (those
        without a score always count): the scores at a higher threshold, from docs
        predicted at a lower one.
    RETURNS (SpanScores): The counts.
    """
    scores = SpanScores()
    key = predicted_key or spans_key
    for example in examples:
        gold = set(entities_of(example.reference, spans_key))
        if min_score > 0.0:
            found = scored_entities_of(example.predicted, key)
            predicted = {e for e, score in found.items() if score is None or score >= min_score}
        else:
            predicted = set(entities_of(example.predicted, key))
        scored = {entity[0] for entity in gold | predicted}
        if labels is not None:
            scored &= set(labels)
        annotated = get_annotated_labels(example.reference)
        if annotated is not None:
            scored &= set(annotated)
        scores.add_doc(
            {entity for entity in gold if entity[0] in scored},
            {entity for entity in predicted if entity[0] in scored},
        )
    return scores


def threshold_curve(
    examples: Sequence[Example],
    thresholds: Sequence[float],
    *,
    spans_key: str = SPANS_KEY,
    predicted_key: Optional[str] = None,
) -> Dict[str, List[Dict[str, Any]]]:
    """Strict and overlap P/R/F of each type at each threshold, from docs predicted
    at a threshold no higher than the lowest (see keep_every_span): what a
    `threshold` or `label_thresholds` setting would give, without running the model
    once per setting.

    examples (Sequence[Example]): Predicted docs and their references.
    thresholds (Sequence[float]): The thresholds, each in [0, 1].
    spans_key (str): The span group holding the entities.
    predicted_key (Optional[str]): The predicted docs' group, where not spans_key.
    RETURNS (Dict[str, List[Dict[str, Any]]]): Per type, one row per threshold:
        {"threshold", "p", "r", "f", "overlap_p", "overlap_r", "overlap_f",
        "predicted", "counts"} (counts: TypeCounts' fields, for pooling).
    """
    curve: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
    for threshold in sorted(set(thresholds)):
        counts = span_scores(
            examples, spans_key=spans_key, min_score=threshold, predicted_key=predicted_key
        ).per_type
        for label, typed in sorted(counts.items()):
            curve[label].append(_curve_row(threshold, typed))
    return dict(curve)


def _curve_row(threshold: float, typed: TypeCounts) -> Dict[str, Any]:
    overlap = typed.overlap_prf()
    return {
        "threshold": threshold,
        **typed.strict_prf(),
        **{f"overlap_{key}": overlap[key] for key in "prf"},
        "predicted": typed.predicted,
        "counts": dict(vars(typed)),
    }


def pooled_curve(corpora: Dict[str, Dict[str, Any]]) -> Dict[str, List[Dict[str, Any]]]:
    """The threshold curves of several corpora pooled per type (their counts
    summed, so a corpus weighs by its entities), and nothing else.

    corpora (Dict[str, Dict[str, Any]]): evaluate's per-corpus results, each with
        "thresholds" (threshold_curve).
    RETURNS (Dict[str, List[Dict[str, Any]]]): Per type, a row per threshold.
    """
    summed: Dict[str, Dict[float, TypeCounts]] = defaultdict(lambda: defaultdict(TypeCounts))
    for res in corpora.values():
        for label, rows in (res.get("thresholds") or {}).items():
            for row in rows:
                summed[label][row["threshold"]].add(TypeCounts(**row["counts"]))
    return {
        label: [_curve_row(level, typed) for level, typed in sorted(by_level.items())]
        for label, by_level in sorted(summed.items())
    }


def best_thresholds(curve: Dict[str, List[Dict[str, Any]]]) -> Dict[str, float]:
    """Per type, the threshold of the highest strict F (ties: the higher threshold,
    the more precise setting).

    curve (Dict[str, List[Dict[str, Any]]]): Per type, a row per threshold.
    RETURNS (Dict[str, float]): Type -> threshold (types without an F are left out).
    """
    best = {}
    for label, rows in curve.items():
        scored = [row for row in rows if row["f"] is not None]
        if scored:
            best[label] = max(scored, key=lambda row: (row["f"], row["threshold"]))["threshold"]
    return best


def parse_label_thresholds(text: str) -> Dict[str, float]:
    """`Gene=0.7,Chemical=0.6` (the CLI's form of `label_thresholds`) as a dict.

    text (str): Comma-separated LABEL=THRESHOLD pairs; "" for none.
    RETURNS (Dict[str, float]): Label -> threshold in [0, 1]; a ValueError that
        names the bad pair otherwise.
    """
    parsed: Dict[str, float] = {}
    for pair in (part.strip() for part in text.split(",")):
        if not pair:
            continue
        label, sep, value = pair.partition("=")
        try:
            level = float(value)
        except ValueError:
            level = -1.0
        if not sep or not label.strip() or not 0.0 <= level <= 1.0:
            raise ValueError(Errors.E1093.format(pair=pair, text=text))
        parsed[label.strip()] = level
    return parsed


def set_label_thresholds(nlp: Language, label_thresholds: Dict[str, float]) -> None:
    """Give the pipeline's `biolm_ner` these per-label thresholds (on top of the
    ones it has), checking the labels: as `label_thresholds` in its config would.

    nlp (Language): The pipeline.
    label_thresholds (Dict[str, float]): Label -> threshold.
    """
    ners = [pipe for _, pipe in nlp.pipeline if isinstance(pipe, BioLMEntityRecognizer)]
    if not ners:
        raise ValueError(Errors.E1094.format(pipes=", ".join(nlp.pipe_names)))
    for ner in ners:
        before = ner.label_thresholds
        ner.label_thresholds = {**before, **label_thresholds}
        try:
            ner.thresholds()
        except ValueError:
            ner.label_thresholds = before
            raise


def threshold_pipe(nlp: Language) -> BioLMEntityRecognizer:
    """The pipeline's `biolm_ner` pipe, which must be its last: a threshold curve
    scores one pass at threshold 0, and a pipe after the NER (abbreviation types,
    linking) would act on spans the real threshold drops.

    nlp (Language): The pipeline.
    RETURNS (BioLMEntityRecognizer): The pipe.
    """
    ners = [
        i for i, (_, pipe) in enumerate(nlp.pipeline) if isinstance(pipe, BioLMEntityRecognizer)
    ]
    if len(ners) != 1:
        problem = f"{len(ners)} biolm_ner pipes"
    elif nlp.pipe_names[ners[0] + 1 :]:
        problem = f"pipes after biolm_ner ({', '.join(nlp.pipe_names[ners[0] + 1 :])})"
    else:
        return cast(BioLMEntityRecognizer, nlp.pipeline[ners[0]][1])
    raise ValueError(Errors.E1092.format(pipes=", ".join(nlp.pipe_names), problem=problem))


@contextmanager
def keep_every_span(ner: BioLMEntityRecognizer) -> Iterator[None]:
    """Within the block the pipe keeps every span it decodes (threshold 0); its
    thresholds are restored after, so that `ner.apply_thresholds(doc)` filters the
    docs as the pipe would have."""
    threshold, label_thresholds = ner.threshold, ner.label_thresholds
    ner.threshold, ner.label_thresholds = 0.0, {}
    try:
        yield
    finally:
        ner.threshold, ner.label_thresholds = threshold, label_thresholds


def _prf(tp_p: int, n_p: int, tp_r: int, n_r: int) -> Dict[str, Optional[float]]:
    precision = tp_p / n_p if n_p else None
    recall = tp_r / n_r if n_r else None
    if precision is None or recall is None:
        fscore = None if precision is None and recall is None else 0.0
    else:
        fscore = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"p": precision, "r": recall, "f": fscore}


def find_corpora(corpus_dir: Path, split: str) -> Dict[str, Path]:
    """The `<corpus>/<split>.spacy` files under corpus_dir, by corpus name."""
    return {path.parent.name: path for path in sorted(corpus_dir.glob(f"*/{split}.spacy"))}


def evaluate_corpus(
    nlp: Language,
    path: Path,
    *,
    batch_size: int = 64,
    n_docs: int = 0,
    thresholds: Sequence[float] = (),
) -> Dict[str, Any]:
    """Score a pipeline on one DocBin of gold documents.

    nlp (Language): The pipeline.
    path (Path): A .spacy file written with store_user_data=True.
    batch_size (int): Batch size for nlp.pipe.
    n_docs (int): Evaluate only the first n_docs documents (0: all).
    thresholds (Sequence[float]): Also score each type at these thresholds
        (`threshold_curve`, one prediction pass; the pipeline must end with its
        `biolm_ner`). The other scores stay those of the pipe's own thresholds.
    RETURNS (Dict[str, Any]): docs, words, seconds, words_per_second and the
        scores, with "thresholds" (per type, a row per threshold) if asked.
    """
    gold: List[Doc] = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    if n_docs:
        gold = gold[:n_docs]
    ner = threshold_pipe(nlp) if thresholds else None
    start = time.perf_counter()
    with keep_every_span(ner) if ner is not None else nullcontext():
        predicted = list(nlp.pipe((doc.text for doc in gold), batch_size=batch_size))
    seconds = time.perf_counter() - start
    examples = [Example(pred, ref) for pred, ref in zip(predicted, gold)]
    curve = {}
    if ner is not None:
        curve = {"thresholds": threshold_curve(examples, thresholds, predicted_key=ner.key)}
        for doc in predicted:
            ner.apply_thresholds(doc)
    words = sum(1 for doc in gold for token in doc if not token.is_space)
    scores = registry.scorers.get(SCORER)()(examples)
    return {
        "docs": len(gold),
        "words": words,
        "seconds": round(seconds, 3),
        "words_per_second": round(words / seconds, 1) if seconds else None,
        **{key: scores[key] for key in ("ents_p", "ents_r", "ents_f", "ents_per_type")},
        **span_scores(examples).to_dict(),
        **curve,
    }


def evaluate(
    nlp: Language,
    corpus_dir: Path,
    *,
    split: str = "test",
    batch_size: int = 64,
    n_docs: int = 0,
    corpora: Sequence[str] = (),
    thresholds: Sequence[float] = (),
) -> Dict[str, Any]:
    """Evaluate a pipeline on `<corpus>/<split>.spacy` for every corpus in corpus_dir.

    nlp (Language): The pipeline.
    corpus_dir (Path): The folder with one folder per corpus.
    split (str): The split to score.
    batch_size (int): Batch size for nlp.pipe.
    n_docs (int): Evaluate only the first n_docs documents of each corpus (0: all).
    corpora (Sequence[str]): Only these corpora (empty: all that have the split).
    thresholds (Sequence[float]): Also score each type at these thresholds (see
        evaluate_corpus).
    RETURNS (Dict[str, Any]): {"split", "corpora": {name: scores}}.
    """
    if thresholds:
        threshold_pipe(nlp)  # before any corpus is read: the pipeline can do it
    found = find_corpora(corpus_dir, split)
    if not found:
        raise FileNotFoundError(f"No */{split}.spacy files under {corpus_dir}: run convert first.")
    missing = [name for name in corpora if name not in found]
    if missing:
        raise FileNotFoundError(
            Errors.E1085.format(
                missing=", ".join(missing),
                split=split,
                corpus_dir=corpus_dir,
                found=", ".join(found),
            )
        )
    selected = {name: path for name, path in found.items() if not corpora or name in corpora}
    results = {}
    for name, path in selected.items():
        logger.info("Evaluating on %s", path)
        results[name] = evaluate_corpus(
            nlp, path, batch_size=batch_size, n_docs=n_docs, thresholds=thresholds
        )
    if not thresholds:
        return {"split": split, "corpora": results}
    pooled = pooled_curve(results)
    return {
        "split": split,
        "corpora": results,
        "thresholds": {"pooled": pooled, "best_f": best_thresholds(pooled)},
    }


def _cell(value: Optional[float]) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def to_markdown(results: Dict[str, Any], title: str) -> str:
    """A table of strict P/R/F per corpus and per type, words/s per corpus and the
    overlap F (where the results have it, "-" in older ones), then the cross-type
    false positives of each corpus that has any."""
    rows = []
    notes = []
    for name, res in results["corpora"].items():
        speed = f"{res['words_per_second']:,.0f}" if res["words_per_second"] else "-"
        overlap = _cell(res.get("ents_overlap_f"))
        rows.append([name, "all", *(_cell(res[f"ents_{key}"]) for key in "prf"), speed, overlap])
        overlap_per_type = res.get("ents_overlap_per_type") or {}
        for label, prf in sorted((res.get("ents_per_type") or {}).items()):
            overlap = _cell((overlap_per_type.get(label) or {}).get("f"))
            rows.append([name, label, *(_cell(prf[key]) for key in "prf"), "", overlap])
        cross = res.get("ents_cross_type") or {}
        if cross.get("on_other_type"):
            pairs = ", ".join(f"{pair} {n}" for pair, n in cross["pairs"].items())
            notes.append(
                f"- {name}: {cross['on_other_type']} of {cross['false_positives']} false "
                f"positives ({_cell(cross['share'])} %) sit on a gold entity of another "
                f"type (predicted->gold: {pairs})"
            )
    header = ["corpus", "type", "P", "R", "F", "words/s", "overlap F"]
    table = MarkdownRenderer().table(rows, header, aligns=["l", "l", "r", "r", "r", "r", "r"])
    cross_types = "\n".join(notes)
    text = f"### {title} ({results['split']} splits)\n\n{table}\n" + (
        f"\nCross-type false positives:\n\n{cross_types}\n" if notes else ""
    )
    curves = [(name, res.get("thresholds") or {}) for name, res in results["corpora"].items()]
    pooled = results.get("thresholds") or {}
    if len(results["corpora"]) > 1:
        curves.append(("pooled", pooled.get("pooled") or {}))
    curve_rows = [
        [
            name,
            label,
            f"{row['threshold']:g}",
            *(_cell(row[key]) for key in "prf"),
            _cell(row["overlap_f"]),
            f"{row['predicted']:,}",
        ]
        for name, curve_of in curves
        for label, label_rows in sorted(curve_of.items())
        for row in label_rows
    ]
    if curve_rows:
        header = ["corpus", "type", "threshold", "P", "R", "F", "overlap F", "predicted"]
        curve = MarkdownRenderer().table(
            curve_rows, header, aligns=["l", "l", "r", "r", "r", "r", "r", "r"]
        )
        text += f"\nBy threshold (strict P / R / F of each type, one pass):\n\n{curve}\n"
    if pooled.get("best_f"):
        pairs = ",".join(f"{label}={t:g}" for label, t in sorted(pooled["best_f"].items()))
        text += (
            f"\nBest strict F per type on these {results['split']} splits "
            f"(pooled; ties to the higher threshold): `--label-thresholds {pairs}`\n"
        )
    return text


def compare_markdown(
    ours: Dict[str, Any], baseline: Dict[str, Any], names=("ours", "baseline")
) -> str:
    """Per corpus and type, P / R / F of two evaluations side by side, with ΔF and
    the mean F over the rows both share (each corpus/type row weighs the same)."""
    a, b = names
    table_rows = []
    pairs = []
    for corpus, res in ours["corpora"].items():
        base = baseline["corpora"].get(corpus)
        rows = [("all", res, base)] + [
            (label, prf, (base or {}).get("ents_per_type", {}).get(label))
            for label, prf in sorted((res.get("ents_per_type") or {}).items())
        ]
        for label, mine, theirs in rows:
            mine_f = _get(mine, "f")
            theirs_f = _get(theirs, "f")
            delta = "-"
            if mine_f is not None and theirs_f is not None:
                delta = f"{100 * (mine_f - theirs_f):+.1f}"
                if label != "all":
                    pairs.append((mine_f, theirs_f))
            table_rows.append([corpus, label, _prf_cell(theirs), _prf_cell(mine), delta])
    if pairs:
        mean_a = sum(p[0] for p in pairs) / len(pairs)
        mean_b = sum(p[1] for p in pairs) / len(pairs)
        table_rows.append(
            [
                f"mean of {len(pairs)} corpus/type rows",
                "",
                f"F {_cell(mean_b)}",
                f"F {_cell(mean_a)}",
                f"{100 * (mean_a - mean_b):+.1f}",
            ]
        )
    header = ["corpus", "type", f"{b} P / R / F", f"{a} P / R / F", "ΔF"]
    table = MarkdownRenderer().table(table_rows, header, aligns=["l", "l", "l", "l", "r"])
    return f"### {a} vs {b} ({ours['split']} splits)\n\n{table}\n"


def _get(prf: Optional[Dict[str, Any]], key: str) -> Optional[float]:
    if not prf:
        return None
    return prf.get(f"ents_{key}", prf.get(key))


def _prf_cell(prf: Optional[Dict[str, Any]]) -> str:
    return " / ".join(_cell(_get(prf, key)) for key in "prf")
