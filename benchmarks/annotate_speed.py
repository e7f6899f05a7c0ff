"""Throughput and memory of `annotate` against a bare `nlp.pipe` loop (issue 11, Measure).

Input: real abstracts (every split of BC5CDR, NCBI-disease and Species-800, read with
the project's readers, as `pipe_memory.py` does), cycled to --n-docs and written as
JSONL units of --docs-per-unit records. Pipeline: `en_biolm`'s shape (biomedical
tokenizer, `biolm_transformer`, `biolm_ner`, `doc_cleaner`) on the --encoder folder
(the offline MiniLM-L6 by default), with an untrained, randomly initialised head:
throughput does not depend on what the weights learned. Or --model: any saved
pipeline. Every contestant uses 1 torch thread per process, the same batch size and
the same texts; words are whitespace-separated words of the texts.

  bare nlp.pipe loop    the texts in memory, `for doc in nlp.pipe(texts)`, docs dropped
  annotate -n 1         `annotate` (reads the units, writes --format shards, ledger)
  annotate -n 2         the same with spaCy's n_process=2
  annotate, Ray         --engine ray with 2 actors of 1 CPU each on a local Ray
                        (--ray; only inside a loopback-only network namespace:
                        unshare -n bash -c 'ip link set lo up; python ...'). Its time
                        includes starting the actors and loading the model in each.

Times exclude loading the model in this process (annotate's own clock starts after
it). --rss-at N,M runs `annotate` on the first N, then M, docs in fresh processes
with a tiny random encoder and reports their peak resident memory (VmHWM). The last
lines project the speed of `annotate -n 1` (one core) to all of PubMed. Usage:

    OMP_NUM_THREADS=1 python benchmarks/annotate_speed.py --n-docs 2000 \\
        --rss-at 1000,20000
    unshare -n bash -c 'ip link set lo up; OMP_NUM_THREADS=1 RAY_AUTH_MODE=disabled \\
        python benchmarks/annotate_speed.py --n-docs 2000 --rss-at 1000,20000 --ray'

Prints markdown tables on stdout.
"""

import argparse
import itertools
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import spacy
import torch

from spacy_biolm.annotate.run import annotate, count_words
from spacy_biolm.testing import build_random_bert

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipe_memory import build_pipeline, read_abstracts, read_rss_mib  # noqa: E402

PUBMED_ABSTRACTS = 36_000_000
PUBMED_WORDS_PER_ABSTRACT = 230
REPO_ROOT = Path(__file__).resolve().parent.parent


def write_units(texts: Sequence[str], folder: Path, *, docs_per_unit: int) -> List[Path]:
    """The texts as JSONL units of docs_per_unit records."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for start in range(0, len(texts), docs_per_unit):
        path = folder / f"part{start // docs_per_unit:05d}.jsonl"
        with path.open("w", encoding="utf8") as file:
            for i, text in enumerate(texts[start : start + docs_per_unit], start):
                file.write(json.dumps({"id": str(i), "text": text}) + "\n")
        paths.append(path)
    return paths


def cycled(texts: Sequence[str], n: int) -> List[str]:
    return list(itertools.islice(itertools.cycle(texts), n))


def bare_loop(model: Path, texts: Sequence[str], *, batch_size: int) -> Tuple[int, float]:
    """Words and seconds of the strongest plain loop: texts in memory, docs dropped."""
    nlp = spacy.load(model)
    words = 0
    start = time.perf_counter()
    for text, _ in zip(texts, nlp.pipe(texts, batch_size=batch_size)):
        words += count_words(text)
    return words, time.perf_counter() - start


def loopback_only() -> bool:
    return {name for _, name in socket.if_nameindex()} == {"lo"}


def rss_child(args: argparse.Namespace) -> None:
    """In a fresh process: annotate the given units, print the peak RSS as JSON."""
    with tempfile.TemporaryDirectory() as out:
        summary = annotate(
            str(args.model),
            [str(path) for path in args.units],
            Path(out) / "out",
            output_format=args.format,
            batch_size=args.batch_size,
            progress=False,
        )
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the parent.
    rss = read_rss_mib()
    print(json.dumps({"docs": summary.docs, "rss": rss["VmRSS"], "peak": rss["VmHWM"]}))


def measure_rss(
    sizes: Sequence[int], abstracts: Sequence[str], tmp: Path, args: argparse.Namespace
) -> List[Dict[str, float]]:
    """Peak RSS of annotate over the first N docs, each N in a fresh process."""
    if not sizes:  # no --rss-at: the speed rows alone
        return []
    encoder = build_random_bert(tmp / "tiny-encoder", texts=list(abstracts[:2000]))
    model = tmp / "tiny-pipeline"
    build_pipeline(encoder, abstracts[:2]).to_disk(model)
    units = write_units(
        cycled(abstracts, max(sizes)), tmp / "rss-in", docs_per_unit=args.docs_per_unit
    )
    rows = []
    for size in sizes:
        n_units = -(-size // args.docs_per_unit)
        command = [sys.executable, __file__, "--rss-child", "--model", str(model)]
        command += ["--format", args.format, "--batch-size", str(args.batch_size), "--units"]
        command += [str(path) for path in units[:n_units]]
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        rows.append(json.loads(result.stdout.strip().splitlines()[-1]))
        print(
            f"RSS at {rows[-1]['docs']:,} docs: peak {rows[-1]['peak']:,.0f} MiB", file=sys.stderr
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", type=Path, default=REPO_ROOT.parent / "shared" / "corpora")
    parser.add_argument("--encoder", type=Path, default=REPO_ROOT / "encoders" / "main")
    parser.add_argument("--model", type=Path, help="A saved pipeline (instead of --encoder).")
    parser.add_argument("--n-docs", type=int, default=2000)
    parser.add_argument("--docs-per-unit", type=int, default=250)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--format", default="pubtator")
    parser.add_argument("--ray", action="store_true", help="Also run the Ray engine.")
    parser.add_argument(
        "--rss-at", default="", help="Doc counts for the RSS check, e.g. 1000,20000."
    )
    parser.add_argument("--rss-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--units", type=Path, nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.rss_child:
        rss_child(args)
        return
    abstracts = read_abstracts(args.corpora)
    texts = cycled(abstracts, args.n_docs)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        model = args.model
        if model is None:
            model = tmp / "pipeline"
            build_pipeline(args.encoder, abstracts[:2]).to_disk(model)
        units = write_units(texts, tmp / "in", docs_per_unit=args.docs_per_unit)
        inputs = [str(path) for path in units]
        options = {"output_format": args.format, "batch_size": args.batch_size, "progress": False}
        rows: Dict[str, Tuple[int, float]] = {}
        print("bare nlp.pipe loop ...", file=sys.stderr)
        rows["bare nlp.pipe loop (1 process)"] = bare_loop(model, texts, batch_size=args.batch_size)
        for n_process in (1, 2):
            print(f"annotate -n {n_process} ...", file=sys.stderr)
            summary = annotate(
                str(model), inputs, tmp / f"out{n_process}", n_process=n_process, **options
            )
            rows[f"annotate, --n-process {n_process}"] = (summary.words, summary.seconds)
        if args.ray:
            if not loopback_only():
                sys.exit("--ray runs only in a loopback-only network namespace (unshare -n).")
            import ray

            ray.init(num_cpus=2, object_store_memory=200 * 2**20, include_dashboard=False)
            print("annotate, Ray ...", file=sys.stderr)
            summary = annotate(str(model), inputs, tmp / "ray", engine="ray", actors=2, **options)
            rows["annotate, Ray, 2 actors"] = (summary.words, summary.seconds)
            ray.shutdown()
        rss = measure_rss([int(n) for n in args.rss_at.split(",") if n], abstracts, tmp, args)
    print_tables(args, rows, rss)


def print_tables(
    args: argparse.Namespace, rows: Dict[str, Tuple[int, float]], rss: List[Dict[str, float]]
) -> None:
    speed = {name: words / seconds for name, (words, seconds) in rows.items()}
    versus = {
        "annotate, --n-process 1": "bare nlp.pipe loop (1 process)",
        "annotate, --n-process 2": "annotate, --n-process 1",
        "annotate, Ray, 2 actors": "annotate, --n-process 2",
    }
    print(
        f"{args.n_docs:,} abstracts (BC5CDR, NCBI-disease, S800, cycled) in units of "
        f"{args.docs_per_unit}; batch {args.batch_size}; --format {args.format}; "
        f"1 torch thread per process; {os.cpu_count()} CPUs ({platform.machine()})"
    )
    pipeline = args.model or f"untrained biolm_transformer + biolm_ner on {args.encoder}"
    print(f"pipeline: {pipeline}\n")
    print("| run | words | seconds | words/s | ratio | vs |")
    print("|---|---:|---:|---:|---:|---|")
    for name, (words, seconds) in rows.items():
        base = versus.get(name)
        ratio = f"{speed[name] / speed[base]:.2f}" if base in speed else "-"
        cells = [name, f"{words:,}", f"{seconds:,.1f}", f"{speed[name]:,.0f}", ratio, base or "-"]
        print("| " + " | ".join(cells) + " |")
    if rss:
        print("\nPeak RSS of annotate (fresh process, tiny random encoder):\n")
        print("| docs | peak RSS MiB | RSS at end MiB |")
        print("|---:|---:|---:|")
        for row in rss:
            print(f"| {row['docs']:,} | {row['peak']:,.0f} | {row['rss']:,.0f} |")
        growth = rss[-1]["peak"] / rss[0]["peak"] - 1
        print(
            f"\npeak RSS growth from {rss[0]['docs']:,} to {rss[-1]['docs']:,} docs: {growth:+.1%}"
        )
    one_core = speed["annotate, --n-process 1"]
    words = PUBMED_ABSTRACTS * PUBMED_WORDS_PER_ABSTRACT
    print(
        f"\nProjection: PubMed ({PUBMED_ABSTRACTS / 1e6:.0f} M abstracts x "
        f"{PUBMED_WORDS_PER_ABSTRACT} words = {words / 1e9:.1f} G words) at {one_core:,.0f} "
        f"words/s per core: {words / one_core / 3600:,.0f} CPU core-hours"
    )


if __name__ == "__main__":
    main()
