"""quality-run: one run of the quality study, trained, scored and written for quality-table."""

import os
from pathlib import Path

import pytest
import spacy
import srsly
from spacy.tokens import DocBin
from spacy.util import load_config

from spacy_biolm.quality import group_variants, load_runs
from spacy_biolm.study import quality_run, train_paths

from .conftest import TRAIN_DATA, make_example


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    """Two training corpora (train, dev, test) and a BioRED dev split."""
    root = tmp_path_factory.mktemp("corpus")
    nlp = spacy.blank(
        "en", config={"nlp": {"tokenizer": {"@tokenizers": "spacy-biolm.Tokenizer.v1"}}}
    )
    docs = [make_example(nlp, *row).reference for row in TRAIN_DATA]
    for name, part in (("alpha", docs[:6]), ("beta", docs[6:])):
        (root / name).mkdir()
        for split in ("train", "dev", "test"):
            DocBin(docs=part, store_user_data=True).to_disk(root / name / f"{split}.spacy")
    (root / "biored").mkdir()
    DocBin(docs=docs[:3], store_user_data=True).to_disk(root / "biored" / "dev.spacy")
    return root


def test_train_paths_name_only_the_corpora():
    assert train_paths(Path("corpus"), ["a", "b"], "train") == "corpus/{a,b}/train.spacy"
    assert train_paths(Path("corpus"), ["a"], "dev") == "corpus/a/dev.spacy"


def test_quality_run_writes_what_quality_table_reads(
    corpus_dir, ner_bert_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    kwargs = {
        "head": "biolm_ner",
        "seed": 3,
        "steps": 2,
        "corpora": ["alpha", "beta"],
        "encoder": str(ner_bert_dir),
        "corpus_dir": corpus_dir,
        "results_dir": tmp_path / "results",
        "training_dir": tmp_path / "training",
        "warmup_steps": 0,
    }
    info = quality_run(
        "xt",
        recipe="exclusive labels",
        overrides={"components.biolm_ner.exclusive_labels": True},
        **kwargs,
    )
    out = tmp_path / "results" / "xt"
    assert sorted(os.listdir(out)) == ["biored_dev.json", "run.json", "test.json"]
    assert info == srsly.read_json(out / "run.json")
    assert (info["model"], info["seed"], info["steps"], info["recipe"]) == (
        "biolm_ner",
        3,
        2,
        "exclusive labels",
    )
    assert info["train_corpora"] == ["alpha", "beta"]
    assert info["wall_s"] > 0 and info["cpu_s"] > 0 and info["peak_rss_mb"] > 100
    # The override reached the trained pipeline; dev picks from the training corpora.
    config = load_config(tmp_path / "training" / "xt" / "model-best" / "config.cfg")
    assert config["components"]["biolm_ner"]["exclusive_labels"] is True
    assert config["paths"]["dev"] == f"{corpus_dir}/{{alpha,beta}}/dev.spacy"
    assert config["system"]["seed"] == 3
    # Shorter than the config's eval_frequency (500): evaluated at its last step, so
    # model-best is not the untrained step-0 model.
    assert config["training"]["eval_frequency"] == 2
    assert set(srsly.read_json(out / "test.json")["corpora"]) == {"alpha", "beta"}
    assert set(srsly.read_json(out / "biored_dev.json")["corpora"]) == {"biored"}
    # quality-table sees it as its own variant.
    (variant,) = group_variants(load_runs(tmp_path / "results"))
    assert variant.label == "biolm_ner · exclusive labels"
    # Resumable: a finished run is not trained or scored again.
    mtime = (out / "test.json").stat().st_mtime
    assert quality_run("xt", recipe="exclusive labels", **kwargs)["wall_s"] == info["wall_s"]
    assert (out / "test.json").stat().st_mtime == mtime
    # An inference-only recipe: the same model scored with abbreviation types, its
    # training settings, recipe and cost taken from the run it reuses; no training.
    abbr = quality_run("xt_abbr", abbreviation_types=True, model_from="xt", **kwargs)
    assert not (tmp_path / "training" / "xt_abbr").exists()
    assert abbr["recipe"] == "exclusive labels + abbreviation types"
    assert abbr["model_from"] == "xt"
    assert abbr["inference"] == {"biolm_abbreviations.consistent_types": True}
    assert abbr["wall_s"] == info["wall_s"] and abbr["overrides"] == info["overrides"]
    for file in ("test.json", "biored_dev.json"):
        assert srsly.read_json(tmp_path / "results" / "xt_abbr" / file)["abbreviation_types"]
        assert "abbreviation_types" not in srsly.read_json(out / file)
    labels = {v.label for v in group_variants(load_runs(tmp_path / "results"))}
    assert labels == {
        "biolm_ner · exclusive labels",
        "biolm_ner · exclusive labels + abbreviation types",
    }


def test_quality_run_scores_the_test_corpora_it_is_told(
    corpus_dir, ner_bert_dir, tmp_path, monkeypatch
):
    """A recipe that trains on a variant folder is scored on the usual test splits."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    kwargs = {
        "head": "biolm_ner", "seed": 0, "steps": 1, "encoder": str(ner_bert_dir),
        "corpus_dir": corpus_dir, "results_dir": tmp_path / "results",
        "training_dir": tmp_path / "training", "warmup_steps": 0,
    }  # fmt: skip
    info = quality_run("variant", corpora=["alpha"], test_corpora=["beta"], **kwargs)
    assert info["train_corpora"] == ["alpha"] and info["test_corpora"] == ["beta"]
    test = srsly.read_json(tmp_path / "results" / "variant" / "test.json")
    assert set(test["corpora"]) == {"beta"}
    # A rescore of that model keeps its test corpora.
    quality_run("variant_abbr", corpora=["alpha"], abbreviation_types=True,
                model_from="variant", **kwargs)  # fmt: skip
    test = srsly.read_json(tmp_path / "results" / "variant_abbr" / "test.json")
    assert set(test["corpora"]) == {"beta"}
    # Per-label thresholds are an inference-only recipe too, named in its row.
    gene = quality_run("variant_gene", corpora=["alpha"], label_thresholds={"Gene": 1.0},
                       model_from="variant", **kwargs)  # fmt: skip
    assert gene["recipe"] == "Gene threshold 1"
    assert gene["inference"] == {"biolm_ner.label_thresholds": {"Gene": 1.0}}
    for file in ("test.json", "biored_dev.json"):
        scores = srsly.read_json(tmp_path / "results" / "variant_gene" / file)
        assert scores["label_thresholds"] == {"Gene": 1.0}
        for res in scores["corpora"].values():
            assert res["ents_counts_per_type"].get("Gene", {"predicted": 0})["predicted"] == 0
    with pytest.raises(FileNotFoundError, match="BIOLM-E1165.*gamma.*bc2gm,bc5cdr,jnlpba"):
        quality_run("y", corpora=["alpha"], test_corpora=["beta", "gamma"], **kwargs)


def test_quality_run_model_from_needs_a_trained_run(corpus_dir, tmp_path):
    with pytest.raises(FileNotFoundError, match="BIOLM-E1170.*nothere"):
        quality_run(
            "x", head="biolm_ner", seed=0, steps=1, corpora=["alpha"], encoder="enc",
            corpus_dir=corpus_dir, results_dir=tmp_path, training_dir=tmp_path,
            abbreviation_types=True, model_from="nothere",
        )  # fmt: skip


def test_quality_run_names_missing_corpora(corpus_dir, tmp_path):
    with pytest.raises(FileNotFoundError, match="BIOLM-E1162.*gamma"):
        quality_run(
            "x", head="biolm_ner", seed=0, steps=1, corpora=["alpha", "gamma"],
            encoder="enc", corpus_dir=corpus_dir, results_dir=tmp_path,
        )  # fmt: skip
    with pytest.raises(ValueError, match="BIOLM-E1161"):
        quality_run(
            "x", head="crf", seed=0, steps=1, corpora=["alpha"], encoder="enc",
            corpus_dir=corpus_dir, results_dir=tmp_path,
        )  # fmt: skip


def test_label_thresholds_are_checked_before_training(corpus_dir, tmp_path):
    kwargs = {
        "seed": 0, "steps": 1, "corpora": ["alpha"], "encoder": "not-loaded",
        "corpus_dir": corpus_dir, "results_dir": tmp_path, "training_dir": tmp_path,
    }  # fmt: skip
    with pytest.raises(ValueError, match="BIOLM-E1095.*Gene=0.7.*head is spacy_ner"):
        quality_run("s", head="spacy_ner", label_thresholds={"Gene": 0.7}, **kwargs)
    with pytest.raises(ValueError, match="BIOLM-E1095.*Genes.*Chemical, Disease, Gene, Species"):
        quality_run("b", head="biolm_ner", label_thresholds={"Genes": 0.7}, **kwargs)
    assert not any(tmp_path.iterdir())  # nothing trained, nothing written
