"""The training configs build, read the merged corpora, and train with `spacy train`."""

import os
import subprocess
import sys

import pytest
import spacy
from spacy.schemas import ConfigSchemaTraining
from spacy.tokens import DocBin
from spacy.util import load_config, load_model_from_config, registry, resolve_dot_names

from ..conftest import REPO_ROOT
from .conftest import TRAIN_DATA, make_example

CONFIGS = REPO_ROOT / "configs"


@pytest.fixture(scope="module")
def docbins(tmp_path_factory):
    """train.spacy and dev.spacy from TRAIN_DATA, with user data (annotated_labels)."""
    path = tmp_path_factory.mktemp("corpus")
    nlp = spacy.blank(
        "en", config={"nlp": {"tokenizer": {"@tokenizers": "spacy-biolm.Tokenizer.v1"}}}
    )
    docs = [make_example(nlp, *row).reference for row in TRAIN_DATA]
    DocBin(docs=docs, store_user_data=True).to_disk(path / "train.spacy")
    DocBin(docs=docs[:4], store_user_data=True).to_disk(path / "dev.spacy")
    return path


@pytest.mark.parametrize(
    "name,ner",
    [("biolm_gpu", "biolm_ner"), ("biolm_cpu", "biolm_ner"), ("baseline_ner_cpu", "ner")],
)
def test_config_builds_and_reads_the_merged_corpora(name, ner, docbins, ner_bert_dir):
    overrides = {
        "paths.train": str(docbins / "train.spacy"),
        "paths.dev": str(docbins / "dev.spacy"),
        "paths.encoder": str(ner_bert_dir),
    }
    nlp = load_model_from_config(load_config(CONFIGS / f"{name}.cfg", overrides=overrides))
    assert nlp.pipe_names == ["biolm_transformer", ner]
    assert nlp.config["nlp"]["tokenizer"]["@tokenizers"] == "spacy-biolm.Tokenizer.v1"
    assert nlp.config["components"][ner]["scorer"]["@scorers"] == "spacy-biolm.ner_scorer.v1"
    config = nlp.config.interpolate()
    training = registry.resolve(config["training"], schema=ConfigSchemaTraining)
    train_corpus, dev_corpus = resolve_dot_names(
        config, [training["train_corpus"], training["dev_corpus"]]
    )
    assert config["corpora"]["train"]["@readers"] == "spacy-biolm.MergedCorpus.v1"
    assert len(list(dev_corpus(nlp))) == 4
    assert {eg.reference.text for eg in train_corpus(nlp)} == {row[0] for row in TRAIN_DATA}


def test_spacy_train_cpu_config_fits_the_training_docs(docbins, ner_bert_dir, tmp_path):
    # The CPU recipe as shipped, with a learning rate that overfits 13 docs in 40
    # steps: the trained pipeline must then predict their gold mentions.
    command = [
        sys.executable, "-m", "spacy", "train", str(CONFIGS / "biolm_cpu.cfg"),
        "--output", str(tmp_path),
        "--paths.train", str(docbins / "train.spacy"),
        "--paths.dev", str(docbins / "dev.spacy"),
        "--paths.encoder", str(ner_bert_dir),
        "--training.max_steps", "40",
        "--training.eval_frequency", "40",
        "--training.dropout", "0.0",
        "--training.optimizer.learn_rate.warmup_steps", "0",
        "--training.optimizer.learn_rate.initial_rate", "3e-3",
    ]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    nlp = spacy.load(tmp_path / "model-last")
    assert nlp.pipe_names == ["biolm_transformer", "biolm_ner"]
    # dev.spacy is the first 4 training docs
    assert nlp.meta["performance"]["ents_f"] == 1.0
    for text, mentions, annotated, source in TRAIN_DATA:
        doc = nlp(text)
        spans = list(doc.spans["biolm_ents"])
        predicted = {(span.text, span.label_) for span in spans}
        # Exactly the gold mentions of the labels the doc's corpus annotates; other
        # labels are not scored here (nothing in these docs says what they are).
        scored = {m for m in predicted if annotated is None or m[1] in annotated}
        assert scored == set(mentions), source
        assert all(0.5 <= span._.biolm_score <= 1.0 for span in spans)  # threshold 0.5
        ents = [(ent.start, ent.end, ent.label_) for ent in doc.ents]
        assert set(ents) <= {(span.start, span.end, span.label_) for span in spans}
        assert len({i for start, end, _ in ents for i in range(start, end)}) == sum(
            end - start for start, end, _ in ents
        )
    # A chemical in a disease-only doc, learned from the chemical corpus: the loss
    # of unannotated labels is masked, not taught as O.
    doc = nlp("Aspirin induced hepatitis in patients .")
    assert ("Aspirin", "Chemical") in {(span.text, span.label_) for span in doc.spans["biolm_ents"]}
