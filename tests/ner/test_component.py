"""The biolm_ner pipe on its own: registration, labels, errors, the loss mask."""

import numpy
import pytest
from spacy.language import Language
from spacy.util import registry

from spacy_biolm.annotations import DEFAULT_LABELS
from spacy_biolm.ner.component import BioLMEntityRecognizer
from spacy_biolm.ner.viterbi import N_TAGS

from .conftest import CHEMICAL, DISEASE, build_nlp, make_example


@pytest.fixture(scope="module")
def initialized_nlp(ner_bert_dir):
    """An initialized, untrained pipeline (weights as built, no updates)."""
    nlp = build_nlp(ner_bert_dir)
    nlp.initialize(lambda: [make_example(nlp, "Aspirin induced hepatitis .", [])])
    return nlp


def test_registered_names_resolve():
    assert Language.get_factory_meta("biolm_ner").factory == "biolm_ner"
    assert registry.architectures.get("spacy-biolm.NERHead.v1")
    assert registry.scorers.get("spacy-biolm.ner_scorer.v1")
    assert registry.misc.get("spacy-biolm.ents_by_score.v1")
    assert registry.misc.get("spacy-biolm.ents_by_length.v1")


def test_factory_defaults(ner_bert_dir):
    nlp = build_nlp(ner_bert_dir)
    ner = nlp.get_pipe("biolm_ner")
    assert isinstance(ner, BioLMEntityRecognizer)
    assert ner.labels == DEFAULT_LABELS
    assert ner.key == "biolm_ents"
    assert nlp.config["components"]["biolm_ner"]["model"]["tok2vec"]["upstream"] == (
        "biolm_transformer"
    )
    weights = nlp.get_pipe_meta("biolm_ner").default_score_weights
    assert weights["ents_f"] == 1.0 and "ents_per_corpus" in weights


def test_uninitialized_pipe_raises_a_clear_error(ner_bert_dir):
    nlp = build_nlp(ner_bert_dir)
    ner = nlp.get_pipe("biolm_ner")
    with pytest.raises(ValueError, match=r"E1020.*not initialized.*nlp.initialize"):
        ner.predict([nlp.make_doc("Aspirin")])
    with pytest.raises(ValueError, match="E1020"):
        ner.update([make_example(nlp, "Aspirin", [("Aspirin", CHEMICAL)])])


def test_empty_labels_raise_a_clear_error(ner_bert_dir):
    nlp = build_nlp(ner_bert_dir, labels=[])
    with pytest.raises(ValueError, match=r"E1021.*no labels"):
        nlp.initialize(lambda: [make_example(nlp, "Nothing here .", [])])


def test_labels_come_from_the_data_when_none_are_configured(ner_bert_dir):
    nlp = build_nlp(ner_bert_dir, labels=[])
    example = make_example(
        nlp, "HeLa cells and mice", [("HeLa", "CellLine")], ["CellLine", "Species"]
    )
    nlp.initialize(lambda: [example])
    ner = nlp.get_pipe("biolm_ner")
    assert ner.labels == ("CellLine", "Species")
    assert ner.model.get_ref("output_layer").get_dim("nO") == 2 * N_TAGS


def test_initialize_labels_setting_adds_labels(ner_bert_dir):
    nlp = build_nlp(ner_bert_dir, labels=[CHEMICAL])
    nlp.config["initialize"]["components"]["biolm_ner"] = {"labels": ["Drug"]}
    nlp.initialize(lambda: [make_example(nlp, "Aspirin", [("Aspirin", CHEMICAL)])])
    assert nlp.get_pipe("biolm_ner").labels == (CHEMICAL, "Drug")


def test_unknown_data_labels_warn(ner_bert_dir):
    nlp = build_nlp(ner_bert_dir, labels=[CHEMICAL])
    example = make_example(nlp, "HeLa cells", [("HeLa", "CellLine")])
    with pytest.warns(UserWarning, match=r"W1010.*CellLine"):
        nlp.initialize(lambda: [example])


def test_add_label_after_initialize_raises(initialized_nlp):
    with pytest.raises(ValueError, match="E1022"):
        initialized_nlp.get_pipe("biolm_ner").add_label("CellLine")


def test_threshold_out_of_range_raises(ner_bert_dir):
    with pytest.raises(ValueError, match="E1023"):
        build_nlp(ner_bert_dir, threshold=1.5)
    with pytest.raises(ValueError, match="E1023.*-0.1"):
        build_nlp(ner_bert_dir, label_thresholds={"Gene": -0.1})


def test_label_thresholds_replace_the_threshold_per_label(ner_bert_dir):
    ner = build_nlp(ner_bert_dir, threshold=0.5, label_thresholds={"Gene": 0.8}).get_pipe(
        "biolm_ner"
    )
    by_label = dict(zip(ner.labels, ner.thresholds().tolist()))
    assert by_label == {"Chemical": 0.5, "Disease": 0.5, "Gene": 0.8, "Species": 0.5}


def test_label_thresholds_of_an_unknown_label_name_it(initialized_nlp, ner_bert_dir):
    nlp = build_nlp(ner_bert_dir, label_thresholds={"Genes": 0.8})
    nlp.initialize(lambda: [make_example(nlp, "Aspirin induced hepatitis .", [])])
    with pytest.raises(ValueError, match="E1089.*Genes.*Chemical, Disease, Gene, Species"):
        nlp("Aspirin induced hepatitis .")


def _d_scores(nlp, example):
    """The gradient get_loss returns for one example, as (tokens, labels, 3)."""
    ner = nlp.get_pipe("biolm_ner")
    nlp.get_pipe("biolm_transformer").set_annotations(
        [example.predicted], nlp.get_pipe("biolm_transformer").predict([example.predicted])
    )
    scores = ner.predict([example.predicted])
    _, d_scores = ner.get_loss([example], scores)
    return d_scores[0].reshape(len(example.predicted), len(ner.labels), N_TAGS), ner.labels


def test_loss_mask_leaves_an_unannotated_chemical_alone(initialized_nlp):
    text = "Aspirin induced hepatitis ."
    disease_only = make_example(initialized_nlp, text, [("hepatitis", DISEASE)], [DISEASE])
    d_scores, labels = _d_scores(initialized_nlp, disease_only)
    chemical, disease = labels.index(CHEMICAL), labels.index(DISEASE)
    # Nothing pushes "Aspirin" (or any token) towards O for Chemical...
    assert not numpy.any(d_scores[:, chemical])
    # ... while the annotated Disease column does get a gradient.
    assert numpy.abs(d_scores[:, disease]).sum() > 0
    # Annotated for every label, the same text teaches O for Chemical at "Aspirin".
    fully = make_example(initialized_nlp, text, [("hepatitis", DISEASE)], None)
    d_full, _ = _d_scores(initialized_nlp, fully)
    o_column = 0
    assert d_full[0, chemical, o_column] < 0  # gradient descent raises P(O)


def test_exclusive_labels_teach_a_disease_is_not_a_chemical(initialized_nlp):
    text = "Aspirin induced hepatitis ."
    disease_only = make_example(initialized_nlp, text, [("hepatitis", DISEASE)], [DISEASE])
    ner = initialized_nlp.get_pipe("biolm_ner")
    chemical = ner.labels.index(CHEMICAL)
    ner.exclusive_labels = True
    try:
        d_scores, _ = _d_scores(initialized_nlp, disease_only)
    finally:
        ner.exclusive_labels = False
    # "hepatitis" (a gold disease) is pushed towards O for Chemical; "Aspirin",
    # unannotated, is still left alone.
    assert d_scores[2, chemical, 0] < 0
    assert not numpy.any(d_scores[[0, 1, 3], chemical])


def test_exclusive_labels_is_a_config_setting(ner_bert_dir):
    nlp = build_nlp(ner_bert_dir, exclusive_labels=True)
    assert nlp.get_pipe("biolm_ner").exclusive_labels is True
    assert build_nlp(ner_bert_dir).get_pipe("biolm_ner").exclusive_labels is False


def test_predict_does_not_mutate_docs(initialized_nlp):
    doc = initialized_nlp.make_doc("Aspirin induced hepatitis .")
    scores = initialized_nlp.get_pipe("biolm_ner").predict([doc])
    assert scores[0].shape == (4, len(DEFAULT_LABELS) * N_TAGS)
    assert not doc.ents and "biolm_ents" not in doc.spans


@pytest.mark.parametrize("texts", [[""], ["", "   ", "\n\n"], ["", "Aspirin ."]])
def test_empty_and_whitespace_docs(initialized_nlp, texts):
    docs = list(initialized_nlp.pipe(texts))
    assert [doc.text for doc in docs] == texts
    for doc in docs:
        assert all(len(span) > 0 for span in doc.spans["biolm_ents"])
    assert initialized_nlp("").ents == ()
    losses = initialized_nlp.update([make_example(initialized_nlp, "", [])])
    assert losses["biolm_ner"] == 0.0


def test_hidden_layer(ner_bert_dir):
    nlp = build_nlp(ner_bert_dir, model={"hidden_width": 16})
    example = make_example(nlp, "Aspirin induced hepatitis .", [("hepatitis", DISEASE)], [DISEASE])
    optimizer = nlp.initialize(lambda: [example])
    ner = nlp.get_pipe("biolm_ner")
    assert ner.model.get_ref("output_layer").get_dim("nI") == 16
    first = nlp.update([example], sgd=optimizer)["biolm_ner"]
    for _ in range(5):
        last = nlp.update([example], sgd=optimizer)["biolm_ner"]
    assert last < first
