"""One GPU session, every GPU number: NER throughput against a raw bf16 forward pass,
`annotate` throughput, a few training steps of configs/biolm_gpu.cfg, and BioGPT
batched against one-by-one. Built to run once, with no network, inside a lease of
a few minutes on one H100/H200; everything it needs travels with the checkout.

Two stages:

  prepare (here, on the CPU machine that has ../shared and the registry):
      python benchmarks/gpu_oneshot.py prepare
    writes .gpu/ (ignored): texts.jsonl (abstracts of BC5CDR, NCBI-disease and S800
    test, repeated to --n-docs, plus LINNAEUS full texts), train/*.spacy and
    dev/*.spacy (converted training docs for the training steps), vocab_texts.txt
    (text for the random encoder's WordPiece vocabulary: train splits only), and the
    biogpt_tokenizer files; and .whl/ (ignored): the wheels of the packages the GPU
    image lacks or holds in other versions (spaCy, thinc, spacy-transformers,
    transformers 4.x, ...) and of spacy-biolm itself, for CPython 3.12 manylinux.

  run (there, two calls: a call carries at most 64 MiB and the wheels are ~75 MiB;
  .site/ is ignored, so the warm machine keeps it between the calls):
      call 1, carry [".whl/1"]:
      python3 -m pip install -q --no-index --no-deps --no-compile --target .site .whl/1/*.whl
      call 2, carry [".whl/2", ".gpu"] (never ".site": a carried path that is
      missing here is removed there):
      python3 -m pip install -q --no-index --no-deps --no-compile --target .site .whl/2/*.whl &&
      PYTHONPATH=.site python3 benchmarks/gpu_oneshot.py run --out $OUT
    Each part has its own try/except, so one failure leaves the others' numbers;
    results go to OUT/gpu_oneshot.json and OUT/gpu_oneshot.md as each part finishes.

Weights are random with the real shapes (BioLinkBERT-base: BERT 12 layers, 768 hidden,
28,895 pieces; BioGPT: 24 layers, 1,024 hidden): random weights cost exactly what
trained ones cost. `run --device cpu --small` checks the whole script on a CPU with
tiny shapes: every part ran so (2 cores, 2026-12-01); the GPU run is still to do.
"""

import argparse
import itertools
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
GPU_DIR = ROOT / ".gpu"
WHEEL_DIR = ROOT / ".whl"
PUBMED_ABSTRACTS = 36_000_000
PUBMED_WORDS_PER_ABSTRACT = 230

BIOLINKBERT_SHAPE = {
    "vocab_size": 28_895,
    "hidden_size": 768,
    "num_layers": 12,
    "num_heads": 12,
    "intermediate_size": 3072,
}
BIOGPT_SHAPE = {"hidden_size": 1024, "num_layers": 24, "num_heads": 16, "intermediate_size": 4096}
SMALL_BERT = {
    "vocab_size": 2000,
    "hidden_size": 32,
    "num_layers": 2,
    "num_heads": 2,
    "intermediate_size": 64,
}
SMALL_BIOGPT = {"hidden_size": 64, "num_layers": 2, "num_heads": 2, "intermediate_size": 128}

# The packages the GPU image lacks (or holds in a version spacy-transformers 1.4 does
# not accept: transformers 5.x), pinned to this venv's versions. Pure-Python wheels
# are fetched as such; compiled ones for CPython 3.12, manylinux x86-64.
WHEELS = (
    "spacy",
    "spacy-legacy",
    "spacy-loggers",
    "spacy-transformers",
    "spacy-alignments",
    "thinc",
    "blis",
    "cymem",
    "preshed",
    "murmurhash",
    "srsly",
    "catalogue",
    "confection",
    "wasabi",
    "weasel",
    "cloudpathlib",
    "smart-open",
    "marisa-trie",
    "pydantic",
    "pydantic-core",
    "annotated-types",
    "typing-inspection",
    "transformers",
    "tokenizers",
    "huggingface-hub",
    "sacremoses",
    "bioc",
    "jsonlines",
    "intervaltree",
)
# The device takes at most 64 MiB of carried files per call, and these wheels are
# ~75 MiB (spaCy's alone ~35): `prepare` splits them into .whl/1 and .whl/2, one call
# installs each into .site/ (an ignored folder, kept between calls on a warm machine).
CALL_MIB = 44
PLATFORMS = (
    "manylinux_2_28_x86_64",
    "manylinux_2_27_x86_64",
    "manylinux_2_24_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
    "manylinux1_x86_64",
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- prepare ---------------------------------------------------------------------------


def _installed_version(name: str) -> Optional[str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def download_wheels(dest: Path) -> List[str]:
    """The wheels of WHEELS at this venv's versions, and of spacy-biolm (built here).

    RETURNS (List[str]): The packages that are not installed here (left out).
    """
    dest.mkdir(parents=True, exist_ok=True)
    missing = []
    for name in WHEELS:
        found = _installed_version(name)
        if found is None:
            missing.append(name)
            continue
        command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps"]
        command += ["--only-binary=:all:", "--python-version", "3.12", "--implementation", "cp"]
        for plat in PLATFORMS:
            command += ["--platform", plat]
        command += ["-d", str(dest), f"{name}=={found}"]
        if subprocess.run(command).returncode != 0:  # e.g. no wheel, only an sdist
            missing.append(f"{name}=={found} (no wheel)")
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dest), str(ROOT)]
    subprocess.run(command, check=True)
    split_wheels(dest)
    return missing


def split_wheels(dest: Path) -> None:
    """Move the wheels into dest/1, dest/2, ... of at most CALL_MIB each (largest
    first, first fit), one folder per device call."""
    wheels = sorted(dest.rglob("*.whl"), key=lambda p: p.stat().st_size, reverse=True)
    sizes: List[float] = []
    for wheel in wheels:
        mib = wheel.stat().st_size / 2**20
        slot = next((i for i, used in enumerate(sizes) if used + mib <= CALL_MIB), len(sizes))
        if slot == len(sizes):
            sizes.append(0.0)
        sizes[slot] += mib
        folder = dest / str(slot + 1)
        folder.mkdir(exist_ok=True)
        if wheel.parent != folder:
            wheel.replace(folder / wheel.name)
    for i, used in enumerate(sizes):
        log(f"{dest / str(i + 1)}: {used:.1f} MiB")


def prepare(corpora_dir: Path, n_docs: int, n_full_texts: int, wheels: bool) -> None:
    """Write .gpu/ (texts, training docs, vocabulary text, BioGPT tokenizer) and .whl/."""
    import spacy
    from spacy.tokens import DocBin

    from spacy_biolm.corpora.catalog import DEFAULT_CORPORA, CorpusName, corpus_splits
    from spacy_biolm.corpora.source import InvalidRecords

    GPU_DIR.mkdir(exist_ok=True)

    def texts_of(name: "CorpusName", split: str) -> List[str]:
        source = corpus_splits(name, corpora_dir / name.value)[split]
        return [doc.text for doc in source.read(InvalidRecords())]

    abstracts = [
        text
        for name in (CorpusName.bc5cdr, CorpusName.ncbi_disease, CorpusName.s800)
        for text in texts_of(name, "test")
    ]
    full_texts = texts_of(CorpusName.linnaeus, "test")[:n_full_texts]
    repeated = [abstracts[i % len(abstracts)] for i in range(n_docs)]
    with (GPU_DIR / "texts.jsonl").open("w", encoding="utf8") as file:
        for i, text in enumerate(repeated + full_texts):
            file.write(json.dumps({"id": f"doc{i:06d}", "text": text}) + "\n")
    # A quarter of the train splits is plenty for a 28,895-piece vocabulary, and keeps
    # .gpu/ small enough to travel with the second call's wheels.
    vocab_texts = [text for name in DEFAULT_CORPORA for text in texts_of(name, "train")][::4]
    (GPU_DIR / "vocab_texts.txt").write_text("\n".join(vocab_texts), encoding="utf8")
    # Training docs: the converted splits of the project (corpus/), a slice of each.
    nlp = spacy.blank("en")
    for split, limit in (("train", 400), ("dev", 20)):
        out = GPU_DIR / split
        out.mkdir(exist_ok=True)
        for path in sorted((ROOT / "corpus").glob(f"*/{split}.spacy")):
            if path.parent.name == "smoke":
                continue
            docs = list(itertools.islice(DocBin().from_disk(path).get_docs(nlp.vocab), limit))
            DocBin(docs=docs, store_user_data=True).to_disk(out / f"{path.parent.name}.spacy")
    tokenizer_dir = corpora_dir / "biogpt_tokenizer"
    if tokenizer_dir.is_dir():
        shutil.copytree(tokenizer_dir, GPU_DIR / "biogpt_tokenizer", dirs_exist_ok=True)
    log(f"wrote {GPU_DIR}: {len(repeated)} abstracts + {len(full_texts)} full texts")
    if wheels:
        missing = download_wheels(WHEEL_DIR)
        wheels_written = list(WHEEL_DIR.rglob("*.whl"))
        size = sum(p.stat().st_size for p in wheels_written) / 2**20
        log(f"wrote {WHEEL_DIR}: {len(wheels_written)} wheels, {size:.1f} MiB")
        if missing:
            log(f"not installed here, left out: {', '.join(missing)}")


# -- run -------------------------------------------------------------------------------


class Results:
    """Numbers as they come, written after each part (a killed run keeps the rest)."""

    def __init__(self, out: Path, header: Dict[str, Any]) -> None:
        self.out = out
        self.data: Dict[str, Any] = {"header": header, "parts": {}}
        out.mkdir(parents=True, exist_ok=True)

    def add(self, part: str, values: Dict[str, Any]) -> None:
        self.data["parts"][part] = values
        (self.out / "gpu_oneshot.json").write_text(json.dumps(self.data, indent=2), "utf8")
        (self.out / "gpu_oneshot.md").write_text(render(self.data), "utf8")
        log(f"{part}: {json.dumps(values)[:400]}")


def render(data: Dict[str, Any]) -> str:
    """A markdown table per part."""
    lines = [f"# GPU one-shot benchmark\n\n{json.dumps(data['header'])}\n"]
    for part, values in data["parts"].items():
        lines.append(f"\n## {part}\n\n| measure | value |\n|---|---:|")
        for key, value in values.items():
            if key == "error":
                lines.append(f"| error | see below |\n\n```\n{value}\n```\n")
                continue
            shown = f"{value:,.2f}" if isinstance(value, float) else str(value)
            lines.append(f"| {key} | {shown} |")
    return "\n".join(lines) + "\n"


def read_texts(limit: int) -> List[str]:
    with (GPU_DIR / "texts.jsonl").open(encoding="utf8") as file:
        texts = [json.loads(line)["text"] for line in file]
    return texts[:limit] if limit else texts


def synchronize(device: str) -> None:
    import torch

    if device == "cuda":
        torch.cuda.synchronize()


def build_encoder(folder: Path, small: bool) -> Path:
    from spacy_biolm.testing import build_random_bert

    if (folder / "config.json").exists():
        return folder
    text = (GPU_DIR / "vocab_texts.txt").read_text(encoding="utf8").split("\n")
    shape = SMALL_BERT if small else BIOLINKBERT_SHAPE
    return build_random_bert(folder, texts=text[:2000] if small else text, **shape)


def ner_pipeline(encoder: Path, device: str) -> Any:
    """biolm_transformer + biolm_ner as configs/biolm_gpu.cfg sets inference (mixed
    precision on GPU, the GPU group overhead)."""
    import spacy
    from spacy.training import Example

    nlp = spacy.blank(
        "en", config={"nlp": {"tokenizer": {"@tokenizers": "spacy-biolm.Tokenizer.v1"}}}
    )
    model: Dict[str, Any] = {"name": str(encoder)}
    if device == "cuda":
        model.update({"mixed_precision": True, "group_overhead": 2048})
    nlp.add_pipe("biolm_transformer", config={"model": model})
    nlp.add_pipe("biolm_ner")
    docs = [nlp.make_doc("Aspirin reduced fever in mice with BRCA1 mutations.")]
    nlp.initialize(lambda: [Example(doc, doc) for doc in docs])
    return nlp


def words(texts: Sequence[str]) -> int:
    return sum(len(text.split()) for text in texts)


def part_ner(encoder: Path, texts: List[str], device: str, batch_size: int) -> Dict[str, Any]:
    """nlp.pipe words/s against the bare encoder in bf16 over 512-piece windows."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    n_words = words(texts)
    nlp = ner_pipeline(encoder, device)
    list(nlp.pipe(texts[: batch_size * 2], batch_size=batch_size))  # warm-up
    synchronize(device)
    start = time.perf_counter()
    n_spans = sum(
        len(doc.spans.get("biolm_ents", [])) for doc in nlp.pipe(texts, batch_size=batch_size)
    )
    synchronize(device)
    pipe_s = time.perf_counter() - start
    del nlp
    # The raw forward: the same texts cut into 510-piece windows, sorted by length,
    # fixed batches, bf16 weights (fp32 on CPU), inference_mode. No spaCy, no head.
    tokenizer = AutoTokenizer.from_pretrained(str(encoder))
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    model = AutoModel.from_pretrained(str(encoder), torch_dtype=dtype).to(device).eval()
    ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
    windows = [row[i : i + 510] for row in ids for i in range(0, max(len(row), 1), 510)]
    windows.sort(key=len)
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id

    def forward(rows: Sequence[List[int]]) -> None:
        width = max(len(row) for row in rows) + 2
        batch = torch.zeros((len(rows), width), dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for r, row in enumerate(rows):
            batch[r, : len(row) + 2] = torch.tensor([cls, *row, sep])
            mask[r, : len(row) + 2] = 1
        with torch.inference_mode():
            model(input_ids=batch.to(device), attention_mask=mask.to(device))

    raw_batch = 64 if device == "cuda" else 8
    forward(windows[-raw_batch:])  # warm-up at the largest shape
    synchronize(device)
    start = time.perf_counter()
    for i in range(0, len(windows), raw_batch):
        forward(windows[i : i + raw_batch])
    synchronize(device)
    raw_s = time.perf_counter() - start
    pipe_wps = n_words / pipe_s
    return {
        "docs": len(texts),
        "words": n_words,
        "windows (raw)": len(windows),
        "spans predicted": n_spans,
        "nlp.pipe seconds": pipe_s,
        "nlp.pipe words/s": pipe_wps,
        "raw bf16 forward seconds": raw_s,
        "raw forward words/s": n_words / raw_s,
        "nlp.pipe / raw": raw_s / pipe_s,
        "PubMed NER hours (36M x 230 words)": PUBMED_ABSTRACTS
        * PUBMED_WORDS_PER_ABSTRACT
        / pipe_wps
        / 3600,
    }


def part_annotate(encoder: Path, device: str, work: Path, batch_size: int) -> Dict[str, Any]:
    """The `annotate` command's run function over .gpu/texts.jsonl (JSONL out)."""
    from spacy_biolm.annotate import run as annotate_run

    nlp = ner_pipeline(encoder, device)
    model_dir = work / "ner_model"
    nlp.to_disk(model_dir)
    texts = read_texts(0)
    out = work / "annotate_out"
    start = time.perf_counter()
    summary = annotate_run.annotate(
        str(model_dir),
        [str(GPU_DIR / "texts.jsonl")],
        out,
        output_format="jsonl",
        batch_size=batch_size,
        gpu_id=0 if device == "cuda" else -1,
        progress=False,
    )
    seconds = time.perf_counter() - start
    n_words = words(texts)
    return {
        "docs": len(texts),
        "words": n_words,
        "seconds (load included)": seconds,
        "words/s": n_words / seconds,
        "summary": json.dumps(summary, default=str)[:300],
    }


def part_train(encoder: Path, device: str, work: Path, steps: int) -> Dict[str, Any]:
    """`spacy train configs/biolm_gpu.cfg` for a few steps on .gpu/train."""
    output = work / "train"
    command = [sys.executable, "-m", "spacy", "train", str(ROOT / "configs" / "biolm_gpu.cfg")]
    command += ["--output", str(output), "--paths.encoder", str(encoder)]
    command += ["--paths.train", str(GPU_DIR / "train"), "--paths.dev", str(GPU_DIR / "dev")]
    command += ["--training.max_steps", str(steps), "--training.eval_frequency", str(steps)]
    command += ["--gpu-id", "0" if device == "cuda" else "-1"]
    if device != "cuda":
        command += ["--components.biolm_transformer.model.mixed_precision", "false"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError((done.stdout + done.stderr)[-3000:])
    return {
        "steps": steps,
        "seconds (init and one evaluation included)": seconds,
        "log tail": " / ".join(done.stdout.strip().splitlines()[-3:])[:300],
    }


def part_biogpt(device: str, small: bool, n_prompts: int, new_tokens: int) -> Dict[str, Any]:
    """biogpt component (sorted, left-padded batches, KV cache) vs one-by-one generate."""
    import spacy
    import torch
    from transformers import BioGptForCausalLM, BioGptTokenizer

    from spacy_biolm.testing import build_random_biogpt

    shape = SMALL_BIOGPT if small else BIOGPT_SHAPE
    vocab = GPU_DIR / "biogpt_tokenizer"
    folder = build_random_biogpt(
        Path(tempfile.mkdtemp()) / "biogpt",
        fairseq_vocab_dir=vocab if vocab.is_dir() else None,
        **shape,
    )
    texts = read_texts(n_prompts)
    tokenizer = BioGptTokenizer.from_pretrained(str(folder))
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    model = BioGptForCausalLM.from_pretrained(str(folder), torch_dtype=dtype).to(device).eval()
    settings = {
        "max_new_tokens": new_tokens,
        "min_new_tokens": new_tokens,
        "do_sample": False,
        "pad_token_id": tokenizer.pad_token_id,
    }

    def one_by_one(batch: List[str]) -> None:
        for text in batch:
            ids = torch.tensor([tokenizer(text, truncation=True, max_length=900)["input_ids"]])
            with torch.inference_mode():
                model.generate(ids.to(device), **settings)

    one_by_one(texts[:1])
    synchronize(device)
    start = time.perf_counter()
    one_by_one(texts)
    synchronize(device)
    single_s = time.perf_counter() - start
    nlp = spacy.blank("en")
    nlp.add_pipe(
        "biogpt",
        config={
            "model": str(folder),
            "max_new_tokens": new_tokens,
            "generation_config": {"min_new_tokens": new_tokens},
            "dtype": "bfloat16" if device == "cuda" else "float32",
            "batch_size": 32,
        },
    )
    nlp.initialize()  # loads onto spaCy's device (require_gpu in run)
    list(nlp.pipe(texts[:2]))
    synchronize(device)
    start = time.perf_counter()
    list(nlp.pipe(texts, batch_size=len(texts)))
    synchronize(device)
    batched_s = time.perf_counter() - start
    generated = len(texts) * new_tokens
    return {
        "prompts": len(texts),
        "new tokens each": new_tokens,
        "one-by-one seconds": single_s,
        "one-by-one tokens/s": generated / single_s,
        "batched (32) seconds": batched_s,
        "batched tokens/s": generated / batched_s,
        "batched / one-by-one": single_s / batched_s,
    }


def run(
    out: Path, device: str, small: bool, n_docs: int, train_steps: int, only: Sequence[str] = ()
) -> Dict[str, Any]:
    import torch

    if device == "cuda":
        import spacy

        if not torch.cuda.is_available():
            raise SystemExit("run --device cuda: no GPU is visible to torch")
        spacy.require_gpu(0)
    header = {
        "device": torch.cuda.get_device_name(0) if device == "cuda" else platform.processor(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "small": small,
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }
    results = Results(out, header)
    work = Path(tempfile.mkdtemp())
    encoder = build_encoder(work / "encoder", small)
    texts = read_texts(n_docs)
    batch = 256 if device == "cuda" else 8
    parts: Dict[str, Callable[[], Dict[str, Any]]] = {
        "ner": lambda: part_ner(encoder, texts, device, batch),
        "annotate": lambda: part_annotate(encoder, device, work, batch),
        "train": lambda: part_train(encoder, device, work, train_steps),
        "biogpt": lambda: part_biogpt(
            device, small, 64 if device == "cuda" else 4, 32 if device == "cuda" else 4
        ),
    }
    for name, part in parts.items():
        if only and name not in only:
            continue
        start = time.perf_counter()
        try:
            values = part()
        except Exception:  # one part's failure must not cost the other parts' numbers
            values = {"error": traceback.format_exc()[-1500:]}
        values["part wall seconds"] = time.perf_counter() - start
        results.add(name, values)
        if device == "cuda":
            torch.cuda.empty_cache()
    return results.data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="stage", required=True)
    prep = sub.add_parser("prepare", help="Here: write .gpu/ and .whl/.")
    prep.add_argument("--corpora-dir", type=Path, default=ROOT.parent / "shared" / "corpora")
    prep.add_argument("--n-docs", type=int, default=4000)
    prep.add_argument("--full-texts", type=int, default=20)
    prep.add_argument("--no-wheels", action="store_true")
    go = sub.add_parser("run", help="There: measure.")
    go.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", "gpu_out")))
    go.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    go.add_argument("--small", action="store_true", help="Tiny shapes (a check on a CPU).")
    go.add_argument("--n-docs", type=int, default=0, help="Texts for the NER part (0: all).")
    go.add_argument("--train-steps", type=int, default=40)
    go.add_argument("--parts", nargs="*", default=[], help="Run only these parts.")
    args = parser.parse_args()
    if args.stage == "prepare":
        prepare(args.corpora_dir, args.n_docs, args.full_texts, not args.no_wheels)
    else:
        data = run(args.out, args.device, args.small, args.n_docs, args.train_steps, args.parts)
        print(render(data))


if __name__ == "__main__":
    main()
