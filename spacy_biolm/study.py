"""One run of the quality study: train, score, and write `results/<run>/`.

`quality_run` trains a pipeline with `spacy train` in a child process (so its
memory is the child's and is measured: peak RSS from `getrusage`), then scores its
model-best on the test splits and on BioRED dev, and writes the three files that
`quality.py` reads (run.json, test.json, biored_dev.json). run.json records what
makes the run comparable (head, seed, steps, config, training corpora, recipe and
its config overrides) and what it cost (wall time, CPU time, steps per minute,
peak RSS, torch threads), so README's tables and BENCHMARKS.md's training
throughput come from the same files.

A run is resumable: a finished model (model-best with meta.json) is not trained
again, and a finished run (every results file) is left alone.

`abbreviation_types` scores the model as en_biolm ships it, with
`biolm_abbreviations` giving a short form its long form's type (`evaluate
--abbreviation-types`); with `model_from` such a run reuses another run's model and
cost instead of training (an inference-only recipe: its row is the other run's
model scored another way).
"""

import datetime
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

import srsly
from spacy.util import load_config

from .corpora.catalog import DEFAULT_CORPORA
from .errors import Errors
from .quality import BIORED, BIORED_FILE, RUN_FILE, TEST_FILE

# The recipe name of scoring with `biolm_abbreviations` (consistent_types).
ABBREVIATION_TYPES = "abbreviation types"

HEADS: Dict[str, str] = {
    "biolm_ner": "configs/biolm_cpu.cfg",
    "spacy_ner": "configs/baseline_ner_cpu.cfg",
}


# The test splits every run of the study is scored on (BioRED's is not public).
USUAL_TESTS = tuple(sorted(name.value for name in DEFAULT_CORPORA if name.value != BIORED))


def train_paths(corpus_dir: Path, corpora: Sequence[str], split: str) -> str:
    """The merged reader's pattern for some corpora's split: a brace list, since
    `corpus/*` would also read BioRED once it is converted."""
    names = ",".join(corpora)
    return str(corpus_dir / ("{" + names + "}" if len(corpora) > 1 else names) / f"{split}.spacy")


def quality_run(
    name: str,
    *,
    head: str,
    seed: int,
    steps: int,
    corpora: Sequence[str],
    encoder: str,
    corpus_dir: Path = Path("corpus"),
    results_dir: Path = Path("results"),
    training_dir: Path = Path("training"),
    config: Optional[Path] = None,
    recipe: str = "",
    overrides: Optional[Mapping[str, Any]] = None,
    dev_corpora: Optional[Sequence[str]] = None,
    test_corpora: Optional[Sequence[str]] = None,
    warmup_steps: Optional[int] = None,
    note: str = "",
    abbreviation_types: bool = False,
    model_from: Optional[str] = None,
    label_thresholds: Optional[Mapping[str, float]] = None,
) -> Dict[str, Any]:
    """Train one run, score it, write `results_dir/name/`.

    name (str): The run's folder name under results_dir and training_dir.
    head (str): "biolm_ner" or "spacy_ner" (chooses the default config).
    seed (int): `system.seed`.
    steps (int): `training.max_steps`.
    corpora (Sequence[str]): The training corpora (folders of corpus_dir).
    encoder (str): `paths.encoder`: a Hugging Face folder.
    corpus_dir (Path): Folder of converted corpora.
    results_dir (Path): Where the run's metrics go.
    training_dir (Path): Where the run's model goes.
    config (Optional[Path]): The training config (default: HEADS[head]).
    recipe (str): Short name of what the overrides change ("" for the base recipe).
    overrides (Mapping[str, Any]): Config overrides ("components.biolm_ner.exclusive_labels": True).
    dev_corpora (Optional[Sequence[str]]): Corpora whose dev split picks model-best
        (default: the training corpora without BioRED, whose dev is the held-out test).
    test_corpora (Optional[Sequence[str]]): Corpora whose test splits are scored
        (default: the training corpora without BioRED). A recipe that trains on a
        variant folder (jnlpba_protein) or on extra corpora names the usual ones here,
        so that its test rows and their mean compare with the other runs'.
    warmup_steps (Optional[int]): `training.optimizer.learn_rate.warmup_steps`
        (default: the config's; give a share of the steps for short runs).
    note (str): Free text kept in run.json (e.g. what else ran on the machine).
    abbreviation_types (bool): Score with `biolm_abbreviations` (consistent_types)
        after the NER; the recipe gains "abbreviation types".
    model_from (Optional[str]): Score the model of this earlier run (training_dir/
        model_from) instead of training: head, seed, steps, config, corpora and
        overrides are taken from its run.json, and so is its cost.
    label_thresholds (Optional[Mapping[str, float]]): Score with these per-label
        thresholds of biolm_ner (`evaluate --label-thresholds`); the recipe names them.
    RETURNS (Dict[str, Any]): run.json's content.
    """
    if head not in HEADS:
        raise ValueError(Errors.E1161.format(head=head, heads=", ".join(HEADS)))
    config = Path(config or HEADS[head])
    missing = [c for c in corpora if not (corpus_dir / c / "train.spacy").exists()]
    if missing or not corpora:
        raise FileNotFoundError(
            Errors.E1162.format(missing=", ".join(missing) or "(none named)", corpus_dir=corpus_dir)
        )
    missing = [c for c in test_corpora or () if not (corpus_dir / c / "test.spacy").exists()]
    if missing:
        raise FileNotFoundError(
            Errors.E1165.format(
                missing=", ".join(missing), corpus_dir=corpus_dir, usual=",".join(USUAL_TESTS)
            )
        )
    out = results_dir / name
    if all((out / file).exists() for file in (RUN_FILE, TEST_FILE, BIORED_FILE)):
        return srsly.read_json(out / RUN_FILE)
    scoring = Scoring(abbreviation_types, dict(label_thresholds or {}))
    if scoring.label_thresholds:
        # Checked now, not by the scoring after hours of training.
        if model_from is not None:  # the model, and its head, of the run it rescores
            info_path = results_dir / model_from / RUN_FILE
            head = srsly.read_json(info_path)["model"] if info_path.exists() else head
            config = training_dir / model_from / "model-best" / "config.cfg"
        _check_label_thresholds(name, scoring.label_thresholds, head, config)
    recipe = " + ".join(part for part in (recipe, scoring.recipe) if part)
    if model_from is not None:
        return _rescore(
            name,
            model_from,
            corpus_dir=corpus_dir,
            results_dir=results_dir,
            training_dir=training_dir,
            recipe=recipe,
            scoring=scoring,
            note=note,
        )
    dev = [c for c in (dev_corpora or corpora) if c != BIORED] or list(corpora)
    model_dir = training_dir / name
    settings: Dict[str, Any] = {
        "paths.train": train_paths(corpus_dir, corpora, "train"),
        "paths.dev": train_paths(corpus_dir, dev, "dev"),
        "paths.encoder": encoder,
        "system.seed": seed,
        "training.max_steps": steps,
    }
    if warmup_steps is not None:
        settings["training.optimizer.learn_rate.warmup_steps"] = warmup_steps
    # spaCy evaluates every eval_frequency steps and model-best is the best of those:
    # a run shorter than that would score its untrained step-0 model.
    frequency = load_config(config, interpolate=False)["training"]["eval_frequency"]
    if steps < int(frequency):
        settings["training.eval_frequency"] = steps
    settings.update(overrides or {})
    info: Dict[str, Any] = {
        "model": head,
        "seed": seed,
        "steps": steps,
        "config": str(config),
        "train_corpora": sorted(corpora),
        "recipe": recipe,
        "overrides": dict(overrides or {}),
    }
    if test_corpora:
        info["test_corpora"] = sorted(test_corpora)
    cost = _train(config, model_dir, settings) if not _trained(model_dir) else None
    if cost is None and (out / RUN_FILE).exists():
        cost = {k: v for k, v in srsly.read_json(out / RUN_FILE).items() if k not in info}
    info.update(cost or {"wall_s": float("nan"), "note": "model trained before this run.json"})
    if note:
        info["note"] = note
    if scoring.inference:
        info["inference"] = scoring.inference
    out.mkdir(parents=True, exist_ok=True)
    srsly.write_json(out / RUN_FILE, info)
    tests = test_corpora or corpora
    _score_all(model_dir / "model-best", corpus_dir, tests, out, scoring.arguments)
    return info


def _rescore(
    name: str,
    source: str,
    *,
    corpus_dir: Path,
    results_dir: Path,
    training_dir: Path,
    recipe: str,
    scoring: "Scoring",
    note: str,
) -> Dict[str, Any]:
    """A run that scores the model of an earlier run another way (see quality_run)."""
    model_dir = training_dir / source
    if not _trained(model_dir) or not (results_dir / source / RUN_FILE).exists():
        raise FileNotFoundError(Errors.E1170.format(source=source, path=model_dir))
    info = dict(srsly.read_json(results_dir / source / RUN_FILE))
    # The model's own recipe stays in the name: "exclusive labels + abbreviation types".
    info["recipe"] = " + ".join(part for part in (info.get("recipe", ""), recipe) if part)
    info["model_from"] = source
    if scoring.inference:
        info["inference"] = scoring.inference
    if note:
        # What was said of the training stays: it is the same model.
        info["note"] = f"{note} | {info['note']}" if info.get("note") else note
    out = results_dir / name
    out.mkdir(parents=True, exist_ok=True)
    srsly.write_json(out / RUN_FILE, info)
    tests: Sequence[str] = info.get("test_corpora") or info["train_corpora"]
    _score_all(model_dir / "model-best", corpus_dir, tests, out, scoring.arguments)
    return info


def _check_label_thresholds(
    name: str, label_thresholds: Mapping[str, float], head: str, config: Path
) -> None:
    """That the run's model is a biolm_ner with these labels (head and config of
    the run it trains, or of the earlier run it rescores)."""
    pairs = ", ".join(f"{k}={v}" for k, v in sorted(label_thresholds.items()))
    if head != "biolm_ner":
        problem = f"is a setting of biolm_ner, and this run's head is {head}"
        raise ValueError(Errors.E1095.format(name=name, pairs=pairs, problem=problem))
    if not config.exists():
        return  # a missing model is E1170's to report
    labels = load_config(config, interpolate=False)["components"]["biolm_ner"].get("labels")
    unknown = sorted(set(label_thresholds) - set(labels or label_thresholds))
    if unknown:
        problem = f"names {', '.join(unknown)}; the model's labels are {', '.join(labels)}"
        raise ValueError(Errors.E1095.format(name=name, pairs=pairs, problem=problem))


@dataclass
class Scoring:
    """How a run's model is scored beyond its own config (inference-only settings).

    abbreviation_types (bool): With `biolm_abbreviations` (consistent_types).
    label_thresholds (Dict[str, float]): Per-label thresholds of biolm_ner.
    """

    abbreviation_types: bool = False
    label_thresholds: Dict[str, float] = field(default_factory=dict)

    @property
    def recipe(self) -> str:
        """Its part of the recipe name: "abbreviation types + Gene threshold 0.7"."""
        parts = [ABBREVIATION_TYPES] if self.abbreviation_types else []
        parts += [f"{label} threshold {t:g}" for label, t in sorted(self.label_thresholds.items())]
        return " + ".join(parts)

    @property
    def inference(self) -> Dict[str, Any]:
        """run.json's "inference": the settings, as config paths."""
        settings: Dict[str, Any] = {}
        if self.abbreviation_types:
            settings["biolm_abbreviations.consistent_types"] = True
        if self.label_thresholds:
            settings["biolm_ner.label_thresholds"] = dict(sorted(self.label_thresholds.items()))
        return settings

    @property
    def arguments(self) -> List[str]:
        """The `evaluate` options that score this way."""
        extra = ["--abbreviation-types"] if self.abbreviation_types else []
        if self.label_thresholds:
            pairs = ",".join(f"{k}={v!r}" for k, v in sorted(self.label_thresholds.items()))
            extra += ["--label-thresholds", pairs]
        return extra


def _score_all(
    model: Path, corpus_dir: Path, corpora: Sequence[str], out: Path, extra: Sequence[str]
) -> None:
    """Score a model on some corpora's test splits and on BioRED dev."""
    test = [c for c in corpora if c != BIORED and (corpus_dir / c / "test.spacy").exists()]
    _score(model, corpus_dir, "test", test, out / TEST_FILE, extra)
    if (corpus_dir / BIORED / "dev.spacy").exists():
        _score(model, corpus_dir, "dev", [BIORED], out / BIORED_FILE, extra)


def _trained(model_dir: Path) -> bool:
    return (model_dir / "model-best" / "meta.json").exists()


def _train(config: Path, model_dir: Path, settings: Mapping[str, Any]) -> Dict[str, Any]:
    """Run `spacy train` in a child process. RETURNS: its cost."""
    command = [sys.executable, "-m", "spacy", "train", str(config), "--output", str(model_dir)]
    for key, value in settings.items():
        text = value if isinstance(value, str) else json.dumps(value)
        command += [f"--{key}", text]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    steps = int(settings["training.max_steps"])
    return {
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "steps_per_min": round(steps / (wall / 60), 2) if wall else None,
        # ru_maxrss is in KiB on Linux: the largest child so far, this one if it is
        # the run's only training.
        "peak_rss_mb": round(after.ru_maxrss / 1024),
        "torch_threads": os.environ.get("OMP_NUM_THREADS", "default"),
        "date": datetime.date.today().isoformat(),
    }


def _score(
    model: Path,
    corpus_dir: Path,
    split: str,
    corpora: Sequence[str],
    path: Path,
    extra: Sequence[str] = (),
) -> None:
    """`evaluate` in a child process, so that one run's memory is freed for the next."""
    if path.exists() or not corpora:
        return
    command = [sys.executable, "-m", "spacy_biolm", "evaluate", str(model), str(corpus_dir)]
    command += ["--split", split, "--corpora", ",".join(corpora), "--output", str(path)]
    command += list(extra)
    subprocess.run(command, check=True)
