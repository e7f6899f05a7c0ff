"""What linking adds to `nlp.pipe`, and what the knowledge bases cost on disk and to load.

Protocol. The timed text is the first --n-docs abstracts of BC5CDR test (500: the
whole split). The NER pipeline is `en_biolm`'s: the biomedical tokenizer,
`biolm_transformer` over the MiniLM-L6 encoder (encoders/main) and `biolm_ner`,
whose head is random unless --model names a trained pipeline: a random head's
spans are not the entities a trained one finds, so the linker is timed on the gold
mentions instead (BC5CDR's chemicals and diseases, aligned to tokens), which is the
number and kind of spans a good NER hands it.

  NER                    nlp.pipe over the texts (tokenizer, transformer, NER head)
  abbreviations + linker biolm_abbreviations and biolm_linker (the --kb-dir KBs, default
                         settings) over the same docs with the gold spans as entities,
                         through Language.pipe of the two pipes
  added                  the second row's time over the first's

Each row keeps the best of --repeats runs. KB size is the KB folders' bytes on disk
(what `assemble` copies into the package); load time is `KnowledgeBase.from_disk`
of every label, as `spacy.load` of the packaged pipeline does it. Usage:

    python benchmarks/linking_speed.py --kb-dir training/kb --corpora-dir ../shared/corpora \\
        --encoder encoders/main --n-docs 500 --batch-size 32 --threads 2

Prints a markdown table (stdout) and progress (stderr). CPU only.
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple, TypeVar

import spacy
import torch
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example

from spacy_biolm.annotations import SPANS_KEY, set_annotated_labels
from spacy_biolm.linking.evaluate import add_linking_pipes, aligned_gold
from spacy_biolm.linking.gold import GoldDocument, LinkingCorpus, read_gold
from spacy_biolm.linking.kb import KnowledgeBase

TOKENIZER = {"@tokenizers": "spacy-biolm.Tokenizer.v1"}
T = TypeVar("T")


def build_ner(encoder: Path, init_texts: List[str]) -> Language:
    """The tokenizer, transformer and NER of `en_biolm`, with a random head."""
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": TOKENIZER}})
    nlp.add_pipe("biolm_transformer", config={"model": {"name": str(encoder)}})
    nlp.add_pipe("biolm_ner")
    docs = [nlp.make_doc(text) for text in init_texts]
    for doc in docs:
        set_annotated_labels(doc, None)
    nlp.initialize(lambda: [Example(doc, doc) for doc in docs])
    return nlp


def load_kbs(kb_dir: Path) -> Tuple[Dict[str, KnowledgeBase], float, int]:
    """The KBs of every label folder, the seconds loading took and their bytes."""
    folders = sorted(p for p in kb_dir.iterdir() if p.is_dir())
    start = time.perf_counter()
    kbs = {folder.name: KnowledgeBase.from_disk(folder) for folder in folders}
    seconds = time.perf_counter() - start
    size = sum(f.stat().st_size for folder in folders for f in folder.rglob("*") if f.is_file())
    return kbs, seconds, size


def with_gold_spans(docs: List[Doc], documents: List[GoldDocument]) -> int:
    """Make each doc's gold mentions its entities (the NER's output replaced)."""
    n = 0
    for doc, document in zip(docs, documents):
        gold = aligned_gold(doc, document)
        doc.spans[SPANS_KEY] = [Span(doc, s, e, label=label) for s, e, label in sorted(gold)]
        doc.ents = []
        n += len(gold)
    return n


def best_time(run: Callable[[], T], repeats: int) -> Tuple[float, T]:
    """The least seconds of `repeats` runs (at least one) and the last result."""
    times = []
    for _ in range(max(repeats, 1)):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb-dir", type=Path, required=True)
    parser.add_argument("--corpora-dir", type=Path, default=Path("../shared/corpora"))
    parser.add_argument("--encoder", type=Path, default=Path("encoders/main"))
    parser.add_argument(
        "--model", default=None, help="A trained pipeline instead of a random head."
    )
    parser.add_argument("--n-docs", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    documents = read_gold(args.corpora_dir, LinkingCorpus.bc5cdr, "test")[: args.n_docs]
    texts = [d.text for d in documents]
    print(f"{len(texts)} abstracts; loading the KBs", file=sys.stderr)
    kbs, load_seconds, kb_bytes = load_kbs(args.kb_dir)
    nlp = spacy.load(args.model) if args.model else build_ner(args.encoder, texts[:8])
    linking = spacy.blank("en", config={"nlp": {"tokenizer": TOKENIZER}})
    linker = add_linking_pipes(linking, kbs)
    # One warm-up doc each, so that lazy set-up is not timed.
    list(nlp.pipe(texts[:2]))
    print("timing NER", file=sys.stderr)
    ner_seconds, docs = best_time(
        lambda: list(nlp.pipe(texts, batch_size=args.batch_size)), args.repeats
    )
    n_words = sum(len(doc) for doc in docs)
    n_spans = with_gold_spans(docs, documents)
    print("timing abbreviations + linker", file=sys.stderr)

    def link() -> List[Doc]:
        for doc in docs:
            doc._.biolm_links = None
        return list(linking.pipe(docs, batch_size=args.batch_size))

    link_seconds, linked = best_time(link, args.repeats)
    n_linked = sum(1 for doc in linked for s in doc.spans[SPANS_KEY] if s.kb_id_)

    added = 100.0 * link_seconds / ner_seconds
    head = f"trained ({args.model})" if args.model else "random head"
    cpu = platform.processor() or platform.machine()
    concepts = sum(len(kb) for kb in kbs.values())
    names = sum(len(kb.entries) for kb in kbs.values())
    lines = [
        f"## nlp.pipe with and without linking ({cpu}, {args.threads} threads, "
        f"{os.cpu_count()} CPUs)",
        "",
        f"{len(texts)} BC5CDR test abstracts, {n_words:,} tokens, batch size "
        f"{args.batch_size}; NER: MiniLM-L6 ({args.encoder}), {head}; linker on the "
        f"{n_spans:,} gold mentions ({n_linked:,} linked at threshold {linker.threshold}); "
        f"best of {args.repeats}.",
        "",
        "| step | seconds | docs/s | share of NER time |",
        "|---|---:|---:|---:|",
        _row("NER (tokenizer, transformer, biolm_ner)", ner_seconds, len(texts), 100.0),
        _row("abbreviations + linker", link_seconds, len(texts), added),
        "",
        "| knowledge bases | labels | concepts | names | size on disk | load time |",
        "|---|---|---:|---:|---:|---:|",
        f"| {args.kb_dir} | {', '.join(kbs)} | {concepts:,} | {names:,} | "
        f"{kb_bytes / 2**20:.1f} MiB | {load_seconds:.2f} s |",
    ]
    print("\n".join(lines))


def _row(step: str, seconds: float, n_docs: int, share: float) -> str:
    return f"| {step} | {seconds:.2f} | {n_docs / seconds:.1f} | {share:.1f} % |"


if __name__ == "__main__":
    main()
