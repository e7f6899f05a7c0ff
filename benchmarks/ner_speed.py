"""Words per second of NER over whole abstracts (and full texts), against the bare encoder.

All contestants share one encoder: BERT-base shape (12 layers, 768 hidden) with
random weights and a 28,895-piece WordPiece vocabulary (BioLinkBERT-base's size)
made from the train splits of the six training corpora (BC5CDR, NCBI-disease, BC2GM,
JNLPBA, LINNAEUS, Species-800), never from the timed text. Random weights cost
exactly what trained ones cost. The timed text is the first --n-docs abstracts of a
PubTator file (BC5CDR test by default); --mix N adds the first N LINNAEUS test-split
full texts, spread evenly among them (long documents: many 512-piece windows).

  spacy-biolm           `biolm_transformer` + `biolm_ner` (this project), default
                        config: wordpiece windows, run in length groups
  raw, same groups      the bare encoder given spacy-biolm's own windows (planned
                        before the clock starts): per `nlp.pipe` batch, HF tokenizer
                        over the window texts, `plan_groups` with spacy-biolm's group
                        overhead and memory bound, one call per group, inference_mode.
                        The best the encoder alone does with the same windows:
                        spacy-biolm's overhead is measured against this row. (Its
                        groups can differ from spacy-biolm's: spacy-transformers
                        first splits each batch by `max_batch_items`; the counts
                        columns show both.)
  raw, fixed batches    the same windows sorted by length over the whole input, in
                        fixed batches of --batch-size padded to the longest (the
                        baseline BENCHMARKS.md used before; on abstracts its windows
                        are the old 510-piece chunks)
  spaCy stock           spaCy's `transformer` (strided spans, its defaults) + `ner`
  HF pipeline           transformers' token-classification pipeline (stride 128)
  ... no groups         spacy-biolm with one padded encoder call per batch, as
                        spacy-transformers does (group_overhead = 10**9)

Every contestant sees every token (no truncation beyond the encoder's own limit). A
forward pre-hook on each contestant's encoder counts its calls, padded pieces
(rows × width) and real pieces (attention mask) in the last timed run, so the table
shows how much padding each padding policy costs. Repeats run round-robin over the
contestants after one warm-up each; the table keeps the best run. Usage (from the
repository root; the encoder folder is built on the first run and reused after):

    python benchmarks/ner_speed.py --encoder encoders/ner-speed-base \\
        --n-docs 32 --batch-size 16 --repeats 2 --threads 2
    python benchmarks/ner_speed.py --encoder encoders/ner-speed-base \\
        --n-docs 32 --mix 2 --batch-size 16 --repeats 2 --threads 2

Prints markdown tables (stdout) and progress (stderr). CPU only.
"""

import argparse
import gc
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, cast

import spacy
import torch
from spacy.pipeline import TrainablePipe
from spacy_transformers.layers import TransformerModel

from spacy_biolm.annotations import DEFAULT_LABELS
from spacy_biolm.corpora.catalog import DEFAULT_CORPORA, CorpusName, corpus_splits
from spacy_biolm.corpora.pubtator import read_pubtator
from spacy_biolm.corpora.source import InvalidRecords
from spacy_biolm.testing import build_random_bert
from spacy_biolm.transformer.grouping import CPU_GROUP_OVERHEAD, plan_groups

VOCAB_SIZE = 28_895
BASE_SHAPE = {"hidden_size": 768, "num_layers": 12, "num_heads": 12, "intermediate_size": 3072}
SMALL_SHAPE = {"hidden_size": 64, "num_layers": 2, "num_heads": 2, "intermediate_size": 128}
NO_GROUPS = 10**9
WARM_UP_DOCS = 8

OURS = "**spacy-biolm (biolm_transformer + biolm_ner)**"
RAW_GROUPED = "raw encoder, spacy-biolm's windows and length groups"
STOCK = "spaCy transformer + ner (stock, strided spans)"
HF = "HF token-classification pipeline (stride 128)"
NO_GROUPS_NAME = "spacy-biolm, no length groups (one padded call per batch)"


def raw_fixed_name(batch_size: int) -> str:
    """The label of the old baseline, which depends on the batch size."""
    return f"raw encoder, same windows, fixed padded batches of {batch_size} (old baseline)"


@dataclass
class EncoderCounts:
    """What one contestant's encoder computed in a run."""

    calls: int = 0
    padded: int = 0
    real: int = 0

    def reset(self) -> None:
        self.calls = self.padded = self.real = 0


@dataclass
class Contestant:
    """A pipeline under test.

    name (str): Its row label.
    prepare (Callable[[List[str]], Any]): Work done before the clock starts (the raw
        baselines get their windows planned here); identity for the pipelines.
    run (Callable[[Any], None]): The timed work, on what `prepare` returned.
    encoder (torch.nn.Module): The HF module whose calls are counted.
    """

    name: str
    prepare: Callable[[List[str]], Any]
    run: Callable[[Any], None]
    encoder: torch.nn.Module
    counts: EncoderCounts = field(default_factory=EncoderCounts)
    seconds: float = float("inf")
    # The two raw baselines share one model: a hook counts only its own runs.
    active: bool = False

    def __post_init__(self) -> None:
        self.encoder.register_forward_pre_hook(self._count, with_kwargs=True)

    def _count(self, module: torch.nn.Module, args: tuple, kwargs: Dict[str, Any]) -> None:
        input_ids = kwargs.get("input_ids", args[0] if args else None)
        mask = kwargs.get("attention_mask")
        if not self.active or input_ids is None:
            return
        self.counts.calls += 1
        self.counts.padded += int(input_ids.numel())
        self.counts.real += int(mask.sum()) if mask is not None else int(input_ids.numel())

    def time(self, texts: List[str]) -> float:
        """Run once on `texts`, keep the best time and this run's encoder counts."""
        payload = self.prepare(texts)
        gc.collect()
        self.counts.reset()
        self.active = True
        start = time.perf_counter()
        self.run(payload)
        seconds = time.perf_counter() - start
        self.active = False
        self.seconds = min(self.seconds, seconds)
        return seconds


# -- Input ----------------------------------------------------------------------------


def default_corpora_dir() -> Path:
    """$SPACY_BIOLM_CORPORA, else ../shared/corpora beside the checkout (as CI does)."""
    here = Path(__file__).resolve().parent.parent
    return Path(os.environ.get("SPACY_BIOLM_CORPORA", here.parent / "shared" / "corpora"))


def read_split(corpora_dir: Path, name: CorpusName, split: str) -> List[str]:
    """The document texts of one split of a public corpus, through the project's reader."""
    source = corpus_splits(name, corpora_dir / name.value)[split]
    return [doc.text for doc in source.read(InvalidRecords())]


def training_texts(corpora_dir: Path) -> List[str]:
    """The train splits of the six corpora: the text the vocabulary is made from."""
    return [text for name in DEFAULT_CORPORA for text in read_split(corpora_dir, name, "train")]


def interleave(abstracts: List[str], full_texts: List[str]) -> List[str]:
    """Spread the full texts evenly among the abstracts, so that `nlp.pipe` batches
    mix short and long documents as a real stream would."""
    step = len(abstracts) / (len(full_texts) + 1)
    mixed: List[str] = []
    placed = 0
    for i, text in enumerate(abstracts):
        while placed < len(full_texts) and i >= round((placed + 1) * step):
            mixed.append(full_texts[placed])
            placed += 1
        mixed.append(text)
    return mixed + full_texts[placed:]


def batches(items: Sequence[Any], size: int) -> List[Sequence[Any]]:
    """Consecutive batches of `size`, as `nlp.pipe` forms them."""
    return [items[start : start + size] for start in range(0, len(items), size)]


# -- Encoder --------------------------------------------------------------------------


def ensure_encoder(path: Optional[Path], corpora_dir: Path, shape: Dict[str, int]) -> Path:
    """Reuse the encoder at `path`, or build it there (a temporary folder if None)."""
    if path is not None and (path / "config.json").exists():
        log(f"reusing the encoder in {path}")
        return path
    out = path or Path(tempfile.mkdtemp()) / "encoder"
    log(f"building the encoder in {out}: vocabulary from the six corpora's train splits")
    texts = training_texts(corpora_dir)
    log(f"  {len(texts):,} training documents, {sum(map(len, texts)):,} characters")
    return build_random_bert(
        out,
        texts=texts,
        vocab_size=VOCAB_SIZE,
        hidden_size=shape["hidden_size"],
        num_layers=shape["num_layers"],
        num_heads=shape["num_heads"],
        intermediate_size=shape["intermediate_size"],
    )


def describe_encoder(path: Path) -> str:
    """The encoder's shape and vocabulary size, from its config, for the header."""
    config = json.loads((path / "config.json").read_text(encoding="utf8"))
    return (
        f"BERT, {config['num_hidden_layers']} layers, {config['hidden_size']} hidden, "
        f"{config['num_attention_heads']} heads, {config['intermediate_size']} feed-forward, "
        f"{config['vocab_size']:,}-piece vocabulary, random weights ({path})"
    )


# -- Contestants ----------------------------------------------------------------------


def biolm_spacy(encoder: Path, overhead: Optional[int] = None) -> spacy.Language:
    """This project's pipeline, as the README assembles it (default config unless
    `overhead` is given)."""
    nlp = spacy.blank(
        "en", config={"nlp": {"tokenizer": {"@tokenizers": "spacy-biolm.Tokenizer.v1"}}}
    )
    model = {"name": str(encoder), "group_overhead": overhead}
    nlp.add_pipe("biolm_transformer", config={"model": model})
    nlp.add_pipe("biolm_ner")
    return nlp


# spaCy's `ner` listening to the `transformer` component, as its transformer
# quickstart configures it.
STOCK_NER_MODEL = {
    "@architectures": "spacy.TransitionBasedParser.v2",
    "state_type": "ner",
    "extra_state_tokens": False,
    "hidden_width": 64,
    "maxout_pieces": 2,
    "use_upper": False,
    "tok2vec": {
        "@architectures": "spacy-transformers.TransformerListener.v1",
        "grad_factor": 1.0,
        "pooling": {"@layers": "reduce_mean.v1"},
        "upstream": "*",
    },
}


def stock_spacy(encoder: Path) -> spacy.Language:
    """spaCy's own `transformer` (strided spans, its defaults) + `ner`."""
    nlp = spacy.blank("en")
    nlp.add_pipe("transformer", config={"model": {"name": str(encoder)}})
    ner = cast(TrainablePipe, nlp.add_pipe("ner", config={"model": STOCK_NER_MODEL}))
    for label in DEFAULT_LABELS:
        ner.add_label(label)
    return nlp


def transformer_of(nlp: spacy.Language, name: str) -> TransformerModel:
    """The TransformerModel of a transformer component."""
    return cast(TransformerModel, cast(TrainablePipe, nlp.get_pipe(name)).model)


def initialize(nlp: spacy.Language, texts: List[str]) -> spacy.Language:
    """Initialize `nlp` (weights load here) on a few unannotated docs."""
    from spacy.training import Example

    docs = [nlp.make_doc(text) for text in texts[:4]]
    nlp.initialize(lambda: [Example(doc, doc) for doc in docs])
    return nlp


def spacy_contestant(name: str, nlp: spacy.Language, trf: str, batch_size: int) -> Contestant:
    """`nlp.pipe` over the texts; the encoder of component `trf` is counted."""

    def run(texts: List[str]) -> None:
        for _ in nlp.pipe(texts, batch_size=batch_size):
            pass

    return Contestant(name, lambda texts: texts, run, transformer_of(nlp, trf).transformer)


def hf_contestant(encoder: Path, batch_size: int) -> Contestant:
    """transformers' token-classification pipeline with a head over the same encoder."""
    from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

    tokenizer = AutoTokenizer.from_pretrained(str(encoder), model_max_length=512)
    labels = ["O"] + [f"{p}-{label}" for label in DEFAULT_LABELS for p in "BI"]
    model = AutoModelForTokenClassification.from_pretrained(
        str(encoder), num_labels=len(labels), id2label=dict(enumerate(labels))
    )
    ner = pipeline(
        "token-classification",
        model=model,
        tokenizer=tokenizer,
        aggregation_strategy="simple",
        stride=128,
        batch_size=batch_size,
        device=-1,
    )

    def run(texts: List[str]) -> None:
        for _ in ner(texts):
            pass

    return Contestant(HF, lambda texts: texts, run, model)


class WindowPlanner:
    """spacy-biolm's windows, from a pipeline of its own so that planning for the raw
    baselines never warms the timed pipeline's caches."""

    def __init__(self, nlp: spacy.Language, batch_size: int) -> None:
        self.nlp = nlp
        self.get_spans = transformer_of(nlp, "biolm_transformer").attrs["get_spans"]
        self.batch_size = batch_size

    def __call__(self, texts: List[str]) -> List[List[str]]:
        """The window texts of each `nlp.pipe` batch of `texts`."""
        planned = []
        for batch in batches(texts, self.batch_size):
            nested = self.get_spans([self.nlp.make_doc(text) for text in batch])
            planned.append([span.text for spans in nested for span in spans])
        return planned


class RawEncoder:
    """The HF tokenizer and encoder alone, fed padded rows of wordpiece ids."""

    def __init__(self, encoder: Path, max_length: int) -> None:
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(encoder), use_fast=True)
        self.model = AutoModel.from_pretrained(str(encoder)).eval()
        # spacy-biolm's input limit: its max_length, capped by the position embeddings.
        self.limit = min(max_length, self.model.config.max_position_embeddings)

    def encode(self, texts: List[str]) -> List[List[int]]:
        """Wordpiece ids of each text, [CLS] and [SEP] included, unpadded."""
        # Truncation at the limit mirrors spacy-transformers' own guard; the header
        # line reports whether any window reaches it.
        encoding = self.tokenizer(texts, truncation=True, max_length=self.limit)
        return encoding["input_ids"]

    def forward(self, rows: Sequence[List[int]]) -> None:
        """One encoder call over `rows`, padded to the longest."""
        width = max(map(len, rows))
        input_ids = torch.full((len(rows), width), self.tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros_like(input_ids)
        for row, ids in enumerate(rows):
            input_ids[row, : len(ids)] = torch.tensor(ids)
            mask[row, : len(ids)] = 1
        self.model(input_ids=input_ids, attention_mask=mask)


def raw_grouped(
    raw: RawEncoder, planner: WindowPlanner, overhead: int, max_pieces: int
) -> Contestant:
    """The bare encoder on spacy-biolm's windows, grouped as spacy-biolm groups them."""

    def run(planned: List[List[str]]) -> None:
        with torch.inference_mode():
            for windows in planned:
                ids = raw.encode(windows)
                for rows in plan_groups([len(row) for row in ids], overhead, max_pieces):
                    raw.forward([ids[i] for i in rows])

    return Contestant(RAW_GROUPED, planner, run, raw.model)


def raw_fixed(raw: RawEncoder, planner: WindowPlanner, batch_size: int) -> Contestant:
    """The bare encoder on the same windows, sorted, in fixed padded batches."""

    def prepare(texts: List[str]) -> List[str]:
        return [window for windows in planner(texts) for window in windows]

    def run(windows: List[str]) -> None:
        ids = sorted(raw.encode(windows), key=len)
        with torch.inference_mode():
            for rows in batches(ids, batch_size):
                raw.forward(rows)

    return Contestant(raw_fixed_name(batch_size), prepare, run, raw.model)


# -- Report ---------------------------------------------------------------------------


def log(message: str) -> None:
    """Progress on stderr, so that stdout holds only the tables."""
    print(message, file=sys.stderr, flush=True)


def window_stats(raw: RawEncoder, planner: WindowPlanner, texts: List[str]) -> str:
    """A header line: how many windows, how many pieces, how many at the limit."""
    windows = [window for batch in planner(texts) for window in batch]
    full = raw.tokenizer(windows)["input_ids"]
    lengths = [len(ids) for ids in full]
    at_limit = sum(length >= raw.limit for length in lengths)
    over = sum(length > raw.limit for length in lengths)
    line = (
        f"spacy-biolm's windows: {len(windows)}, {sum(lengths):,} wordpieces with [CLS]/[SEP], "
        f"{at_limit} of them at least {raw.limit} pieces wide"
    )
    return line + (f"; {over} over the limit (truncated)" if over else "")


def print_table(contestants: List[Contestant], n_words: int) -> None:
    """The markdown table and the two sentences BENCHMARKS.md and the README quote."""
    by_name = {c.name: c for c in contestants}
    ours, raw = by_name[OURS], by_name[RAW_GROUPED]
    print(
        "| pipeline | seconds | words/s | encoder calls | padded pieces | real pieces "
        "| × raw, same groups | spacy-biolm's speed-up over it |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for c in contestants:
        counts = c.counts
        print(
            f"| {c.name} | {c.seconds:.2f} | {n_words / c.seconds:,.0f} | {counts.calls:,} "
            f"| {counts.padded:,} | {counts.real:,} | {raw.seconds / c.seconds:.2f} "
            f"| {c.seconds / ours.seconds:.2f} |"
        )
    ratio = raw.seconds / ours.seconds
    verdict = "met" if ratio >= 0.95 else "NOT met"
    print(
        f"\nspacy-biolm runs at {ratio:.2f}× the words/s of the raw encoder on the same "
        f"windows and length groups (target ≥ 0.95×: {verdict})."
    )
    gains = ", ".join(
        f"{c.name.replace('**', '')}: {c.seconds / ours.seconds:.2f}×"
        for c in contestants
        if c.name not in (OURS, RAW_GROUPED)
    )
    print(f"spacy-biolm's speed-up over {gains}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    corpora = default_corpora_dir()
    parser.add_argument(
        "--corpora-dir", type=Path, default=corpora, help="The six corpora (shared/corpora)."
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        help="PubTator file of the timed abstracts (default: BC5CDR test in --corpora-dir).",
    )
    parser.add_argument("--n-docs", type=int, default=32, help="Abstracts to time.")
    parser.add_argument("--mix", type=int, default=0, help="LINNAEUS test full texts to add.")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument(
        "--encoder", type=Path, help="Encoder folder: reused if it exists, else built there."
    )
    parser.add_argument("--small", action="store_true", help="Tiny encoder (a quick check).")
    parser.add_argument("--num-layers", type=int, help="Override the number of layers.")
    args = parser.parse_args()
    # The fast tokenizer's thread pool reads this when it first starts.
    os.environ["RAYON_NUM_THREADS"] = str(args.threads)
    torch.set_num_threads(args.threads)

    corpus = args.corpus or args.corpora_dir / "bc5cdr" / "CDR_TestSet.PubTator.txt"
    abstracts = [doc.text for doc in read_pubtator(corpus, InvalidRecords())][: args.n_docs]
    full_texts = read_split(args.corpora_dir, CorpusName.linnaeus, "test")[: args.mix]
    texts = interleave(abstracts, full_texts)
    n_words = sum(len(text.split()) for text in texts)
    shape = dict(SMALL_SHAPE if args.small else BASE_SHAPE)
    if args.num_layers:
        shape["num_layers"] = args.num_layers
    encoder = ensure_encoder(args.encoder, args.corpora_dir, shape)

    log("loading the contestants")
    ours_nlp = initialize(biolm_spacy(encoder), texts)
    planner_nlp = initialize(biolm_spacy(encoder), texts)
    # spacy-biolm's settings, read from its config: the raw baseline gets the same.
    settings = planner_nlp.config["components"]["biolm_transformer"]["model"]
    overhead = settings["group_overhead"]
    overhead = CPU_GROUP_OVERHEAD if overhead is None else overhead  # the CPU default
    max_pieces = settings["group_max_pieces"]
    planner = WindowPlanner(planner_nlp, args.batch_size)
    raw = RawEncoder(encoder, settings["max_length"])
    contestants = [
        spacy_contestant(OURS, ours_nlp, "biolm_transformer", args.batch_size),
        raw_grouped(raw, planner, overhead, max_pieces),
        raw_fixed(raw, planner, args.batch_size),
        spacy_contestant(
            STOCK, initialize(stock_spacy(encoder), texts), "transformer", args.batch_size
        ),
        hf_contestant(encoder, args.batch_size),
        spacy_contestant(
            NO_GROUPS_NAME,
            initialize(biolm_spacy(encoder, overhead=NO_GROUPS), texts),
            "biolm_transformer",
            args.batch_size,
        ),
    ]
    for contestant in contestants:
        log(f"warm-up: {contestant.name}")
        contestant.time(texts[:WARM_UP_DOCS])
        contestant.seconds = float("inf")
    for repeat in range(args.repeats):
        for contestant in contestants:
            seconds = contestant.time(texts)
            log(f"repeat {repeat + 1}: {contestant.name}: {seconds:.2f} s")

    device = f"CPU, {args.threads} threads ({platform.processor() or platform.machine()})"
    inputs = f"{len(abstracts)} abstracts ({corpus.name})"
    if full_texts:
        plural = "s" if len(full_texts) > 1 else ""
        inputs += f" + {len(full_texts)} LINNAEUS test full text{plural}"
    print(f"{inputs}, {n_words:,} words, batch size {args.batch_size}, {device}")
    print(f"encoder: {describe_encoder(encoder)}")
    print(f"group overhead {overhead} pieces, at most {max_pieces:,} padded pieces per call")
    print(window_stats(raw, planner, texts))
    print(f"best of {args.repeats} timed runs after a warm-up\n")
    print_table(contestants, n_words)


if __name__ == "__main__":
    main()
