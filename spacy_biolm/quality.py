"""The quality comparison tables of README, built from the metrics of training runs.

A run folder `results/<run>/` holds:

- run.json: {"model": "biolm_ner" | "spacy_ner", "seed": int, "steps": int,
  "config": str, "train_corpora": [...], "wall_s": float}, the cost `quality-run`
  measures ("cpu_s", "peak_rss_mb", "torch_threads", "date"), and optionally
  "recipe" (a short name of what the run changes, e.g. "exclusive labels") with
  "overrides" (the config overrides that make it);
- test.json: `evaluate MODEL corpus --split test --output` (per corpus and type);
- biored_dev.json: `evaluate MODEL corpus --split dev --corpora biored --output`
  (every type on fully annotated documents), where the run has one.

Runs that differ only in their seed form a variant (same model, steps, config,
recipe and training corpora). Every cell is the mean over the variant's seeds ± their sample
standard deviation (for two seeds: the difference / √2), with the number of seeds
where it is not the same for all. The mean-of-rows line is the mean F over a run's
corpus/type rows (each weighs the same), then its mean and spread over seeds.
"""

import fnmatch
import json
import math
import re
import shlex
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Literal, Optional, Sequence, Tuple

import srsly
from wasabi import MarkdownRenderer

from .errors import Errors

RUN_FILE = "run.json"
TEST_FILE = "test.json"
BIORED_FILE = "biored_dev.json"
RUN_KEYS = ("model", "seed", "steps", "config", "train_corpora", "wall_s")
BIORED = "biored"
# (corpus, type): "all" is the corpus's overall score.
Row = Tuple[str, str]
# model, steps, config, training corpora, recipe, what the recipe sets (its config
# overrides and inference settings as sorted JSON: two recipes given one name apart)
VariantKey = Tuple[str, int, str, Tuple[str, ...], str, str]


@dataclass
class Run:
    """One training run: its settings and metrics.

    name (str): The run folder's name.
    info (Dict[str, Any]): run.json.
    test (Optional[Dict[str, Any]]): test.json, if there.
    biored_dev (Optional[Dict[str, Any]]): biored_dev.json, if there.
    """

    name: str
    info: Dict[str, Any]
    test: Optional[Dict[str, Any]] = None
    biored_dev: Optional[Dict[str, Any]] = None

    @property
    def variant(self) -> VariantKey:
        """What the run shares with the other seeds of its variant."""
        info = self.info
        corpora = tuple(sorted(info["train_corpora"]))
        settings = json.dumps(
            {"overrides": info.get("overrides") or {}, "inference": info.get("inference") or {}},
            sort_keys=True,
        )
        return (
            info["model"],
            info["steps"],
            info["config"],
            corpora,
            info.get("recipe", ""),
            settings,
        )


@dataclass
class Variant:
    """The runs of one setting, over seeds.

    key (VariantKey): model, steps, config, train corpora, recipe, its settings.
    label (str): The column name.
    runs (List[Run]): Its runs, by seed.
    """

    key: VariantKey
    label: str = ""
    runs: List[Run] = field(default_factory=list)


def load_runs(results_dir: Path) -> List[Run]:
    """Every run folder under results_dir (one with a run.json), by name.

    results_dir (Path): The folder of run folders.
    RETURNS (List[Run]): The runs.
    """
    runs = []
    for path in sorted(results_dir.glob(f"*/{RUN_FILE}")):
        info = srsly.read_json(path)
        missing = [key for key in RUN_KEYS if not isinstance(info, dict) or key not in info]
        if missing:
            problem = f"run.json lacks {', '.join(missing)}"
            raise ValueError(Errors.E1086.format(path=path, problem=problem))
        folder = path.parent
        runs.append(
            Run(
                folder.name,
                info,
                test=_read_optional(folder / TEST_FILE),
                biored_dev=_read_optional(folder / BIORED_FILE),
            )
        )
    if not runs:
        raise ValueError(Errors.E1086.format(path=results_dir, problem="no */run.json"))
    return runs


def _read_optional(path: Path) -> Optional[Dict[str, Any]]:
    return srsly.read_json(path) if path.exists() else None


def group_variants(runs: Sequence[Run]) -> List[Variant]:
    """The runs grouped by variant, each labelled by the settings that tell the
    variants apart (the model always; steps, config and training corpora where
    they differ between the variants of its model), ordered by label.

    runs (Sequence[Run]): The runs.
    RETURNS (List[Variant]): The variants, each with its runs sorted by seed.
    """
    variants: Dict[VariantKey, Variant] = {}
    for run in runs:
        variants.setdefault(run.variant, Variant(run.variant)).runs.append(run)
    keys = list(variants)
    for key, variant in variants.items():
        variant.runs.sort(key=lambda run: run.info["seed"])
        variant.label = _label(key, keys)
    labels = Counter(variant.label for variant in variants.values())
    for variant in variants.values():
        if labels[variant.label] > 1:
            # Same name, other settings: never averaged together, told apart by run.
            variant.label += f" ({variant.runs[0].name})"
    return sorted(variants.values(), key=lambda variant: variant.label)


def _label(
    key: VariantKey,
    keys: Sequence[VariantKey],
) -> str:
    model, steps, config, corpora, recipe, _ = key

    def varies(index: int) -> bool:
        # Among the variants of this model: each model has its own config.
        return len({k[index] for k in keys if k[0] == model}) > 1

    parts = [model]
    if varies(1):
        parts.append(f"{steps} steps")
    if varies(2):
        parts.append(config)
    if varies(3):
        parts.append(("+" if BIORED in corpora else "-") + "BioRED")
        others = {c for k in keys for c in k[3]} - {BIORED}
        kept = sorted(others.intersection(corpora))
        left_out = sorted(others.difference(corpora))
        if len(kept) < len(left_out):
            parts.append("only " + ", ".join(kept))
        elif left_out:
            parts.append("without " + ", ".join(left_out))
    if recipe:
        parts.append(recipe)
    return " · ".join(parts)


@dataclass(frozen=True)
class Spread:
    """Mean and sample standard deviation of a score over seeds.

    mean (Optional[float]): The mean; None when no seed has the score.
    sd (Optional[float]): The sample standard deviation; None for one seed.
    n (int): The number of seeds with the score.
    """

    mean: Optional[float]
    sd: Optional[float]
    n: int

    @classmethod
    def of(cls, values: Sequence[Optional[float]]) -> "Spread":
        """The spread of the values that are not None."""
        known = [value for value in values if value is not None]
        if not known:
            return cls(None, None, 0)
        sd = statistics.stdev(known) if len(known) > 1 else None
        return cls(statistics.fmean(known), sd, len(known))

    def cell(self, seeds: int) -> str:
        """'74.1 ± 0.4' in percent, with '(n=1)' where fewer than `seeds` seeds have it."""
        if self.mean is None:
            return "-"
        text = f"{100 * self.mean:.1f}"
        if self.sd is not None:
            text += f" ± {100 * self.sd:.1f}"
        if self.n < seeds:
            text += f" (n={self.n})"
        return text


def test_rows(metrics: Dict[str, Any]) -> Dict[Row, Dict[str, Any]]:
    """The (corpus, type) rows of an `evaluate` result: strict P/R/F and overlap F
    per type, and each corpus's overall row ("all").

    metrics (Dict[str, Any]): What `evaluate --output` writes.
    RETURNS (Dict[Row, Dict[str, Any]]): Row -> {"p", "r", "f", "overlap_f"}.
    """
    rows: Dict[Row, Dict[str, Any]] = {}
    for corpus, res in metrics["corpora"].items():
        rows[corpus, "all"] = {
            **{key: res.get(f"ents_{key}") for key in "prf"},
            "overlap_f": res.get("ents_overlap_f"),
        }
        overlap = res.get("ents_overlap_per_type") or {}
        for label, prf in sorted((res.get("ents_per_type") or {}).items()):
            rows[corpus, label] = {
                **{key: prf.get(key) for key in "prf"},
                "overlap_f": (overlap.get(label) or {}).get("f"),
            }
    return rows


def mean_of_type_rows(metrics: Dict[str, Any]) -> Optional[float]:
    """The mean strict F over a result's corpus/type rows (not the "all" rows),
    each weighing the same: the headline number of the comparison."""
    return mean_of_type_rows_of(test_rows(metrics))


def test_table(variants: Sequence[Variant]) -> str:
    """Strict F per corpus/type row on the test splits, a column per variant (mean ±
    sd over seeds), and the mean of the type rows."""
    with_test = [v for v in variants if any(run.test for run in v.runs)]
    per_variant = [
        [test_rows(run.test) for run in variant.runs if run.test] for variant in with_test
    ]
    rows = sorted(
        {row for results in per_variant for result in results for row in result},
        key=lambda row: (row[0], row[1] != "all", row[1]),
    )
    table = []
    for row in rows:
        cells = []
        for results in per_variant:
            spread = Spread.of([result.get(row, {}).get("f") for result in results])
            cells.append(spread.cell(len(results)))
        table.append([row[0], row[1], *cells])
    means = [
        Spread.of([mean_of_type_rows(run.test) for run in variant.runs if run.test])
        for variant in with_test
    ]
    table.append(["mean of type rows", "", *(m.cell(len(r)) for m, r in zip(means, per_variant))])
    header = ["corpus", "type", *(_column(v, "test") for v in with_test)]
    right: List[Literal["l", "r", "c"]] = ["r"] * len(with_test)
    aligns: List[Literal["l", "r", "c"]] = ["l", "l", *right]
    return MarkdownRenderer().table(table, header, aligns=aligns)


def biored_table(variants: Sequence[Variant]) -> str:
    """BioRED dev, every type scored: strict and overlap P/R/F per type and overall,
    a row block per variant (mean ± sd over seeds)."""
    table = []
    for variant in variants:
        results = [run.biored_dev["corpora"][BIORED] for run in variant.runs if run.biored_dev]
        if not results:
            continue
        labels = sorted({label for res in results for label in res.get("ents_per_type") or {}})
        for label in ["all", *labels]:
            cells = [
                Spread.of([_biored_score(res, label, kind, key) for res in results]).cell(
                    len(results)
                )
                for kind in ("strict", "overlap")
                for key in "prf"
            ]
            table.append([variant.label, label, *cells])
    header = ["model", "type", "P", "R", "F", "overlap P", "overlap R", "overlap F"]
    return MarkdownRenderer().table(table, header, aligns=["l", "l", *("r" * 6)])


def summary_table(variants: Sequence[Variant]) -> str:
    """A row per variant with a BioRED dev result: all-type F, P / R / F of
    Chemical and Gene (the types whose precision the issue's target compares),
    F of Disease and Species, and the mean of the test type rows; each a mean ±
    sd over seeds. README's first table.

    variants (Sequence[Variant]): The variants.
    RETURNS (str): A markdown table.
    """
    table = []
    for variant in variants:
        results = [run.biored_dev["corpora"][BIORED] for run in variant.runs if run.biored_dev]
        if not results:
            continue
        tests = [run for run in variant.runs if run.test]
        test_mean = Spread.of([mean_of_type_rows(run.test) for run in tests if run.test])
        table.append(
            [
                _column(variant, "biored_dev"),
                _strict_cell(results, "all", "f"),
                " / ".join(_strict_cell(results, "Chemical", key) for key in "prf"),
                _strict_cell(results, "Disease", "f"),
                " / ".join(_strict_cell(results, "Gene", key) for key in "prf"),
                _strict_cell(results, "Species", "f"),
                test_mean.cell(len(tests)),
            ]
        )
    header = [
        "model (seeds)",
        "all-type F",
        "Chemical P / R / F",
        "Disease F",
        "Gene P / R / F",
        "Species F",
        "test: mean of type rows",
    ]
    return MarkdownRenderer().table(table, header, aligns=["l", "r", "l", "r", "l", "r", "r"])


def _strict_cell(results: Sequence[Dict[str, Any]], label: str, key: str) -> str:
    values = [_biored_score(res, label, "strict", key) for res in results]
    return Spread.of(values).cell(len(results))


def _biored_score(res: Dict[str, Any], label: str, kind: str, key: str) -> Optional[float]:
    if label == "all":
        return res.get(f"ents_{key}" if kind == "strict" else f"ents_overlap_{key}")
    table = res.get("ents_per_type" if kind == "strict" else "ents_overlap_per_type") or {}
    return (table.get(label) or {}).get(key)


def cross_type_table(variants: Sequence[Variant]) -> str:
    """BioRED dev: the false positives that sit on a gold entity of another type,
    per variant (summed over seeds), with the most frequent type pairs."""
    table = []
    for variant in variants:
        crosses = [
            run.biored_dev["corpora"][BIORED].get("ents_cross_type") or {}
            for run in variant.runs
            if run.biored_dev
        ]
        if not crosses:
            continue
        false_positives = sum(cross.get("false_positives", 0) for cross in crosses)
        on_other = sum(cross.get("on_other_type", 0) for cross in crosses)
        pairs: Dict[str, int] = {}
        for cross in crosses:
            for pair, n in (cross.get("pairs") or {}).items():
                pairs[pair] = pairs.get(pair, 0) + n
        top = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))[:4]
        share = f"{100 * on_other / false_positives:.1f}" if false_positives else "-"
        table.append(
            [
                variant.label,
                str(len(crosses)),
                f"{on_other:,} / {false_positives:,}",
                share,
                ", ".join(f"{pair} {n}" for pair, n in top),
            ]
        )
    header = ["model", "seeds", "on another type / FPs", "%", "most frequent (predicted->gold)"]
    return MarkdownRenderer().table(table, header, aligns=["l", "r", "r", "r", "l"])


def _column(variant: Variant, kind: str) -> str:
    seeds = [str(run.info["seed"]) for run in variant.runs if getattr(run, kind)]
    return f"{variant.label} (seeds {', '.join(seeds)})"


def protocol(variants: Sequence[Variant]) -> str:
    """One line per variant: model, steps, config, training corpora, seeds and the
    mean wall time of its runs."""
    lines = []
    for variant in variants:
        model, steps, config, corpora, _, _ = variant.key
        seeds = ", ".join(str(run.info["seed"]) for run in variant.runs)
        wall = statistics.fmean(float(run.info["wall_s"]) for run in variant.runs)
        overrides = variant.runs[0].info.get("overrides") or {}
        changed = "".join(f", `--{key} {value}`" for key, value in overrides.items())
        lines.append(
            f"- **{variant.label}**: `{model}`, {steps:,} steps, `{config}`{changed}, trained "
            f"on {', '.join(corpora)}; seeds {seeds}; {_minutes(wall)} per run "
            f"({', '.join(run.name for run in variant.runs)})"
        )
    return "\n".join(lines)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if math.isfinite(seconds) else "-"


def cost_table(runs: Sequence[Run]) -> str:
    """What each training cost, from its run.json, a row per trained run (rescorings
    of another run's model, `model_from`, trained nothing and are left out), by date
    and name: CPU time (user + sys of `spacy train`, its dev evaluations included,
    the test and BioRED scoring not), wall time, training steps
    per CPU-minute, peak RSS and the torch threads it ran with. A value run.json
    does not hold (runs from before `quality-run` measured it) shows as "-".

    runs (Sequence[Run]): The runs.
    RETURNS (str): A markdown table.
    """
    table = []
    trained = [run for run in runs if not run.info.get("model_from")]
    for run in sorted(trained, key=lambda run: (str(run.info.get("date", "")), run.name)):
        info = run.info
        cpu = _number(info.get("cpu_s"))
        rss = _number(info.get("peak_rss_mb"))
        steps = int(info["steps"])
        table.append(
            [
                run.name,
                info.get("recipe") or "",
                f"`{info['model']}`",
                f"{steps:,}",
                str(len(info["train_corpora"])),
                str(info.get("torch_threads", "-")),
                f"{cpu:,.0f} s" if cpu else "-",
                _hours(float(info["wall_s"])),
                f"{steps / (cpu / 60):.1f}" if cpu else "-",
                f"{rss / 1024:.1f} GiB" if rss else "-",
                str(info.get("date", "-")),
            ]
        )
    header = [
        "run",
        "recipe",
        "head",
        "steps",
        "corpora",
        "torch threads",
        "CPU time",
        "wall",
        "steps per CPU-minute",
        "peak RSS",
        "date",
    ]
    return MarkdownRenderer().table(table, header, aligns=["l", "l", "l", *("r" * 7), "l"])


def _number(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and value > 0 else None


def _hours(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "-"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def select_runs(runs: Sequence[Run], patterns: Sequence[str], where: Path) -> List[Run]:
    """The runs whose folder name matches one of the glob patterns (all runs when
    there are none).

    runs (Sequence[Run]): The runs.
    patterns (Sequence[str]): fnmatch patterns, e.g. "*_2k".
    where (Path): The results folder, for the error message.
    RETURNS (List[Run]): The matching runs.
    """
    if not patterns:
        return list(runs)
    chosen = [run for run in runs if any(fnmatch.fnmatchcase(run.name, p) for p in patterns)]
    if not chosen:
        problem = f"no run folder matches --select {' '.join(patterns)}"
        raise ValueError(Errors.E1090.format(path=where, problem=problem))
    return chosen


def one_variant(variants: Sequence[Variant], pattern: str, where: Path) -> Variant:
    """The runs whose folder name matches the glob pattern, as one variant: they
    must be seeds of one setting. Runs of that setting the pattern does not match
    are left out (`biolm_ner_s0_2k` compares seed 0 alone).

    variants (Sequence[Variant]): The variants (after --select).
    pattern (str): An fnmatch pattern over run folder names, e.g. "biolm_ner_s*_2k".
    where (Path): The results folder, for the error message.
    RETURNS (Variant): The variant; a ValueError where no run or runs of several
        settings match, or two matching runs have one seed.
    """
    hits = [
        (variant, [run for run in variant.runs if fnmatch.fnmatchcase(run.name, pattern)])
        for variant in variants
    ]
    hits = [(variant, runs) for variant, runs in hits if runs]
    if not hits:
        problem = f"--lead: no run (among those --select kept) matches {pattern!r}"
        raise ValueError(Errors.E1090.format(path=where, problem=problem))
    if len(hits) > 1:
        found = "; ".join(f"{v.label}: {', '.join(r.name for r in runs)}" for v, runs in hits)
        problem = (
            f"--lead: {pattern!r} matches runs of {len(hits)} settings ({found}), and a "
            "lead compares the seeds of one setting with another's; narrow the glob"
        )
        raise ValueError(Errors.E1090.format(path=where, problem=problem))
    variant, runs = hits[0]
    seeds = Counter(run.info["seed"] for run in runs)
    twice = sorted(seed for seed, n in seeds.items() if n > 1)
    if twice:
        names = ", ".join(run.name for run in runs if run.info["seed"] in twice)
        problem = (
            f"--lead: {pattern!r} matches two runs of one setting with the same seed "
            f"({names}); a seed counts once: narrow the glob to one of them"
        )
        raise ValueError(Errors.E1090.format(path=where, problem=problem))
    return Variant(variant.key, variant.label, runs)


def lead_table(ours: Variant, baseline: Variant) -> str:
    """Per corpus/type test row: the two variants' strict F (mean ± sd over seeds),
    the difference of the means and the difference within each seed both ran, then
    the same for the mean of the type rows: the issue's "ahead on every row (mean
    over seeds)" and "mean lead" read off one table. The mean is over the rows
    every run of both variants scores (a row one of them lacks is shown, not
    averaged), and the header says so where the two variants' seeds differ.

    ours (Variant): The model under test (seeds unique: see one_variant).
    baseline (Variant): What it is compared with.
    RETURNS (str): A markdown table.
    """
    ours_runs = {run.info["seed"]: test_rows(run.test) for run in ours.runs if run.test}
    base_runs = {run.info["seed"]: test_rows(run.test) for run in baseline.runs if run.test}
    shared_seeds = sorted(set(ours_runs) & set(base_runs))
    every = [*ours_runs.values(), *base_runs.values()]
    rows = sorted(
        {row for res in every for row in res if row[1] != "all"},
        key=lambda row: (row[0], row[1]),
    )
    shared_rows = [
        row for row in rows if all(res.get(row, {}).get("f") is not None for res in every)
    ]
    table = []
    ahead = 0
    for row in rows:
        mine = Spread.of([res.get(row, {}).get("f") for res in ours_runs.values()])
        theirs = Spread.of([res.get(row, {}).get("f") for res in base_runs.values()])
        per_seed = [
            _difference(
                ours_runs[seed].get(row, {}).get("f"), base_runs[seed].get(row, {}).get("f")
            )
            for seed in shared_seeds
        ]
        delta = "-"
        if mine.mean is not None and theirs.mean is not None:
            delta = f"{100 * (mine.mean - theirs.mean):+.1f}"
            ahead += row in shared_rows and mine.mean >= theirs.mean
        table.append(
            [
                row[0],
                row[1],
                theirs.cell(len(base_runs)),
                mine.cell(len(ours_runs)),
                delta,
                ", ".join(per_seed),
            ]
        )

    def mean(res: Dict[Row, Dict[str, Any]]) -> Optional[float]:
        return statistics.fmean(res[row]["f"] for row in shared_rows) if shared_rows else None

    mine_mean = Spread.of([mean(res) for res in ours_runs.values()])
    theirs_mean = Spread.of([mean(res) for res in base_runs.values()])
    delta = "-"
    if mine_mean.mean is not None and theirs_mean.mean is not None:
        delta = f"{100 * (mine_mean.mean - theirs_mean.mean):+.1f}"
    label = f"mean of {len(shared_rows)} type rows"
    if len(shared_rows) < len(rows):
        label += " (those both score)"
    table.append(
        [
            label,
            f"ahead on {ahead} of {len(shared_rows)}",
            theirs_mean.cell(len(base_runs)),
            mine_mean.cell(len(ours_runs)),
            delta,
            ", ".join(
                _difference(mean(ours_runs[seed]), mean(base_runs[seed])) for seed in shared_seeds
            ),
        ]
    )
    seeds = ", ".join(str(seed) for seed in shared_seeds) or "none shared"
    of_means = "ΔF of the means"
    if set(ours_runs) != set(base_runs):
        of_means += " (over different seeds)"
    header = [
        "corpus",
        "type",
        _column(baseline, "test"),
        _column(ours, "test"),
        of_means,
        f"ΔF per seed ({seeds})",
    ]
    return MarkdownRenderer().table(table, header, aligns=["l", "l", "r", "r", "r", "r"])


def mean_of_type_rows_of(rows: Dict[Row, Dict[str, Any]]) -> Optional[float]:
    """mean_of_type_rows over rows test_rows already built."""
    known = [
        row["f"] for (_, label), row in rows.items() if label != "all" and row["f"] is not None
    ]
    return sum(known) / len(known) if known else None


def _difference(a: Optional[float], b: Optional[float]) -> str:
    return "-" if a is None or b is None else f"{100 * (a - b):+.1f}"


# The sections quality_markdown can print alone (`quality-table --section`).
SECTIONS = ("runs", "test", "lead", "glance", "biored", "cross", "cost")


def quality_markdown(
    results_dir: Path,
    select: Sequence[str] = (),
    leads: Sequence[Tuple[str, str]] = (),
    sections: Sequence[str] = (),
) -> str:
    """The comparison section README carries: the runs, the per-corpus test table,
    the lead tables, BioRED dev at a glance and per type (strict and overlap), the
    cross-type false positives and what each training cost (BENCHMARKS'
    training-throughput table).

    results_dir (Path): The folder of run folders.
    select (Sequence[str]): Only the runs whose folder name matches one of these
        glob patterns (default: all).
    leads (Sequence[Tuple[str, str]]): (ours, baseline) pairs of run-name glob
        patterns, each matching the seeds of one setting: a lead table per pair
        (lead_table).
    sections (Sequence[str]): Only these tables (names in SECTIONS), without
        headings: what README embeds, which a test rebuilds and compares.
    RETURNS (str): Markdown.
    """
    unknown = [name for name in sections if name not in SECTIONS]
    if unknown:
        problem = f"no section {', '.join(unknown)}; the sections are {', '.join(SECTIONS)}"
        raise ValueError(Errors.E1090.format(path=results_dir, problem=problem))
    variants = group_variants(select_runs(load_runs(results_dir), select, results_dir))
    has_biored = any(run.biored_dev for variant in variants for run in variant.runs)
    tables: List[Tuple[str, str, str]] = [
        ("runs", "### Runs", protocol(variants)),
        (
            "test",
            "### Test splits: strict F per corpus and type (mean ± sd over seeds)",
            test_table(variants),
        ),
    ]
    for ours_pattern, baseline_pattern in leads:
        ours = one_variant(variants, ours_pattern, results_dir)
        baseline = one_variant(variants, baseline_pattern, results_dir)
        heading = f"### {ours.label} vs {baseline.label}: test F per row, mean over seeds"
        tables.append(("lead", heading, lead_table(ours, baseline)))
    if has_biored:
        tables += [
            (
                "glance",
                "### BioRED dev at a glance (strict, mean ± sd over seeds)",
                summary_table(variants),
            ),
            (
                "biored",
                "### BioRED dev, every type scored (mean ± sd over seeds)",
                biored_table(variants),
            ),
            (
                "cross",
                "### BioRED dev: false positives on a gold entity of another type",
                cross_type_table(variants),
            ),
        ]
    tables.append(
        (
            "cost",
            "### Training cost (from run.json: `spacy train` with its dev evaluations)",
            cost_table([run for variant in variants for run in variant.runs]),
        )
    )
    if sections:
        return "\n\n".join(table for name, _, table in tables if name in sections) + "\n"
    command = quality_command(results_dir, select, leads)
    parts = [
        f"<!-- Generated by `{command}` from "
        f"{results_dir}/*/{{run,test,biored_dev}}.json; do not edit. -->",
        "# Quality runs\n\nOne folder per training run: `run.json` (model, seed, steps, "
        "config, train_corpora, wall_s), `test.json` (`evaluate MODEL corpus --split "
        "test --output …`) and `biored_dev.json` (`evaluate MODEL corpus --split dev "
        "--corpora biored --output …`). A cell is the mean over a setting's seeds ± "
        "their sample standard deviation, in %.",
        *(f"{heading}\n\n{table}" for _, heading, table in tables),
    ]
    return "\n\n".join(parts) + "\n"


def quality_command(
    results_dir: Path,
    select: Sequence[str] = (),
    leads: Sequence[Tuple[str, str]] = (),
    sections: Sequence[str] = (),
) -> str:
    """The `quality-table` command line that prints these tables."""
    command = f"python -m spacy_biolm quality-table {results_dir}"
    command += "".join(f" --select '{pattern}'" for pattern in select)
    command += "".join(f" --lead '{a},{b}'" for a, b in leads)
    command += "".join(f" --section {name}" for name in sections)
    return command


# A table a markdown file embeds, kept equal to quality-table's output:
# <!-- quality-table results --select '*_2k' --section glance -->
# (the table)
# <!-- /quality-table -->
OPEN_MARKER = "<!-- quality-table"
CLOSE_MARKER = "<!-- /quality-table -->"
BLOCK = re.compile(
    r"(?P<open><!-- quality-table (?P<args>[^\n]*?) -->\n)"
    r"(?P<body>(?:(?!<!-- quality-table).)*?)"
    r"(?P<close><!-- /quality-table -->)",
    re.DOTALL,
)
BLOCK_OPTIONS = ("--select", "--lead", "--section")


def update_blocks(text: str, root: Path = Path(".")) -> str:
    """The markdown text with each embedded quality-table block rebuilt from the
    results its arguments name (a results folder relative to root, then --select,
    --lead and at least one --section, as on the command line).

    text (str): Markdown, e.g. README.md.
    root (Path): What the blocks' results folders are relative to.
    RETURNS (str): The text with current tables; a ValueError where a marker is
        malformed or unclosed, so that no block is skipped or eaten silently.
    """
    opens = text.count(OPEN_MARKER + " ")
    closes = text.count(CLOSE_MARKER)
    found = len(BLOCK.findall(text))
    if not opens == closes == found or text.count(OPEN_MARKER) != opens:
        problem = (
            f"{opens} quality-table open markers, {closes} close markers and {found} "
            f"well-formed blocks; each block is '{OPEN_MARKER} RESULTS_DIR --section NAME "
            f"-->' on one line, the table, then '{CLOSE_MARKER}'"
        )
        raise ValueError(Errors.E1090.format(path=root, problem=problem))

    def rebuild(match: "re.Match[str]") -> str:
        args = match["args"]
        words = [part for word in shlex.split(args) for part in word.split("=", 1)]
        if not words or words[0].startswith("-") or len(words[1:]) % 2:
            problem = (
                f"quality-table block {args!r}: give the results folder, then options "
                f"each with its value ({', '.join(BLOCK_OPTIONS)})"
            )
            raise ValueError(Errors.E1090.format(path=root, problem=problem))
        results_dir, options = words[0], words[1:]
        chosen: Dict[str, List[str]] = {option: [] for option in BLOCK_OPTIONS}
        for flag, value in zip(options[::2], options[1::2]):
            if flag not in chosen:
                problem = f"quality-table block {args!r}: unknown option {flag}"
                raise ValueError(Errors.E1090.format(path=root, problem=problem))
            chosen[flag].append(value)
        if not chosen["--section"]:
            problem = f"quality-table block {args!r}: name the tables it holds with --section"
            raise ValueError(Errors.E1090.format(path=root, problem=problem))
        leads = [(ours, baseline) for ours, _, baseline in
                 (value.partition(",") for value in chosen["--lead"])]  # fmt: skip
        table = quality_markdown(root / results_dir, chosen["--select"], leads, chosen["--section"])
        return f"{match['open']}{table}{match['close']}"

    return BLOCK.sub(rebuild, text)
