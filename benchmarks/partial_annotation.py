"""Why biolm_ner masks its loss: spaCy's `ner` against `biolm_ner` on a synthetic
merged corpus where a disease-only corpus mentions chemicals it never annotates.

Training data (two "corpora", as when NCBI-disease is merged with a chemical corpus):
  disease-only docs   annotated_labels = ["Disease"]: each mentions a chemical that is
                      left unannotated, i.e. looks like "O" to a naive learner
  chemical-only docs  annotated_labels = ["Chemical"]: each mentions an unannotated disease
Test data: held-out chemical-disease pairs in the same sentence templates, annotated
for both types.

Both pipelines are trained with `spacy train` from configs/biolm_cpu.cfg and
configs/baseline_ner_cpu.cfg (same tiny random encoder, tokenizer, reader, steps and
learning rate) and scored with `spacy-biolm.ner_scorer.v1`. Usage:

    python benchmarks/partial_annotation.py [--steps 300] [--seed 0]

Prints a markdown table of per-type precision / recall / F.
"""

import argparse
import logging
import random
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import spacy
import torch
from spacy.cli.train import train
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from spacy.util import registry

from spacy_biolm.annotations import SOURCE_ATTR, SPANS_KEY, set_annotated_labels
from spacy_biolm.testing import build_random_bert

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
CHEMICALS = [
    "aspirin", "cisplatin", "metformin", "naloxone", "clonidine", "selegiline",
    "lithium", "haloperidol", "doxorubicin", "warfarin", "heparin", "tamoxifen",
]  # fmt: skip
DISEASES = [
    "hepatitis", "nephrotoxicity", "hypotension", "diabetes", "seizures", "cardiotoxicity",
    "neutropenia", "arrhythmia", "pancreatitis", "hyperkalemia", "psychosis", "migraine",
]  # fmt: skip
TEMPLATES = [
    "{chemical} induced {disease} in patients .",
    "Patients with {disease} were treated with {chemical} .",
    "{disease} was reported after {chemical} therapy .",
    "The risk of {disease} increased with the dose of {chemical} .",
    "We describe {disease} in a woman who received {chemical} .",
    "{chemical} did not prevent {disease} in rats .",
]


def make_doc(
    nlp: Language, template: str, chemical: str, disease: str, annotated: Optional[List[str]]
) -> Doc:
    """A gold doc from a template; only the annotated labels' mentions are marked."""
    text = template.format(chemical=chemical, disease=disease)
    text = text[0].upper() + text[1:]
    doc = nlp.make_doc(text)
    spans = []
    for mention, label in ((chemical, "Chemical"), (disease, "Disease")):
        if annotated is None or label in annotated:
            start = text.lower().index(mention)
            spans.append(doc.char_span(start, start + len(mention), label=label))
    doc.spans[SPANS_KEY] = spans
    doc.ents = spans
    set_annotated_labels(doc, annotated)
    doc._.set(SOURCE_ATTR, "test" if annotated is None else annotated[0].lower())
    return doc


def make_corpora(
    nlp: Language, *, n_disease: int, n_chemical: int, n_test: int, seed: int
) -> Tuple[List[Doc], List[Doc]]:
    """The merged partially annotated training docs and the fully annotated test docs."""
    rng = random.Random(seed)
    pairs = [(c, d) for c in CHEMICALS for d in DISEASES]
    rng.shuffle(pairs)
    test_pairs, train_pairs = pairs[:n_test], pairs[n_test:]
    train_docs = [
        make_doc(nlp, rng.choice(TEMPLATES), *train_pairs[i % len(train_pairs)], annotated)
        for i, annotated in enumerate([["Disease"]] * n_disease + [["Chemical"]] * n_chemical)
    ]
    test_docs = [
        make_doc(nlp, TEMPLATES[i % len(TEMPLATES)], chemical, disease, None)
        for i, (chemical, disease) in enumerate(test_pairs)
    ]
    return train_docs, test_docs


def train_and_score(
    config: Path,
    workdir: Path,
    encoder: Path,
    test_docs: Sequence[Doc],
    *,
    steps: int,
    learn_rate: float,
) -> Dict:
    """Train a config on workdir/train.spacy and score it on test_docs."""
    output = workdir / config.stem
    overrides = {
        "paths.train": str(workdir / "train.spacy"),
        "paths.dev": str(workdir / "dev.spacy"),
        "paths.encoder": str(encoder),
        "training.max_steps": steps,
        "training.eval_frequency": steps,
        "training.optimizer.learn_rate.initial_rate": learn_rate,
        "training.optimizer.learn_rate.warmup_steps": steps // 10,
    }
    train(config, output, overrides=overrides)
    nlp = spacy.load(output / "model-last")
    examples = [Example(nlp(doc.text), doc) for doc in test_docs]
    return registry.scorers.get("spacy-biolm.ner_scorer.v1")()(examples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    # A random encoder needs a higher rate than the pretrained one of the configs.
    parser.add_argument("--learn-rate", type=float, default=3e-3)
    parser.add_argument("--threads", type=int, default=1, help="Torch threads.")
    parser.add_argument("--n-disease", type=int, default=120, help="Disease-only docs.")
    parser.add_argument("--n-chemical", type=int, default=60, help="Chemical-only docs.")
    parser.add_argument("--n-test", type=int, default=40, help="Fully annotated test docs.")
    args = parser.parse_args()
    logging.getLogger("spacy").setLevel(logging.WARNING)
    torch.set_num_threads(args.threads)
    nlp = spacy.blank(
        "en", config={"nlp": {"tokenizer": {"@tokenizers": "spacy-biolm.Tokenizer.v1"}}}
    )
    train_docs, test_docs = make_corpora(
        nlp,
        n_disease=args.n_disease,
        n_chemical=args.n_chemical,
        n_test=args.n_test,
        seed=args.seed,
    )
    workdir = Path(tempfile.mkdtemp())
    DocBin(docs=train_docs, store_user_data=True).to_disk(workdir / "train.spacy")
    DocBin(docs=test_docs, store_user_data=True).to_disk(workdir / "dev.spacy")
    texts = [doc.text for doc in train_docs + test_docs]
    encoder = build_random_bert(workdir / "encoder", texts=texts, seed=args.seed)
    results = {
        name: train_and_score(
            CONFIGS / config,
            workdir,
            encoder,
            test_docs,
            steps=args.steps,
            learn_rate=args.learn_rate,
        )
        for name, config in (
            ("spaCy ner (baseline_ner_cpu.cfg)", "baseline_ner_cpu.cfg"),
            ("biolm_ner (biolm_cpu.cfg)", "biolm_cpu.cfg"),
        )
    }
    print(
        f"\n{args.n_disease} disease-only + {args.n_chemical} chemical-only training docs, "
        f"{len(test_docs)} fully annotated test docs, {args.steps} steps at learn rate "
        f"{args.learn_rate}, seed {args.seed}\n"
    )
    print("| pipeline | Chemical P / R / F | Disease P / R / F | all F |")
    print("|---|---|---|---|")
    for name, scores in results.items():
        cells = [
            " / ".join(
                f"{100 * scores['ents_per_type'].get(label, {}).get(k, 0.0):.1f}" for k in "prf"
            )
            for label in ("Chemical", "Disease")
        ]
        print(f"| {name} | {cells[0]} | {cells[1]} | {100 * (scores['ents_f'] or 0):.1f} |")


if __name__ == "__main__":
    main()
