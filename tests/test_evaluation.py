"""Strict and overlap scores and cross-type false positives (evaluation.py), on
hand-made documents whose numbers are worked out by hand below."""

from typing import Dict, List, Optional, Sequence, Tuple

import pytest
import spacy
import srsly
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from typer.testing import CliRunner

from spacy_biolm.annotations import SOURCE_ATTR, SPANS_KEY, set_annotated_labels
from spacy_biolm.cli import app
from spacy_biolm.evaluation import _SpanIndex, evaluate, span_scores, to_markdown

Ents = Sequence[Tuple[str, int, int]]

# Fully annotated (BioRED-like): every label scored.
#   0      7 8    14 15  20 21     29 30 32 33 37
#   aspirin causes BRCA1 mutation in mice
FULL_TEXT = "aspirin causes BRCA1 mutation in mice"
FULL_GOLD = [("Chemical", 0, 7), ("Gene", 15, 20), ("Species", 33, 37)]
FULL_PRED = [
    ("Gene", 0, 7),  # on the chemical: a cross-type false positive (Gene->Chemical)
    ("Gene", 15, 29),  # "BRCA1 mutation": strict FP, overlap TP, same type
    ("Species", 33, 37),  # exact
    ("Disease", 8, 14),  # "causes": FP on nothing
]
# Disease-only (NCBI-like): the chemical is neither right nor wrong.
PART_TEXT = "Cancer and aspirin"
PART_GOLD = [("Disease", 0, 6)]
PART_PRED = [("Chemical", 11, 18), ("Disease", 0, 10)]


def make_doc(
    nlp: Language, text: str, ents: Ents, *, annotated: Optional[List[str]], source: str
) -> Doc:
    doc = nlp.make_doc(text)
    doc.spans[SPANS_KEY] = [doc.char_span(s, e, label=label) for label, s, e in ents]
    set_annotated_labels(doc, annotated)
    doc._.set(SOURCE_ATTR, source)
    return doc


def examples(nlp: Language) -> Tuple[Example, Example]:
    full = Example(
        make_doc(nlp, FULL_TEXT, FULL_PRED, annotated=None, source="biored"),
        make_doc(nlp, FULL_TEXT, FULL_GOLD, annotated=None, source="biored"),
    )
    part = Example(
        make_doc(nlp, PART_TEXT, PART_PRED, annotated=None, source="ncbi"),
        make_doc(nlp, PART_TEXT, PART_GOLD, annotated=["Disease"], source="ncbi"),
    )
    return full, part


@pytest.fixture
def nlp() -> Language:
    return spacy.blank("en")


def test_counts_per_type_by_hand(nlp):
    full, _ = examples(nlp)
    scores = span_scores([full]).to_dict()
    counts = scores["ents_counts_per_type"]
    assert counts["Gene"] == {
        "gold": 1, "predicted": 2, "strict": 0, "overlap_predicted": 1, "overlap_gold": 1
    }  # fmt: skip
    assert counts["Chemical"] == {
        "gold": 1, "predicted": 0, "strict": 0, "overlap_predicted": 0, "overlap_gold": 0
    }  # fmt: skip
    assert counts["Species"]["strict"] == 1
    assert counts["Disease"] == {
        "gold": 0, "predicted": 1, "strict": 0, "overlap_predicted": 0, "overlap_gold": 0
    }  # fmt: skip
    # Gene overlap: P 1/2, R 1/1, F 2 * .5 * 1 / 1.5
    assert scores["ents_overlap_per_type"]["Gene"] == pytest.approx(
        {"p": 0.5, "r": 1.0, "f": 2 / 3}
    )
    # Chemical: nothing predicted (P undefined), nothing found (R 0): F 0
    assert scores["ents_overlap_per_type"]["Chemical"] == {"p": None, "r": 0.0, "f": 0.0}
    # All types: 4 predicted, 3 gold; overlap: 2 predicted right, 2 gold found.
    assert scores["ents_overlap_p"] == pytest.approx(2 / 4)
    assert scores["ents_overlap_r"] == pytest.approx(2 / 3)
    assert scores["ents_overlap_f"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))


def test_cross_type_false_positives_by_hand(nlp):
    full, _ = examples(nlp)
    cross = span_scores([full]).to_dict()["ents_cross_type"]
    # 3 strict FPs: Gene on aspirin (a chemical), "BRCA1 mutation" (same type), "causes".
    assert cross == {
        "false_positives": 3,
        "on_other_type": 1,
        "share": pytest.approx(1 / 3),
        "pairs": {"Gene->Chemical": 1},
    }


def test_unannotated_labels_are_neither_right_nor_wrong(nlp):
    full, part = examples(nlp)
    scores = span_scores([full, part]).to_dict()
    # The chemical predicted in the disease-only doc is not counted anywhere.
    assert scores["ents_counts_per_type"]["Chemical"]["predicted"] == 0
    # Disease: the FP "causes" + "Cancer and" (overlaps "Cancer"): P 1/2; R 1/1
    assert scores["ents_overlap_per_type"]["Disease"] == pytest.approx(
        {"p": 0.5, "r": 1.0, "f": 2 / 3}
    )
    assert scores["ents_cross_type"]["false_positives"] == 4


def test_overlap_needs_a_shared_character_and_sees_long_spans():
    index = _SpanIndex([("Gene", 0, 100), ("Gene", 10, 12), ("Chemical", 200, 207)])
    # Inside the long span, though the span starting last (10-12) ends before it.
    assert index.overlaps("Gene", 50, 60)
    assert not index.overlaps("Gene", 100, 110)  # touching is not overlapping
    assert not index.overlaps("Chemical", 190, 200)
    assert index.overlaps("Chemical", 206, 210)
    assert not index.overlaps("Species", 0, 300)


@Language.component("test_evaluation_lookup_ner")
def lookup_ner(doc: Doc) -> Doc:
    """Predicts FULL_PRED / PART_PRED for their texts (a stand-in for a model)."""
    ents = {FULL_TEXT: FULL_PRED, PART_TEXT: PART_PRED}.get(doc.text, [])
    doc.spans[SPANS_KEY] = [doc.char_span(s, e, label=label) for label, s, e in ents]
    return doc


@pytest.fixture
def corpus_dir(tmp_path, nlp):
    for name, text, gold, annotated in [
        ("biored", FULL_TEXT, FULL_GOLD, None),
        ("ncbi", PART_TEXT, PART_GOLD, ["Disease"]),
    ]:
        docbin = DocBin(store_user_data=True)
        docbin.add(make_doc(nlp, text, gold, annotated=annotated, source=name))
        (tmp_path / "corpus" / name).mkdir(parents=True)
        docbin.to_disk(tmp_path / "corpus" / name / "dev.spacy")
    return tmp_path / "corpus"


def test_evaluate_one_corpus_with_strict_overlap_and_cross_type(nlp, corpus_dir):
    nlp.add_pipe("test_evaluation_lookup_ner")
    results = evaluate(nlp, corpus_dir, split="dev", corpora=["biored"])
    assert list(results["corpora"]) == ["biored"]
    biored = results["corpora"]["biored"]
    # Strict: 1 of 4 predictions right, 1 of 3 gold found.
    assert biored["ents_p"] == pytest.approx(1 / 4)
    assert biored["ents_r"] == pytest.approx(1 / 3)
    assert biored["ents_overlap_f"] == pytest.approx(4 / 7)
    assert biored["ents_cross_type"]["pairs"] == {"Gene->Chemical": 1}
    table = to_markdown(results, title="m")
    assert "| biored | Gene | 0.0 | 0.0 | 0.0 |  | 66.7 |" in table
    assert "1 of 3 false positives (33.3 %)" in table
    assert "Gene->Chemical 1" in table


def test_evaluate_names_a_corpus_without_the_split(nlp, corpus_dir):
    with pytest.raises(FileNotFoundError, match="E1085.*bc5cdr"):
        evaluate(nlp, corpus_dir, split="dev", corpora=["bc5cdr"])


def test_evaluate_cli_corpora_option(nlp, corpus_dir, tmp_path):
    nlp.add_pipe("test_evaluation_lookup_ner")
    nlp.to_disk(tmp_path / "model")
    output = tmp_path / "biored_dev.json"
    args = [str(tmp_path / "model"), str(corpus_dir), "--split", "dev", "--corpora", "biored"]
    result = CliRunner().invoke(app, ["evaluate", *args, "--output", str(output)])
    assert result.exit_code == 0, result.output
    saved: Dict = srsly.read_json(output)
    assert list(saved["corpora"]) == ["biored"]
    assert saved["corpora"]["biored"]["ents_overlap_per_type"]["Species"]["f"] == 1.0


def test_evaluate_cli_thresholds_are_checked(nlp, corpus_dir, tmp_path):
    nlp.add_pipe("test_evaluation_lookup_ner")
    nlp.to_disk(tmp_path / "model")
    args = ["evaluate", str(tmp_path / "model"), str(corpus_dir), "--split", "dev"]
    for bad in ("0.5,high", "1.5"):
        result = CliRunner().invoke(app, [*args, "--thresholds", bad])
        assert result.exit_code == 1
        assert "--thresholds" in result.output
    # A pipeline without biolm_ner has no scores to threshold: said before any corpus.
    result = CliRunner().invoke(app, [*args, "--thresholds", "0.5,0.7"])
    assert result.exit_code == 1
    assert "E1092" in result.output and "0 biolm_ner pipes" in result.output


def test_label_thresholds_are_parsed_with_a_clear_error():
    from spacy_biolm.evaluation import parse_label_thresholds

    assert parse_label_thresholds("Gene=0.7, Chemical=0.6") == {"Gene": 0.7, "Chemical": 0.6}
    assert parse_label_thresholds("") == {}
    for bad in ("Gene", "Gene=high", "Gene=1.5", "=0.5"):
        with pytest.raises(ValueError, match="E1093.*LABEL=THRESHOLD"):
            parse_label_thresholds(bad)


def test_pooled_curve_sums_counts_and_best_threshold_breaks_ties_upward():
    from spacy_biolm.evaluation import best_thresholds, pooled_curve

    def row(level, gold, predicted, strict):
        counts = {"gold": gold, "predicted": predicted, "strict": strict,
                  "overlap_predicted": strict, "overlap_gold": strict}  # fmt: skip
        return {"threshold": level, "counts": counts}

    corpora = {
        # Gene in two corpora: 10 + 30 gold.
        "a": {"thresholds": {"Gene": [row(0.5, 10, 10, 5), row(0.7, 10, 6, 5)]}},
        "b": {"thresholds": {"Gene": [row(0.5, 30, 40, 24), row(0.7, 30, 24, 18)]}},
        "c": {"thresholds": {"Species": [row(0.5, 4, 4, 2), row(0.7, 4, 4, 2)]}},
    }
    pooled = pooled_curve(corpora)
    gene = {r["threshold"]: r for r in pooled["Gene"]}
    # 0.5: P 29/50, R 29/40, F 2·29/90; 0.7: P 23/30, R 23/40, F 2·23/70.
    assert gene[0.5]["p"] == pytest.approx(29 / 50) and gene[0.5]["r"] == pytest.approx(29 / 40)
    assert gene[0.5]["f"] == pytest.approx(58 / 90)
    assert gene[0.7]["f"] == pytest.approx(46 / 70)
    assert gene[0.7]["predicted"] == 30
    # Gene: 46/70 = 0.657 > 58/90 = 0.644; Species: a tie, to the higher threshold.
    assert best_thresholds(pooled) == {"Gene": 0.7, "Species": 0.7}


def test_label_thresholds_need_a_biolm_ner(nlp, corpus_dir, tmp_path):
    nlp.add_pipe("test_evaluation_lookup_ner")
    nlp.to_disk(tmp_path / "model")
    args = ["evaluate", str(tmp_path / "model"), str(corpus_dir), "--split", "dev"]
    result = CliRunner().invoke(app, [*args, "--label-thresholds", "Gene=0.7"])
    assert result.exit_code == 1
    assert "E1094" in result.output and "without --label-thresholds" in result.output


def test_curve_reads_predictions_from_the_ner_key_and_gold_from_biolm_ents(nlp):
    # A biolm_ner writing to another key: its scored spans are read there, the
    # reference's from biolm_ents (before, both from the NER's key: no gold at all).
    from spacy.tokens import SpanGroup

    from spacy_biolm.evaluation import threshold_curve
    from spacy_biolm.ner.component import SCORES_KEY, score_key

    reference = make_doc(nlp, FULL_TEXT, FULL_GOLD, annotated=None, source="biored")
    predicted = nlp.make_doc(FULL_TEXT)
    spans = [predicted.char_span(0, 7, label="Chemical"), predicted.char_span(33, 37, "Species")]
    scores = {score_key(s.start, s.end, s.label_): v for s, v in zip(spans, (0.9, 0.6))}
    predicted.spans["custom"] = SpanGroup(
        predicted, name="custom", spans=spans, attrs={SCORES_KEY: scores}
    )
    curve = threshold_curve(
        [Example(predicted, reference)], [0.5, 0.7, 0.7], predicted_key="custom"
    )
    assert [row["threshold"] for row in curve["Species"]] == [0.5, 0.7]  # duplicates once
    species = {row["threshold"]: row for row in curve["Species"]}
    assert species[0.5]["r"] == 1.0 and species[0.7]["r"] == 0.0
    assert {row["threshold"]: row["p"] for row in curve["Chemical"]} == {0.5: 1.0, 0.7: 1.0}
