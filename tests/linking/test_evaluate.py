"""End-to-end linking scores: mention level (span and IDs) and document level (the
set of IDs per document), with expected values counted by hand."""

import pytest

from spacy_biolm.corpora.builder import make_nlp
from spacy_biolm.errors import Errors
from spacy_biolm.linking.evaluate import (
    LinkedMention,
    add_linking_pipes,
    evaluate_end_to_end,
    evaluate_linking,
    linking_table,
    score_end_to_end,
    split_ids,
)
from spacy_biolm.linking.gold import LinkingCorpus

A, B, C, D, E, M = (
    "MESH:D000001",
    "MESH:D000002",
    "MESH:D000003",
    "MESH:D000004",
    "MESH:D5",
    "MESH:D9",
)


def mention(start, end, label, *ids):
    return LinkedMention(start, end, label, frozenset(ids))


# Document 1 (diseases):
# gold (0,5) A; (10,20) the composite {B, C}; (30,35) no ID; (40,45) A
# predicted (0,5) A: right; (10,20) {B, C}: right; (30,35) X: on an ID-less gold
# mention, not scored; (40,45) D: wrong; (50,55) unlinked: not a claim; (60,65) E: wrong.
DOC1_GOLD = [
    mention(0, 5, "Disease", A),
    mention(10, 20, "Disease", B, C),
    mention(30, 35, "Disease"),
    mention(40, 45, "Disease", A),
]
DOC1_PREDICTED = [
    mention(0, 5, "Disease", A),
    mention(10, 20, "Disease", C, B),
    mention(30, 35, "Disease", "MESH:D777"),
    mention(40, 45, "Disease", D),
    mention(50, 55, "Disease"),
    mention(60, 65, "Disease", E),
]
# Document 2: gold chemical (0,4) M and disease (5,9) A; predicted chemical (0,4) M
# (right) and (5,9) as a chemical with A (wrong label: a chemical false positive,
# and the disease is missed).
DOC2_GOLD = [mention(0, 4, "Chemical", M), mention(5, 9, "Disease", A)]
DOC2_PREDICTED = [mention(0, 4, "Chemical", M), mention(5, 9, "Chemical", A)]


def prf(p, r, f, tp, predicted, gold):
    return {"p": p, "r": r, "f": f, "tp": tp, "predicted": predicted, "gold": gold}


def test_mention_and_document_scores_by_hand():
    scores = score_end_to_end([DOC1_PREDICTED, DOC2_PREDICTED], [DOC1_GOLD, DOC2_GOLD])
    # Disease mentions: predicted (0,5) (10,20) (40,45) (60,65), gold 4 with an ID
    # (3 in doc 1, 1 in doc 2); right: 2.
    assert scores["Disease"]["mention"] == prf(50.0, 50.0, 50.0, 2, 4, 4)
    # Disease concepts: doc 1 predicts {A, B, C, D, E} for gold {A, B, C} (3 right),
    # doc 2 predicts none for gold {A}: 3 of 5 predicted, 3 of 4 gold, F = 6/9.
    assert scores["Disease"]["document"] == prf(60.0, 75.0, 66.7, 3, 5, 4)
    # Chemical: 1 of 2 predicted right, the 1 gold found, at both levels.
    assert scores["Chemical"]["mention"] == prf(50.0, 100.0, 66.7, 1, 2, 1)
    assert scores["Chemical"]["document"] == prf(50.0, 100.0, 66.7, 1, 2, 1)
    # All labels: mentions 3 of 6 predicted, 3 of 5 gold (F = 6/11); concepts 4 of
    # 7 predicted, 4 of 5 gold (F = 8/12).
    assert scores["all"]["mention"] == prf(50.0, 60.0, 54.5, 3, 6, 5)
    assert scores["all"]["document"] == prf(57.1, 80.0, 66.7, 4, 7, 5)


def test_a_composite_needs_all_its_ids_at_mention_level_but_counts_each_in_the_document():
    gold = [[mention(0, 9, "Disease", B, C)]]
    predicted = [[mention(0, 9, "Disease", B)]]
    scores = score_end_to_end(predicted, gold)
    assert scores["Disease"]["mention"]["tp"] == 0
    # One of the document's two gold concepts is found.
    assert scores["Disease"]["document"] == prf(100.0, 50.0, 66.7, 1, 1, 2)


def test_alternative_ids_are_compared_as_their_primary_id():
    gold = [[mention(0, 9, "Disease", "OMIM:168600")]]
    predicted = [[mention(0, 9, "Disease", "MESH:D010300")]]
    assert score_end_to_end(predicted, gold)["all"]["mention"]["tp"] == 0
    primary = {"OMIM:168600": "MESH:D010300"}
    scores = score_end_to_end(predicted, gold, canonical=lambda i: primary.get(i, i))
    assert scores["all"]["mention"] == prf(100.0, 100.0, 100.0, 1, 1, 1)


def test_nothing_predicted_scores_zero_not_undefined():
    scores = score_end_to_end([[]], [[mention(0, 4, "Gene", "NCBIGene:672")]])
    assert scores["Gene"]["mention"] == prf(None, 0.0, 0.0, 0, 0, 1)


def test_documents_must_pair_up():
    with pytest.raises(ValueError, match=Errors.E1206.code):
        score_end_to_end([[], []], [[]])


def test_split_ids():
    assert split_ids("MESH:D001943|MESH:D010051") == {"MESH:D001943", "MESH:D010051"}
    assert split_ids("") == frozenset()


# A tiny NCBI-disease-shaped corpus: the test split has one document with a
# definition, its short form, a composite and a mention without ID.
TITLE = "Breast and ovarian cancer in Parkinson's disease (PD)."
ABSTRACT = "PD and renal disease; a fibroma."
NCBI_TEST = (
    f"1|t|{TITLE}\n1|a|{ABSTRACT}\n"
    "1\t0\t25\tBreast and ovarian cancer\tCompositeMention\tD001943|D010051\n"
    "1\t29\t48\tParkinson's disease\tSpecificDisease\tD010300\n"
    "1\t50\t52\tPD\tSpecificDisease\tD010300\n"
    f"1\t{len(TITLE) + 1}\t{len(TITLE) + 3}\tPD\tSpecificDisease\tD010300\n"
    f"1\t{len(TITLE) + 8}\t{len(TITLE) + 21}\trenal disease\tSpecificDisease\tOMIM:168600\n"
    f"1\t{len(TITLE) + 25}\t{len(TITLE) + 32}\tfibroma\tSpecificDisease\t-1\n"
    "\n"
)


@pytest.fixture
def ncbi_dir(tmp_path):
    folder = tmp_path / "corpora" / "ncbi_disease"
    folder.mkdir(parents=True)
    for split in ("train", "develop", "test"):
        (folder / f"NCBI{split}set_corpus.txt").write_text(NCBI_TEST, encoding="utf8")
    return tmp_path / "corpora"


def test_end_to_end_on_a_tiny_corpus(disease_kb, ncbi_dir):
    """A rule-based NER finds three of the five linked gold mentions and one span
    that is not one; the linker links them with the test KB."""
    nlp = make_nlp()
    ruler = nlp.add_pipe("entity_ruler")
    patterns = ["Breast and ovarian cancer", "Parkinson's disease", "renal disease", "fibroma"]
    ruler.add_patterns([{"label": "Disease", "pattern": text} for text in patterns])
    add_linking_pipes(nlp, {"Disease": disease_kb}, threshold=0.5)
    rows = evaluate_end_to_end(
        nlp, ncbi_dir, corpora=[LinkingCorpus.ncbi_disease], kbs={"Disease": disease_kb}
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row["corpus"], row["label"], row["docs"], row["mentions"]) == (
        "ncbi_disease",
        "Disease",
        1,
        5,
    )
    # Predicted and linked: the composite {D001943, D010051}, Parkinson's disease
    # D010300 and renal disease D007674 (gold says OMIM:168600, the KB's alternative
    # ID of Parkinson disease: wrong); "fibroma" is on an ID-less gold mention, not
    # scored. The two "PD" are missed. Mentions: 2 of 3 right, 2 of 5 found.
    assert (row["mention_p"], row["mention_r"], row["mention_f"]) == (66.7, 40.0, 50.0)
    # Concepts: predicted {D001943, D010051, D010300, D007674}; gold {D001943,
    # D010051, D010300} (OMIM:168600 is D010300): 3 of 4, 3 of 3.
    assert (row["doc_p"], row["doc_r"], row["doc_f"]) == (75.0, 100.0, 85.7)


def test_gold_mention_accuracy_and_table(disease_kb, ncbi_dir):
    result = evaluate_linking(
        {"Disease": disease_kb}, ncbi_dir, corpora=[LinkingCorpus.ncbi_disease]
    )
    (row,) = result["rows"]
    # 5 linked gold mentions; all but "renal disease" (gold OMIM:168600) are right,
    # the short forms through their long form, the composite through its parts.
    assert (row["n"], row["acc@1"]) == (5, 80.0)
    assert "| ncbi_disease | Disease | 5 | 80.0 |" in linking_table(result)
