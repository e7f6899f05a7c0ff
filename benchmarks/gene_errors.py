"""Where a model's entities go wrong on BioRED dev (every type annotated): P/R/F per
label at several thresholds (one prediction pass), and its Gene false positives by
kind (boundary, on another type's gold entity, on no gold entity), with the most
frequent texts. README "Results" quotes this for the exclusive + trim model.

    python benchmarks/gene_errors.py training/biolm_ner_xt_s0_1k/model-best \
        --corpus-dir corpus --abbreviation-types
"""

import argparse
from collections import Counter
from typing import Dict, List, Set, Tuple

import spacy
from spacy.tokens import Doc, DocBin, Span

from spacy_biolm.annotations import SPANS_KEY
from spacy_biolm.linking import abbreviations
from spacy_biolm.linking.component import harmonize_types
from spacy_biolm.ner.component import SCORES_KEY, score_key

LABELS = ("Chemical", "Disease", "Gene", "Species")
THRESHOLDS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
DEFAULT_THRESHOLD = 0.5
Mention = Tuple[int, int, str]


def predicted(doc: Doc, spans: List[Tuple[int, int, str, float]], label: str, threshold: float,
              offsets: List[abbreviations.Offsets]) -> Set[Mention]:  # fmt: skip
    """The mentions of a doc with `label` at `threshold` (others at the default),
    after abbreviation types where `offsets` are given."""
    keep = [s for s in spans if s[3] >= (threshold if s[2] == label else DEFAULT_THRESHOLD)]
    doc.spans[SPANS_KEY] = [Span(doc, a, b, label=lab) for a, b, lab, _ in keep]
    doc.spans[SPANS_KEY].attrs[SCORES_KEY] = {score_key(a, b, lab): s for a, b, lab, s in keep}
    doc.ents = []
    if offsets:
        harmonize_types(doc, offsets, SPANS_KEY)
    return {(s.start_char, s.end_char, s.label_) for s in doc.spans[SPANS_KEY]}


def fp_kind(span: Mention, gold: Set[Mention]) -> str:
    """What a false positive sits on."""
    start, end, label = span
    over = [g for g in gold if g[0] < end and start < g[1]]
    same = [g for g in over if g[2] == label]
    if same:
        g = same[0]
        if start <= g[0] and end >= g[1]:
            return "longer than gold"
        if start >= g[0] and end <= g[1]:
            return "shorter than gold"
        return "crossing gold"
    return f"on gold {over[0][2]}" if over else "no gold entity"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model")
    parser.add_argument("--corpus-dir", default="corpus")
    parser.add_argument("--split", default="dev")
    parser.add_argument("--abbreviation-types", action="store_true")
    parser.add_argument("--label", default="Gene", help="The label whose errors are listed.")
    args = parser.parse_args()
    nlp = spacy.load(args.model, config={"components": {"biolm_ner": {"threshold": 0.0}}})
    path = f"{args.corpus_dir}/biored/{args.split}.spacy"
    gold_docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    runs = []
    for ref, doc in zip(gold_docs, nlp.pipe([d.text for d in gold_docs], batch_size=8)):
        scores = doc.spans[SPANS_KEY].attrs.get(SCORES_KEY) or {}
        spans = [
            (s.start, s.end, s.label_, scores[score_key(s.start, s.end, s.label_)])
            for s in doc.spans[SPANS_KEY]
        ]
        offsets = abbreviations.find_abbreviations(doc) if args.abbreviation_types else []
        gold = {(s.start_char, s.end_char, s.label_) for s in ref.spans[SPANS_KEY]}
        runs.append((doc, spans, offsets, gold))
    print("| label | threshold | P | R | F |\n|---|---:|---:|---:|---:|")
    for label in LABELS:
        for threshold in THRESHOLDS:
            tp = fp = fn = 0
            for doc, spans, offsets, gold in runs:
                ours = {
                    m for m in predicted(doc, spans, label, threshold, offsets) if m[2] == label
                }
                theirs = {m for m in gold if m[2] == label}
                tp, fp, fn = (
                    tp + len(ours & theirs),
                    fp + len(ours - theirs),
                    fn + len(theirs - ours),
                )
            p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
            f = 2 * p * r / (p + r) if p + r else 0.0
            print(f"| {label} | {threshold} | {100 * p:.1f} | {100 * r:.1f} | {100 * f:.1f} |")
    kinds: Counter = Counter()
    texts: Dict[str, Counter] = {}
    for doc, spans, offsets, gold in runs:
        for m in predicted(doc, spans, args.label, DEFAULT_THRESHOLD, offsets) - gold:
            if m[2] == args.label:
                kind = fp_kind(m, gold)
                kinds[kind] += 1
                texts.setdefault(kind, Counter())[doc.text[m[0] : m[1]]] += 1
    print(f"\n{args.label} false positives at {DEFAULT_THRESHOLD}: {sum(kinds.values())}\n")
    print("| kind | n | most frequent |\n|---|---:|---|")
    for kind, n in kinds.most_common():
        top = ", ".join(f"{t!r} {c}" for t, c in texts[kind].most_common(8))
        print(f"| {kind} | {n} | {top} |")


if __name__ == "__main__":
    main()
