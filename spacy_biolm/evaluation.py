"""Per-corpus evaluation: strict P/R/F per corpus and per type, counting only the
labels each corpus annotates, plus throughput.

Any pipeline that writes entities can be evaluated, ours (`doc.spans["biolm_ents"]`)
or spaCy's built-in `ner` (`doc.ents`): both are scored by `spacy-biolm.ner_scorer.v1`,
so a baseline is not charged for the chemicals a disease-only corpus never marked.
"""

import logging
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from spacy.util import registry
from wasabi import MarkdownRenderer

logger = logging.getLogger("spacy_biolm")

SCORER = "spacy-biolm.ner_scorer.v1"


def find_corpora(corpus_dir: Path, split: str) -> Dict[str, Path]:
    """The `<corpus>/<split>.spacy` files under corpus_dir, by corpus name."""
    return {path.parent.name: path for path in sorted(corpus_dir.glob(f"*/{split}.spacy"))}


def evaluate_corpus(
    nlp: Language, path: Path, *, batch_size: int = 64, n_docs: int = 0
) -> Dict[str, Any]:
    """Score a pipeline on one DocBin of gold documents.

    nlp (Language): The pipeline.
    path (Path): A .spacy file written with store_user_data=True.
    batch_size (int): Batch size for nlp.pipe.
    n_docs (int): Evaluate only the first n_docs documents (0: all).
    RETURNS (Dict[str, Any]): docs, words, seconds, words_per_second and the scores.
    """
    gold: List[Doc] = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    if n_docs:
        gold = gold[:n_docs]
    start = time.perf_counter()
    predicted = list(nlp.pipe((doc.text for doc in gold), batch_size=batch_size))
    seconds = time.perf_counter() - start
    examples = [Example(pred, ref) for pred, ref in zip(predicted, gold)]
    words = sum(1 for doc in gold for token in doc if not token.is_space)
    scores = registry.scorers.get(SCORER)()(examples)
    return {
        "docs": len(gold),
        "words": words,
        "seconds": round(seconds, 3),
        "words_per_second": round(words / seconds, 1) if seconds else None,
        **{key: scores[key] for key in ("ents_p", "ents_r", "ents_f", "ents_per_type")},
    }


def evaluate(
    nlp: Language, corpus_dir: Path, *, split: str = "test", batch_size: int = 64, n_docs: int = 0
) -> Dict[str, Any]:
    """Evaluate a pipeline on `<corpus>/<split>.spacy` for every corpus in corpus_dir."""
    corpora = find_corpora(corpus_dir, split)
    if not corpora:
        raise FileNotFoundError(f"No */{split}.spacy files under {corpus_dir}: run convert first.")
    results = {}
    for name, path in corpora.items():
        logger.info("Evaluating on %s", path)
        results[name] = evaluate_corpus(nlp, path, batch_size=batch_size, n_docs=n_docs)
    return {"split": split, "corpora": results}


def _cell(value: Optional[float]) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def to_markdown(results: Dict[str, Any], title: str) -> str:
    """A table of P/R/F per corpus and per type, and words/s per corpus."""
    rows = []
    for name, res in results["corpora"].items():
        speed = f"{res['words_per_second']:,.0f}" if res["words_per_second"] else "-"
        rows.append([name, "all", *(_cell(res[f"ents_{key}"]) for key in "prf"), speed])
        for label, prf in sorted((res.get("ents_per_type") or {}).items()):
            rows.append([name, label, *(_cell(prf[key]) for key in "prf"), ""])
    header = ["corpus", "type", "P", "R", "F", "words/s"]
    table = MarkdownRenderer().table(rows, header, aligns=["l", "l", "r", "r", "r", "r"])
    return f"### {title} ({results['split']} splits)\n\n{table}\n"


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
