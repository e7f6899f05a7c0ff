"""Shared fixtures. Every test is offline: models are tiny, random and built here."""

import os
from pathlib import Path

import pytest

# No test may reach a model hub; set before transformers is imported anywhere.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", help="run tests marked slow")
    parser.addoption("--rungpu", action="store_true", help="run tests that need a GPU")


def pytest_collection_modifyitems(config, items):
    for marker, option in (("slow", "--runslow"), ("gpu", "--rungpu")):
        if config.getoption(option):
            continue
        skip = pytest.mark.skip(reason=f"needs {option}")
        for item in items:
            if marker in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def corpora_dir() -> Path:
    """The real corpora: $SPACY_BIOLM_CORPORA, else ../shared/corpora beside the repo."""
    path = Path(os.environ.get("SPACY_BIOLM_CORPORA", REPO_ROOT.parent / "shared" / "corpora"))
    if not (path / "MANIFEST.tsv").exists():
        pytest.skip(f"real corpora not found at {path} (set SPACY_BIOLM_CORPORA)")
    return path


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory) -> Path:
    """A 2-layer, 32-wide random BERT with a WordPiece vocabulary trained on text;
    its tokenizer sets no model_max_length, like BioLinkBERT's."""
    from spacy_biolm.testing import build_random_bert

    return build_random_bert(tmp_path_factory.mktemp("tiny_bert"))
