"""Scores by threshold from one pass (`evaluate --thresholds`) and re-thresholding
a doc (`apply_thresholds`): both must equal what the pipe gives when loaded at that
threshold."""

import pytest
import spacy
import srsly
from spacy.tokens import DocBin

from spacy_biolm.annotations import SPANS_KEY
from spacy_biolm.evaluation import evaluate, threshold_pipe, to_markdown
from spacy_biolm.ner.component import SCORES_KEY

from .conftest import CHEMICAL, DISEASE, GENE, SPECIES, TRAIN_DATA, make_example

# Texts the model has not seen, so that span scores spread out below 1.
HELD_OUT = [
    ("Metformin induced hepatitis in mice .", [("Metformin", CHEMICAL), ("hepatitis", DISEASE)]),
    ("TNF and BRCA1 were lowered by cisplatin .", [("TNF", GENE), ("BRCA1", GENE)]),
    ("Rats with diabetes received glucose .", [("Rats", SPECIES), ("diabetes", DISEASE)]),
]
LEVELS = [0.0, 0.3, 0.5, 0.7, 0.9]


@pytest.fixture(scope="module")
def corpus_dir(trained_nlp, tmp_path_factory):
    docbin = DocBin(store_user_data=True)
    for text, mentions, *rest in [*TRAIN_DATA, *HELD_OUT]:
        example = make_example(trained_nlp, text, mentions, *rest)
        docbin.add(example.reference)
    root = tmp_path_factory.mktemp("thresholds") / "corpus"
    (root / "mini").mkdir(parents=True)
    docbin.to_disk(root / "mini" / "test.spacy")
    return root


def _prf(result, label):
    return {key: result["ents_per_type"][label][key] for key in "prf"}


def test_curve_equals_the_pipe_loaded_at_each_threshold(trained_dir, corpus_dir):
    nlp = spacy.load(trained_dir)
    results = evaluate(nlp, corpus_dir, thresholds=LEVELS)
    with_curve = results["corpora"]["mini"]
    table = to_markdown(results, title="m")
    assert "By threshold" in table and "| mini | Gene | 0.9 |" in table
    # One corpus: its pooled curve is its own, and the best-F pick is printed.
    assert results["thresholds"]["pooled"] == with_curve["thresholds"]
    best = results["thresholds"]["best_f"]
    assert set(best) <= set(with_curve["thresholds"]) and set(best.values()) <= set(LEVELS)
    assert "`--label-thresholds " in table
    plain = evaluate(spacy.load(trained_dir), corpus_dir)["corpora"]["mini"]
    # The headline scores stay those of the pipe's own threshold (0.5).
    for key in ("ents_p", "ents_r", "ents_f", "ents_per_type", "ents_cross_type"):
        assert with_curve[key] == plain[key], key
    assert nlp.get_pipe("biolm_ner").threshold == 0.5
    predicted = {}
    for level in LEVELS:
        config = {"components": {"biolm_ner": {"threshold": level}}}
        direct = evaluate(spacy.load(trained_dir, config=config), corpus_dir)["corpora"]["mini"]
        for label, rows in with_curve["thresholds"].items():
            (row,) = [row for row in rows if row["threshold"] == level]
            assert {key: row[key] for key in "prf"} == pytest.approx(_prf(direct, label))
            counts = direct["ents_counts_per_type"][label]
            assert row["predicted"] == counts["predicted"]
            predicted[label, level] = row["predicted"]
    # The levels do cut: some label predicts fewer spans at 0.9 than at 0.
    assert any(predicted[label, 0.9] < predicted[label, 0.0] for label, _ in predicted)


def test_apply_thresholds_equals_annotating_at_that_threshold(trained_dir):
    texts = [text for text, *_ in HELD_OUT]
    settings = {"threshold": 0.5, "label_thresholds": {GENE: 0.9, DISEASE: 0.7}}
    high = spacy.load(trained_dir, config={"components": {"biolm_ner": settings}})
    low = spacy.load(trained_dir, config={"components": {"biolm_ner": {"threshold": 0.0}}})
    docs = list(low.pipe(texts))
    ner = low.get_pipe("biolm_ner")
    ner.threshold, ner.label_thresholds = 0.5, {GENE: 0.9, DISEASE: 0.7}
    dropped = 0
    for doc, direct in zip(docs, high.pipe(texts)):
        before = len(doc.spans[SPANS_KEY])
        ner.apply_thresholds(doc)
        dropped += before - len(doc.spans[SPANS_KEY])
        assert [(s.start, s.end, s.label_) for s in doc.spans[SPANS_KEY]] == [
            (s.start, s.end, s.label_) for s in direct.spans[SPANS_KEY]
        ]
        assert [(e.start, e.end, e.label_) for e in doc.ents] == [
            (e.start, e.end, e.label_) for e in direct.ents
        ]
        assert doc.spans[SPANS_KEY].attrs[SCORES_KEY]  # kept for the spans' scores
    assert dropped  # the thresholds did remove something


def test_curve_refuses_pipes_after_the_ner(trained_dir, corpus_dir):
    nlp = spacy.load(trained_dir)
    nlp.add_pipe("biolm_abbreviations", config={"consistent_types": True})
    with pytest.raises(ValueError, match="E1092.*pipes after biolm_ner.*biolm_abbreviations"):
        threshold_pipe(nlp)
    with pytest.raises(ValueError, match="E1092"):
        evaluate(nlp, corpus_dir, thresholds=[0.5])
    with pytest.raises(ValueError, match="E1092.*0 biolm_ner pipes"):
        threshold_pipe(spacy.blank("en"))


def test_evaluate_cli_thresholds_and_label_thresholds(trained_dir, corpus_dir, tmp_path):
    from typer.testing import CliRunner

    from spacy_biolm.cli import app

    out = tmp_path / "curve.json"
    args = ["evaluate", str(trained_dir), str(corpus_dir), "--output", str(out)]
    result = CliRunner().invoke(app, [*args, "--thresholds", "0.5,0.9"])
    assert result.exit_code == 0, result.output
    saved = srsly.read_json(out)
    assert set(saved["thresholds"]["best_f"].values()) <= {0.5, 0.9}
    assert "--label-thresholds" in result.output
    result = CliRunner().invoke(app, [*args, "--label-thresholds", f"{GENE}=1.0"])
    assert result.exit_code == 0, result.output
    saved = srsly.read_json(out)
    assert saved["label_thresholds"] == {GENE: 1.0}
    assert saved["corpora"]["mini"]["ents_counts_per_type"][GENE]["predicted"] == 0
    result = CliRunner().invoke(app, [*args, "--label-thresholds", "Genes=0.5"])
    assert result.exit_code == 1 and "E1089" in result.output


def test_assemble_ships_label_thresholds(trained_dir, tmp_path):
    from spacy_biolm.packaging import assemble

    assemble(trained_dir, tmp_path / "final", label_thresholds={DISEASE: 1.0})
    shipped = spacy.load(tmp_path / "final")
    assert shipped.config["components"]["biolm_ner"]["label_thresholds"] == {DISEASE: 1.0}
    doc = shipped("Cisplatin induced hypotension in patients .")
    assert doc.spans[SPANS_KEY] and all(s.label_ != DISEASE for s in doc.spans[SPANS_KEY])
    with pytest.raises(ValueError, match="E1089.*Diseases"):
        assemble(trained_dir, tmp_path / "bad", label_thresholds={"Diseases": 0.7})
    assert not (tmp_path / "bad").exists()
    plain = tmp_path / "plain"
    spacy.blank("en").to_disk(plain)
    with pytest.raises(ValueError, match="E1094"):
        assemble(plain, tmp_path / "none", label_thresholds={DISEASE: 0.7})
