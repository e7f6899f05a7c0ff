"""Generated tokens per second of the `biogpt` component, batched, against one-by-one
`model.generate` on the same prompts.

The model has BioGPT's shape (24 layers, 1,024 hidden, 16 heads, 4,096 feed-forward,
1,024 positions) with random weights, and BioGPT's real tokenizer (42,384 ids) when
--vocab names the corpora folder's biogpt_tokenizer/. Random weights cost exactly
what trained ones cost. Prompts are the titles + abstracts of a PubTator file;
decoding is greedy and every prompt gets exactly --new-tokens tokens
(min_new_tokens: a random model's early EOS would make the counts differ).

  one-by-one         transformers' BioGptForCausalLM.generate, one unpadded prompt
                     at a time
  biogpt, batch N    nlp.pipe through the `biogpt` component: prompts sorted by
                     length, left-padded, KV cache, last-position logits on the prompt

The component's texts are checked against the one-by-one texts. Usage:

    python benchmarks/biogpt_speed.py \\
        --corpus ../shared/corpora/bc5cdr/CDR_TestSet.PubTator.txt \\
        --vocab ../shared/corpora/biogpt_tokenizer

Prints a markdown table.
"""

import argparse
import platform
import tempfile
import time
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import spacy
import torch
from transformers import BioGptForCausalLM, BioGptTokenizer

from spacy_biolm.biogpt import tasks
from spacy_biolm.corpora.pubtator import read_pubtator
from spacy_biolm.corpora.source import InvalidRecords
from spacy_biolm.testing import build_random_biogpt

BIOGPT_SHAPE = {"hidden_size": 1024, "num_layers": 24, "num_heads": 16, "intermediate_size": 4096}
SMALL_SHAPE = {"hidden_size": 64, "num_layers": 2, "num_heads": 2, "intermediate_size": 128}


def read_pubtator_texts(path: Path) -> List[str]:
    """Title + abstract of each document of a PubTator file (the project's reader)."""
    return [doc.text for doc in read_pubtator(path, InvalidRecords())]


def one_by_one(model_dir: Path, new_tokens: int) -> Callable[[List[str]], List[str]]:
    tokenizer = BioGptTokenizer.from_pretrained(str(model_dir))
    model = BioGptForCausalLM.from_pretrained(str(model_dir)).eval()
    settings = {
        "max_new_tokens": new_tokens,
        "min_new_tokens": new_tokens,
        "do_sample": False,
        "pad_token_id": tokenizer.pad_token_id,
    }

    def run(texts: List[str]) -> List[str]:
        outputs = []
        for text in texts:
            ids = torch.tensor([tokenizer(text)["input_ids"]])
            with torch.inference_mode():
                new = model.generate(ids, **settings)[0, ids.shape[1] :]
            decoded = tokenizer.decode(new, skip_special_tokens=True)
            outputs.append(tasks.clean_generated_text(decoded))
        return outputs

    return run


def component(nlp: spacy.Language, batch_size: int) -> Callable[[List[str]], List[str]]:
    def run(texts: List[str]) -> List[str]:
        nlp.get_pipe("biogpt").batch_size = batch_size
        return [doc._.biogpt_text for doc in nlp.pipe(texts, batch_size=len(texts))]

    return run


def time_it(run: Callable[[List[str]], List[str]], texts: List[str]) -> Tuple[float, List[str]]:
    run(texts[:1])  # warm-up: lazy init, allocator
    start = time.perf_counter()
    outputs = run(texts)
    return time.perf_counter() - start, outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="A PubTator file.")
    parser.add_argument("--vocab", type=Path, help="BioGPT's dict.txt + bpecodes folder.")
    parser.add_argument("--n-docs", type=int, default=32)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--small", action="store_true", help="Tiny model (a quick check).")
    parser.add_argument(
        "--num-layers", type=int, default=24, help="Fewer layers of BioGPT's width (calibration)."
    )
    parser.add_argument("--model", type=Path, help="Reuse a model folder.")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    texts = read_pubtator_texts(args.corpus)[: args.n_docs]
    model_dir: Optional[Path] = args.model
    if model_dir is None:
        model_dir = build_random_biogpt(
            Path(tempfile.mkdtemp()) / "biogpt",
            fairseq_vocab_dir=args.vocab,
            **(SMALL_SHAPE if args.small else {**BIOGPT_SHAPE, "num_layers": args.num_layers}),
        )
    tokenizer = BioGptTokenizer.from_pretrained(str(model_dir))
    n_prompt = sum(len(ids) for ids in tokenizer(texts)["input_ids"])
    n_new = len(texts) * args.new_tokens

    device = f"CPU, {args.threads} threads ({platform.processor() or platform.machine()})"
    print(f"{len(texts)} abstracts, {n_prompt:,} prompt tokens, {args.new_tokens} new tokens each")
    print(f"{device}; model: {model_dir}\n")
    print("| run | seconds | generated tokens/s | × one-by-one | same text as one-by-one |")
    print("|---|---:|---:|---:|---|", flush=True)

    def row(name: str, seconds: float, same: bool) -> None:
        # Each row as soon as it is measured: the full-size run takes many minutes.
        speedup = reference_seconds / seconds
        line = f"| {name} | {seconds:.2f} | {n_new / seconds:,.1f} | {speedup:.2f} | {same} |"
        print(line, flush=True)

    reference_seconds, reference = time_it(one_by_one(model_dir, args.new_tokens), texts)
    row("one-by-one `model.generate`", reference_seconds, True)
    nlp = spacy.blank("en")
    nlp.add_pipe(
        "biogpt",
        config={
            "model": str(model_dir),
            "max_new_tokens": args.new_tokens,
            "generation_config": {"min_new_tokens": args.new_tokens},
        },
    )
    nlp.initialize()
    for batch_size in args.batch_sizes:
        seconds, outputs = time_it(component(nlp, batch_size), texts)
        row(f"biogpt component, batch {batch_size}", seconds, outputs == reference)


if __name__ == "__main__":
    main()
