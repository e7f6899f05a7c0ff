"""README's comparison tables (quality.py) from hand-made run folders: means and
sample standard deviations over seeds worked out by hand."""

from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import srsly
from typer.testing import CliRunner

from spacy_biolm.cli import app
from spacy_biolm.quality import (
    cost_table,
    group_variants,
    load_runs,
    quality_markdown,
    update_blocks,
)

CORPORA = ["bc5cdr", "s800"]


def metrics_of(chemical: float, disease: float, species: float) -> Dict[str, Any]:
    def corpus(per_type: Dict[str, float]) -> Dict[str, Any]:
        mean = sum(per_type.values()) / len(per_type)
        return {
            "ents_p": mean,
            "ents_r": mean,
            "ents_f": mean,
            "ents_per_type": {t: {"p": f, "r": f, "f": f} for t, f in per_type.items()},
        }

    return {
        "split": "test",
        "corpora": {
            "bc5cdr": corpus({"Chemical": chemical, "Disease": disease}),
            "s800": corpus({"Species": species}),
        },
    }


def biored(gene_f: float, gene_overlap_f: float, fps: int, pairs: Dict[str, int]):
    return {
        "split": "dev",
        "corpora": {
            "biored": {
                "ents_p": gene_f,
                "ents_r": gene_f,
                "ents_f": gene_f,
                "ents_per_type": {"Gene": {"p": gene_f, "r": gene_f, "f": gene_f}},
                "ents_overlap_p": gene_overlap_f,
                "ents_overlap_r": gene_overlap_f,
                "ents_overlap_f": gene_overlap_f,
                "ents_overlap_per_type": {
                    "Gene": {"p": gene_overlap_f, "r": gene_overlap_f, "f": gene_overlap_f}
                },
                "ents_cross_type": {
                    "false_positives": fps,
                    "on_other_type": sum(pairs.values()),
                    "pairs": pairs,
                },
            }
        },
    }


def write_run(
    root,
    name: str,
    model: str,
    seed: int,
    test: Dict[str, Any],
    dev: Optional[Dict[str, Any]] = None,
    corpora: List[str] = CORPORA,
) -> None:
    info = {
        "model": model,
        "seed": seed,
        "steps": 1000,
        "config": "biolm_cpu.cfg",
        "train_corpora": corpora,
        "wall_s": 600.0,
    }
    (root / name).mkdir(parents=True)
    srsly.write_json(root / name / "run.json", info)
    srsly.write_json(root / name / "test.json", test)
    if dev is not None:
        srsly.write_json(root / name / "biored_dev.json", dev)


@pytest.fixture
def results(tmp_path):
    root = tmp_path / "results"
    dev_a = biored(0.40, 0.60, 10, {"Gene->Chemical": 2})
    dev_b = biored(0.50, 0.70, 20, {"Gene->Chemical": 1, "Chemical->Gene": 2})
    write_run(root, "head-s1", "biolm_ner", 1, metrics_of(0.80, 0.70, 0.60), dev_a)
    write_run(root, "head-s2", "biolm_ner", 2, metrics_of(0.84, 0.70, 0.64), dev_b)
    write_run(root, "spacy-s1", "spacy_ner", 1, metrics_of(0.78, 0.72, 0.50))
    return root


def test_test_table_mean_and_sd_over_seeds(results):
    text = quality_markdown(results)
    # Chemical: mean(.80, .84) = 82.0; sd = |.84 - .80| / sqrt(2) = 2.83
    assert "| bc5cdr | Chemical | 82.0 ± 2.8 | 78.0 |" in text
    assert "| bc5cdr | Disease | 70.0 ± 0.0 | 72.0 |" in text
    assert "| s800 | Species | 62.0 ± 2.8 | 50.0 |" in text
    # Mean of type rows per run: (.80+.70+.60)/3 = .700, (.84+.70+.64)/3 = .7267;
    # mean 71.3, sd .0267 / sqrt(2) = 1.9. spaCy: (.78+.72+.50)/3 = 66.7.
    assert "| mean of type rows |  | 71.3 ± 1.9 | 66.7 |" in text
    assert "biolm_ner (seeds 1, 2)" in text and "spacy_ner (seeds 1)" in text


def test_biored_tables(results):
    text = quality_markdown(results)
    # Gene strict F mean(.40, .50) = 45.0, sd 7.1; overlap mean(.60, .70) = 65.0
    row = "| biolm_ner | Gene | 45.0 ± 7.1 | 45.0 ± 7.1 | 45.0 ± 7.1 | 65.0 ± 7.1 |"
    assert row in text
    # 2 + 3 of 10 + 20 false positives on another type: 16.7 %
    assert "| biolm_ner | 2 | 5 / 30 | 16.7 | Gene->Chemical 3, Chemical->Gene 2 |" in text
    # The baseline has no BioRED metrics: no rows there.
    assert "| spacy_ner | Gene" not in text
    # At a glance: a row per variant; types the metrics lack are "-"; test mean of
    # seed 1 (80 + 70 + 60) / 3 = 70.0 and seed 2 72.67: 71.3 ± 1.9.
    glance = (
        "| biolm_ner (seeds 1, 2) | 45.0 ± 7.1 | - / - / - | - | "
        "45.0 ± 7.1 / 45.0 ± 7.1 / 45.0 ± 7.1 | - | 71.3 ± 1.9 |"
    )
    assert glance in text
    assert "| spacy_ner (seeds" not in text.split("at a glance")[1].split("###")[0]


def test_variants_are_labelled_by_what_differs(tmp_path):
    root = tmp_path / "results"
    write_run(root, "a", "biolm_ner", 1, metrics_of(0.8, 0.7, 0.6))
    write_run(root, "b", "biolm_ner", 1, metrics_of(0.8, 0.7, 0.6), corpora=[*CORPORA, "biored"])
    write_run(root, "c", "biolm_ner", 1, metrics_of(0.8, 0.7, 0.6), corpora=["bc5cdr"])
    write_run(root, "d", "spacy_ner", 1, metrics_of(0.8, 0.7, 0.6))
    labels = [variant.label for variant in group_variants(load_runs(root))]
    # The baseline trains on the default corpora; only the head's variants differ.
    assert labels == [
        "biolm_ner · +BioRED",
        "biolm_ner · -BioRED",
        "biolm_ner · -BioRED · without s800",
        "spacy_ner",
    ]


def test_a_recipe_is_its_own_variant_with_its_overrides(tmp_path):
    root = tmp_path / "results"
    write_run(root, "plain", "biolm_ner", 0, metrics_of(0.8, 0.7, 0.6))
    write_run(root, "xt", "biolm_ner", 0, metrics_of(0.9, 0.7, 0.6))
    info = srsly.read_json(root / "xt" / "run.json")
    info["recipe"] = "exclusive labels"
    info["overrides"] = {"components.biolm_ner.exclusive_labels": True}
    srsly.write_json(root / "xt" / "run.json", info)
    variants = group_variants(load_runs(root))
    assert [variant.label for variant in variants] == [
        "biolm_ner",
        "biolm_ner · exclusive labels",
    ]
    text = quality_markdown(root)
    # Not averaged together: the Chemical cells stay apart.
    assert "| bc5cdr | Chemical | 80.0 | 90.0 |" in text
    assert "`--components.biolm_ner.exclusive_labels True`" in text


def test_recipes_of_one_name_with_other_settings_are_not_averaged(tmp_path):
    # Two runs both called "abbreviation types", one on the exclusive-labels model:
    # before, they were one variant and their scores averaged as if seeds.
    root = tmp_path / "results"
    write_run(root, "abbr", "biolm_ner", 0, metrics_of(0.8, 0.7, 0.6))
    write_run(root, "excl_abbr", "biolm_ner", 0, metrics_of(0.9, 0.7, 0.6))
    for name, overrides in (("abbr", {}), ("excl_abbr", {"exclusive_labels": True})):
        info = srsly.read_json(root / name / "run.json")
        info["recipe"] = "abbreviation types"
        info["overrides"] = overrides
        info["inference"] = {"consistent_types": True}
        srsly.write_json(root / name / "run.json", info)
    variants = group_variants(load_runs(root))
    assert [(v.label, len(v.runs)) for v in variants] == [
        ("biolm_ner · abbreviation types (abbr)", 1),
        ("biolm_ner · abbreviation types (excl_abbr)", 1),
    ]
    assert "| bc5cdr | Chemical | 80.0 | 90.0 |" in quality_markdown(root)


def test_a_run_without_a_seed_is_named(tmp_path):
    root = tmp_path / "results"
    write_run(root, "bad", "biolm_ner", 1, metrics_of(0.8, 0.7, 0.6))
    info = srsly.read_json(root / "bad" / "run.json")
    del info["seed"]
    srsly.write_json(root / "bad" / "run.json", info)
    with pytest.raises(ValueError, match="E1086.*bad.*seed"):
        load_runs(root)


def test_quality_table_cli(results, tmp_path):
    out = tmp_path / "README.md"
    result = CliRunner().invoke(app, ["quality-table", str(results), "--markdown", str(out)])
    assert result.exit_code == 0, result.output
    assert "| mean of type rows |" in out.read_text(encoding="utf8")
    missing = CliRunner().invoke(app, ["quality-table", str(tmp_path / "nothing")])
    assert missing.exit_code == 1


def test_cost_table_from_run_json(tmp_path):
    # BENCHMARKS' training rows were typed from run.json by hand; the table is now
    # printed from it: steps per CPU-minute = steps / (cpu_s / 60), RSS in GiB.
    root = tmp_path / "results"
    write_run(root, "measured", "biolm_ner", 0, metrics_of(0.8, 0.7, 0.6))
    write_run(root, "old", "spacy_ner", 0, metrics_of(0.8, 0.7, 0.6))
    write_run(root, "measured_abbr", "biolm_ner", 0, metrics_of(0.8, 0.7, 0.6))
    info = srsly.read_json(root / "measured" / "run.json")
    cost = {"cpu_s": 3000.0, "peak_rss_mb": 8192, "torch_threads": "1", "date": "2026-12-02"}
    info.update(cost, wall_s=3900.0, recipe="gene trim")
    srsly.write_json(root / "measured" / "run.json", info)
    rescored = dict(info, model_from="measured", recipe="abbreviation types")
    srsly.write_json(root / "measured_abbr" / "run.json", rescored)
    table = cost_table(load_runs(root))
    lines = table.splitlines()
    assert len(lines) == 4  # header, rule, two trained runs; the rescoring is not a run
    measured = (
        "| measured | gene trim | `biolm_ner` | 1,000 | 2 | 1 | 3,000 s | 1 h 05 min | 20.0 "
        "| 8.0 GiB | 2026-12-02 |"
    )
    assert measured in lines
    assert "| old |  | `spacy_ner` | 1,000 | 2 | - | - | 10 min | - | - | - |" in lines
    assert "### Training cost" in quality_markdown(root)


def test_lead_table_per_row_and_per_seed(results):
    # head: seeds 1, 2; spacy: seed 1 only. Chemical 82 ± 2.8 vs 78: +4.0 of the
    # means, +2.0 within seed 1; Disease 70 vs 72: -2.0 (behind); Species 62 vs 50.
    text = quality_markdown(results, select=["head-*", "spacy-*"], leads=[("head-s*", "spacy-s*")])
    assert "### biolm_ner vs spacy_ner: test F per row, mean over seeds" in text
    assert "| bc5cdr | Chemical | 78.0 | 82.0 ± 2.8 | +4.0 | +2.0 |" in text
    assert "| bc5cdr | Disease | 72.0 | 70.0 ± 0.0 | -2.0 | -2.0 |" in text
    assert "| s800 | Species | 50.0 | 62.0 ± 2.8 | +12.0 | +10.0 |" in text
    # mean of type rows: spacy (78 + 72 + 50) / 3 = 66.67; head 71.33 ± 1.89
    assert "| mean of 3 type rows | ahead on 2 of 3 | 66.7 | 71.3 ± 1.9 | +4.7 | +3.3 |" in text
    # The baseline ran seed 1 only: the means are over different seeds, and it says so.
    assert "ΔF of the means (over different seeds)" in text
    assert "--select 'head-*' --select 'spacy-*' --lead 'head-s*,spacy-s*'" in text


def test_select_and_lead_name_what_does_not_match(results, tmp_path):
    only_head = quality_markdown(results, select=["head-*"])
    assert "spacy_ner" not in only_head
    with pytest.raises(ValueError, match="E1090.*no run folder matches --select nothing-\\*"):
        quality_markdown(results, select=["nothing-*"])
    # One glob over two settings would average a head with the baseline: refused.
    with pytest.raises(ValueError, match="E1090.*matches runs of 2 settings.*narrow the glob"):
        quality_markdown(results, leads=[("*-s1", "spacy-s1")])
    with pytest.raises(ValueError, match="E1090.*no run .*--select kept.*'spacy-s\\*'"):
        quality_markdown(results, select=["head-*"], leads=[("head-s*", "spacy-s*")])
    result = CliRunner().invoke(app, ["quality-table", str(results), "--lead", "head-s*"])
    assert result.exit_code == 1
    assert "OURS,BASELINE" in result.output
    result = CliRunner().invoke(
        app, ["quality-table", str(results), "--lead", "head-s*,spacy-s*", "--select", "*"]
    )
    assert result.exit_code == 0, result.output
    assert "ΔF per seed (1)" in result.output


def test_lead_takes_only_the_runs_its_glob_matches(results):
    # head-s1 alone against spacy-s1: seed 1 only, not the setting's seed 2 as well.
    text = quality_markdown(results, leads=[("head-s1", "spacy-s1")])
    assert "| bc5cdr | Chemical | 78.0 | 80.0 | +2.0 | +2.0 |" in text
    assert "(over different seeds)" not in text


def test_lead_refuses_one_seed_twice(results):
    # A re-run with the seed of an existing run: before, one silently replaced the
    # other in the rows while the mean line counted both.
    write_run(results, "head-s1-rerun", "biolm_ner", 1, metrics_of(0.9, 0.9, 0.9))
    with pytest.raises(ValueError, match="E1090.*same seed.*head-s1, head-s1-rerun"):
        quality_markdown(results, leads=[("head-*", "spacy-s1")])


def test_lead_mean_is_over_the_rows_both_score(tmp_path):
    root = tmp_path / "results"
    ours = metrics_of(0.80, 0.70, 0.60)
    base = metrics_of(0.70, 0.70, 0.60)
    del base["corpora"]["s800"]  # the baseline was not scored on S800
    write_run(root, "head-s0", "biolm_ner", 0, ours)
    write_run(root, "spacy-s0", "spacy_ner", 0, base)
    text = quality_markdown(root, leads=[("head-s0", "spacy-s0")])
    # S800 is shown but not averaged: (80 + 70) / 2 vs (70 + 70) / 2.
    assert "| s800 | Species | - | 60.0 | - | - |" in text
    assert (
        "| mean of 2 type rows (those both score) | ahead on 2 of 2 | 70.0 | 75.0 | +5.0 |" in text
    )


def test_update_blocks_rebuilds_embedded_tables(results, tmp_path):
    block = (
        "Intro.\n\n<!-- quality-table results --select 'head-*' --section test -->\n"
        "| stale | table |\n<!-- /quality-table -->\n\nAfter.\n"
    )
    updated = update_blocks(block, root=tmp_path)
    assert "| stale | table |" not in updated
    expected = quality_markdown(results, select=["head-*"], sections=["test"])
    assert f"--section test -->\n{expected}<!-- /quality-table -->" in updated
    assert updated.startswith("Intro.") and updated.endswith("After.\n")
    assert update_blocks(updated, root=tmp_path) == updated  # current: unchanged
    with pytest.raises(ValueError, match="E1090.*unknown option --sort"):
        update_blocks(block.replace("--section test", "--sort test"), root=tmp_path)
    with pytest.raises(ValueError, match="E1090.*no section tests"):
        update_blocks(block.replace("--section test", "--section tests"), root=tmp_path)
    # --opt=value is the same block; a flag without its value, or no --section, is
    # an error, not the whole document embedded (review).
    same = update_blocks(block.replace("--section test", "--section=test"), root=tmp_path)
    assert expected in same
    for broken in ("--section test --section", "--select 'head-*'"):
        with pytest.raises(ValueError, match="E1090.*quality-table block"):
            update_blocks(block.replace("--select 'head-*' --section test", broken), root=tmp_path)
    # An unclosed block must not swallow the next block's open marker.
    two = block.replace("<!-- /quality-table -->\n", "") + block
    with pytest.raises(ValueError, match="E1090.*2 quality-table open markers, 1 close"):
        update_blocks(two, root=tmp_path)
    with pytest.raises(ValueError, match="E1090.*open markers"):
        update_blocks(
            block.replace("quality-table results", "quality-table\tresults"), root=tmp_path
        )
    path = tmp_path / "doc.md"
    path.write_text(block, encoding="utf8")
    result = CliRunner().invoke(app, ["quality-table", "--update", str(path)])
    # The block's folder is relative to the current directory: the repository's
    # results/, which holds no head-* run.
    assert result.exit_code == 1 and "head-*" in result.output


def test_readme_and_benchmarks_tables_are_current():
    # The published tables are quality-table's output, rebuilt here from the
    # committed results/: a hand edit or a stale table fails.
    root = Path(__file__).resolve().parents[1]
    for name, blocks in (("README.md", 4), ("BENCHMARKS.md", 1)):
        text = (root / name).read_text(encoding="utf8")
        assert text.count("<!-- /quality-table -->") == blocks  # nothing skipped
        assert update_blocks(text, root=root) == text, f"{name}: run quality-table --update"
