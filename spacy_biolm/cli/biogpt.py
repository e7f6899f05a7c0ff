"""`convert-biogpt`: a fairseq BioGPT checkpoint to a Hugging Face folder;
`evaluate-pubmedqa` and `evaluate-relations`: the BioGPT card's numbers, measured."""

from pathlib import Path
from typing import Any, Dict, Optional

import typer
from wasabi import msg

from ..biogpt.fairseq import convert_fairseq_checkpoint
from ._app import app


@app.command("convert-biogpt")
def convert_biogpt_cli(
    fairseq_dir: Path = typer.Argument(
        ..., help="fairseq checkpoint folder: the checkpoint, dict.txt and bpecodes."
    ),
    output_dir: Path = typer.Argument(..., help="Folder to write the Hugging Face model to."),
    checkpoint: str = typer.Option(
        "checkpoint.pt", "--checkpoint", "-c", help="Checkpoint file name in FAIRSEQ_DIR."
    ),
    trust_checkpoint: bool = typer.Option(
        False,
        "--trust-checkpoint",
        help="Unpickle any object in the checkpoint (it can run code: trusted files only).",
    ),
) -> None:
    """Convert a fairseq BioGPT checkpoint (e.g. the RE-DDI, RE-DTI, RE-BC5CDR or
    PubMedQA fine-tunes) into a folder that the `biogpt` component loads:
    `--components.biogpt.model OUTPUT_DIR`.
    """
    convert_fairseq_checkpoint(
        fairseq_dir, output_dir, checkpoint_name=checkpoint, trust_checkpoint=trust_checkpoint
    )
    msg.good(f"Wrote a Hugging Face BioGPT to {output_dir}")


GPU_HELP = "GPU id, or -1 for CPU."
MODEL_HELP = (
    "A BioGPT (Hugging Face name or folder, e.g. microsoft/BioGPT-Large-PubMedQA or "
    "`convert-biogpt` output), or a spaCy pipeline with a biogpt component."
)
OUTPUT_HELP = "The scores (JSON); their markdown table goes beside it (.md)."
LOWER_HELP = (
    "Lowercase the prompts (default: the task's: qa no, relations yes). BioGPT's "
    "base-size PubMedQA fine-tune (QA-PubMedQA-BioGPT) was trained on lowercased text."
)
CORPORA_HELP = "Folder with {folder}/ laid out like assets/ (e.g. ../shared/corpora)."


@app.command("evaluate-pubmedqa")
def evaluate_pubmedqa_cli(
    model: str = typer.Argument(..., help=MODEL_HELP),
    corpora_dir: Path = typer.Argument(..., help=CORPORA_HELP.format(folder="pubmedqa")),
    output: Path = typer.Option(Path("metrics/pubmedqa.json"), "--output", "-o", help=OUTPUT_HELP),
    max_questions: int = typer.Option(
        0, "--max", help="Only the first N test questions (0: all 500)."
    ),
    batch_size: int = typer.Option(8, help="Prompts per forward pass."),
    lowercase: Optional[bool] = typer.Option(None, "--lowercase/--no-lowercase", help=LOWER_HELP),
    gpu_id: int = typer.Option(-1, "--gpu-id", help=GPU_HELP),
) -> None:
    """PubMedQA (reasoning-required, official 500 test questions): accuracy,
    macro-F1, confusion matrix and words/s of a BioGPT's yes/no/maybe answers."""
    from ..biogpt import evaluate as ev

    nlp = _pipeline(model, "qa", batch_size, lowercase, gpu_id)
    try:
        questions = ev.read_pubmedqa(corpora_dir, max_questions=max_questions)
        if not max_questions:
            ev.check_official_split(questions, corpora_dir / ev.PUBMEDQA_DIR / ev.GROUND_TRUTH_FILE)
        results = ev.evaluate_pubmedqa(nlp, questions, batch_size=batch_size * 8, progress=True)
    except (OSError, ValueError) as err:
        msg.fail("Cannot evaluate on PubMedQA", str(err), exits=1)
    results["model"] = model
    _write(results, ev.pubmedqa_markdown(results, model), output)


@app.command("evaluate-relations")
def evaluate_relations_cli(
    model: str = typer.Argument(..., help=MODEL_HELP),
    corpora_dir: Path = typer.Argument(..., help=CORPORA_HELP.format(folder="bc5cdr")),
    output: Path = typer.Option(
        Path("metrics/relations_bc5cdr.json"), "--output", "-o", help=OUTPUT_HELP
    ),
    max_docs: int = typer.Option(0, "--max", help="Only the first N test documents (0: all 500)."),
    batch_size: int = typer.Option(8, help="Prompts per forward pass."),
    lowercase: Optional[bool] = typer.Option(None, "--lowercase/--no-lowercase", help=LOWER_HELP),
    gpu_id: int = typer.Option(-1, "--gpu-id", help=GPU_HELP),
) -> None:
    """BC5CDR chemical-induced disease relations (test set): document-level
    (chemical MeSH, disease MeSH) P/R/F of a BioGPT relation fine-tune's output,
    names grounded to the document's entities (a name that matches none is a false
    positive, counted apart as unmatched)."""
    from ..biogpt import evaluate as ev

    nlp = _pipeline(model, "relations", batch_size, lowercase, gpu_id)
    try:
        documents = ev.read_bc5cdr_test(corpora_dir, max_docs=max_docs)
        results = ev.evaluate_relations(nlp, documents, batch_size=batch_size * 8, progress=True)
    except (OSError, ValueError) as err:
        msg.fail("Cannot evaluate on BC5CDR relations", str(err), exits=1)
    results["model"] = model
    _write(results, ev.relations_markdown(results, model), output)


def _pipeline(
    model: str, task: str, batch_size: int, lowercase: Optional[bool], gpu_id: int
) -> Any:
    import spacy

    from ..biogpt.evaluate import biogpt_pipeline

    if not model:
        msg.fail("No BioGPT given: name one (with spacy project: --vars.biogpt MODEL)", exits=1)
    if gpu_id >= 0:
        spacy.require_gpu(gpu_id)
    try:
        return biogpt_pipeline(model, task, batch_size=batch_size, lowercase=lowercase)
    except (OSError, ValueError) as err:
        msg.fail(f"Cannot load {model}", str(err), exits=1)


def _write(results: Dict[str, Any], markdown: str, output: Path) -> None:
    from ..biogpt.evaluate import write_metrics

    print(markdown)
    for path in write_metrics(results, markdown, output):
        msg.good(f"Wrote {path}")
