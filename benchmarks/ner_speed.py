"""Words per second of NER over whole abstracts, against the encoder alone.

All contestants share one encoder: BERT-base shape (12 layers, 768 hidden) with
random weights and a WordPiece vocabulary trained on corpus text, BioLinkBERT-base's
size (28,895 pieces). Random weights cost exactly what trained ones cost.

  raw forward      HF tokenizer + BertModel, batched, sorted by length, no spaCy;
                   documents longer than 512 pieces are cut into 512-piece chunks
  hf pipeline      transformers' token-classification pipeline (stride for long docs)
  spacy stock      spaCy's `transformer` (strided spans) + built-in `ner`
  spacy-biolm      `biolm_transformer` + `biolm_ner` (this project): windows run
                   through the encoder in length groups (little padding)
  ... no groups    the same, one padded encoder call per batch, as spacy-transformers

Every contestant sees every token (no truncation). Usage:

    python benchmarks/ner_speed.py --corpus ../shared/corpora/bc5cdr/CDR_TestSet.PubTator.txt

Prints a markdown table; BENCHMARKS.md records the results.
"""

import argparse
import platform
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

import spacy
import torch

from spacy_biolm.annotations import DEFAULT_LABELS
from spacy_biolm.corpora.pubtator import read_pubtator
from spacy_biolm.corpora.source import InvalidRecords
from spacy_biolm.encoders import build_random_bert

VOCAB_SIZE = 28_895


def read_pubtator_texts(path: Path) -> List[str]:
    """Title + abstract of each document of a PubTator file (the project's reader)."""
    return [doc.text for doc in read_pubtator(path, InvalidRecords())]


def build_encoder(out: Path, texts: List[str], *, small: bool) -> Path:
    shape = (
        {"hidden_size": 64, "num_layers": 2, "num_heads": 2, "intermediate_size": 128}
        if small
        else {"hidden_size": 768, "num_layers": 12, "num_heads": 12, "intermediate_size": 3072}
    )
    return build_random_bert(out, texts=texts, vocab_size=VOCAB_SIZE, **shape)


def raw_forward(encoder: Path, batch_size: int) -> Callable[[List[str]], None]:
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(encoder))
    model = AutoModel.from_pretrained(str(encoder)).eval()

    def run(texts: List[str]) -> None:
        ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
        chunks = [piece[i : i + 510] for piece in ids for i in range(0, max(len(piece), 1), 510)]
        chunks.sort(key=len)
        cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
        with torch.inference_mode():
            for start in range(0, len(chunks), batch_size):
                batch = [[cls, *chunk, sep] for chunk in chunks[start : start + batch_size]]
                width = max(map(len, batch))
                input_ids = torch.zeros((len(batch), width), dtype=torch.long)
                mask = torch.zeros_like(input_ids)
                for row, seq in enumerate(batch):
                    input_ids[row, : len(seq)] = torch.tensor(seq)
                    mask[row, : len(seq)] = 1
                model(input_ids=input_ids, attention_mask=mask)

    return run


def hf_pipeline(encoder: Path, batch_size: int) -> Callable[[List[str]], None]:
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

    return run


def spacy_pipeline(nlp, batch_size: int) -> Callable[[List[str]], None]:
    def run(texts: List[str]) -> None:
        for _ in nlp.pipe(texts, batch_size=batch_size):
            pass

    return run


def _initialize(nlp, texts: List[str]):
    from spacy.training import Example

    docs = [nlp.make_doc(text) for text in texts[:4]]
    nlp.initialize(lambda: [Example(doc, doc) for doc in docs])
    return nlp


def stock_spacy(encoder: Path) -> spacy.Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("transformer", config={"model": {"name": str(encoder)}})
    ner = nlp.add_pipe(
        "ner",
        config={
            "model": {
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
        },
    )
    for label in DEFAULT_LABELS:
        ner.add_label(label)
    return nlp


def biolm_spacy(encoder: Path, group_overhead: Optional[int] = None) -> spacy.Language:
    nlp = spacy.blank(
        "en", config={"nlp": {"tokenizer": {"@tokenizers": "spacy-biolm.Tokenizer.v1"}}}
    )
    model = {"name": str(encoder), "group_overhead": group_overhead}
    nlp.add_pipe("biolm_transformer", config={"model": model})
    nlp.add_pipe("biolm_ner")
    return nlp


def time_it(run: Callable[[List[str]], None], texts: List[str], repeats: int) -> float:
    run(texts[:8])  # warm-up: lazy init, allocator
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run(texts)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="A PubTator file.")
    parser.add_argument("--n-docs", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--small", action="store_true", help="Tiny encoder (a quick check).")
    parser.add_argument("--encoder", type=Path, help="Reuse an encoder folder.")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    texts = read_pubtator_texts(args.corpus)
    vocab_texts, texts = texts, texts[: args.n_docs]
    n_words = sum(len(text.split()) for text in texts)
    encoder = args.encoder or build_encoder(
        Path(tempfile.mkdtemp()) / "encoder", vocab_texts, small=args.small
    )
    contestants: Dict[str, Callable[[List[str]], None]] = {
        "raw forward (HF, batched)": raw_forward(encoder, args.batch_size),
        "HF token-classification pipeline": hf_pipeline(encoder, args.batch_size),
        "spaCy transformer + ner": spacy_pipeline(
            _initialize(stock_spacy(encoder), texts), args.batch_size
        ),
        "spacy-biolm (biolm_transformer + biolm_ner)": spacy_pipeline(
            _initialize(biolm_spacy(encoder), texts), args.batch_size
        ),
        "spacy-biolm, no length groups (one padded call)": spacy_pipeline(
            _initialize(biolm_spacy(encoder, group_overhead=10**9), texts), args.batch_size
        ),
    }
    seconds = {name: time_it(run, texts, args.repeats) for name, run in contestants.items()}
    raw = seconds["raw forward (HF, batched)"]
    device = f"CPU, {args.threads} threads ({platform.processor() or platform.machine()})"
    print(f"{len(texts)} abstracts, {n_words:,} words, batch size {args.batch_size}, {device}")
    print(f"encoder: {encoder}\n")
    print("| pipeline | seconds | words/s | × raw forward |")
    print("|---|---:|---:|---:|")
    for name, secs in seconds.items():
        print(f"| {name} | {secs:.2f} | {n_words / secs:,.0f} | {raw / secs:.2f} |")


if __name__ == "__main__":
    main()
