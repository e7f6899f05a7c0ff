"""The BioGPT evaluations measure what they claim: an oracle scores 100, always
answering "yes" scores the published majority baseline, the CID gold is the file's
lines, unmatched names are false positives counted apart, and bad input stops with
the place and the fix. Expected values come from the data files, the PubMedQA and
BC5CDR papers, or are counted by hand on tests/biogpt/fixtures/cdr_mini.PubTator.txt."""

import json
import shutil
import warnings
from collections import Counter
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Span
from typer.testing import CliRunner

from spacy_biolm.biogpt import evaluate as ev
from spacy_biolm.biogpt import tasks
from spacy_biolm.biogpt.component import install_extensions
from spacy_biolm.corpora.source import CorpusError
from spacy_biolm.errors import message_code

FIXTURE = Path(__file__).parent / "fixtures" / "cdr_mini.PubTator.txt"
M = "MESH:"

install_extensions()

# Hand-counted from the fixture's 5 CID lines (one of them repeated).
FIXTURE_CID = {
    "100": {(M + "D003000", M + "D007022"), (M + "D003000", M + "D001919")},
    "200": {(M + "D002945", M + "D051437"), (M + "D002945", M + "D017093")},
}
# Documents of the official PubMedQA test split, and BC5CDR's test CID relations
# (Li et al. 2016, the BioCreative V CDR corpus paper: 500 documents, 1,066 CID).
PUBMEDQA_TEST = 500
BC5CDR_TEST_DOCS, BC5CDR_TEST_CID = 500, 1066


# -- pipes standing in for BioGPT ------------------------------------------------

# What each scripted pipe answers, keyed by doc text; set by the tests.
ANSWERS: dict = {}
OUTPUTS: dict = {}
LINKS: dict = {}


@Language.component("oracle_answer", assigns=["doc._.biogpt_answer"])
def oracle_answer(doc):
    doc._.biogpt_answer = ANSWERS[doc.text]
    return doc


@Language.component("always_yes", assigns=["doc._.biogpt_answer"])
def always_yes(doc):
    doc._.biogpt_answer = "yes"
    return doc


@Language.component("oracle_relations", assigns=["doc._.biogpt_relations"])
def oracle_relations(doc):
    """The gold pairs, each through a mention with that ID (a single-ID one where
    the document has one: a composite mention stands for all of its IDs)."""
    document = OUTPUTS[doc.text]

    def entity(label, concept):
        mention = min(
            (m for m in document.mentions if m.label == label and concept in m.ids),
            key=lambda m: len(m.ids),
        )
        span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
        return {"text": span.text, "start": span.start_char, "end": span.end_char, "label": label}

    doc._.biogpt_relations = [
        {"head": entity("Chemical", c), "tail": entity("Disease", d), "label": "CID"}
        for c, d in sorted(document.relations)
    ]
    return doc


@Language.component("scripted_relations", assigns=["doc._.biogpt_relations"])
def scripted_relations(doc):
    """BioGPT-style output text, read by the component's own parser."""
    doc._.biogpt_relations = tasks.parse_relations(OUTPUTS.get(doc.text, ""), doc)
    return doc


@Language.component("fake_linker")
def fake_linker(doc):
    """Sets kb_id_ on the gold spans named in LINKS, as biolm_linker would."""
    group = doc.spans["biolm_ents"]
    doc.spans["biolm_ents"] = [
        Span(doc, s.start, s.end, label=s.label_, kb_id=LINKS.get(s.text, "")) for s in group
    ]
    return doc


def _nlp(*names):
    nlp = spacy.blank("en")
    for name in names:
        nlp.add_pipe(name)
    return nlp


@pytest.fixture
def cdr_dir(tmp_path) -> Path:
    """A corpora folder whose bc5cdr/ test set is the fixture (the other splits,
    which the evaluation never reads, are empty)."""
    folder = tmp_path / "bc5cdr"
    folder.mkdir()
    shutil.copy(FIXTURE, folder / "CDR_TestSet.PubTator.txt")
    for name in ("Training", "Development"):
        (folder / f"CDR_{name}Set.PubTator.txt").write_text("", encoding="utf8")
    return tmp_path


def _pubmedqa(tmp_path, truth, records) -> Path:
    folder = tmp_path / "pubmedqa"
    folder.mkdir()
    (folder / "test_ground_truth.json").write_text(json.dumps(truth), encoding="utf8")
    (folder / "ori_pqal.json").write_text(json.dumps(records), encoding="utf8")
    return tmp_path


def _record(question="Does it work?"):
    return {"QUESTION": question, "CONTEXTS": ["It was tested.", "It worked."]}


# -- PubMedQA --------------------------------------------------------------------


def test_the_official_split_has_500_questions_55_2_percent_yes(corpora_dir):
    truth = json.loads((corpora_dir / "pubmedqa" / "test_ground_truth.json").read_text())
    questions = ev.read_pubmedqa(corpora_dir)
    assert [q.id for q in questions] == list(truth)
    assert len(questions) == PUBMEDQA_TEST
    share = Counter(truth.values())["yes"] / len(truth)
    assert round(100 * share, 1) == 55.2  # the paper's majority baseline
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ev.check_official_split(questions, "test_ground_truth.json")
    # The context is the abstract without its conclusion (reasoning-required).
    records = json.loads((corpora_dir / "pubmedqa" / "ori_pqal.json").read_text())
    first = records[questions[0].id]
    assert questions[0].context == " ".join(first["CONTEXTS"])
    assert first["LONG_ANSWER"] not in questions[0].context


def test_an_oracle_scores_100_on_pubmedqa(corpora_dir):
    questions = ev.read_pubmedqa(corpora_dir)
    ANSWERS.clear()
    ANSWERS.update({q.context: q.answer for q in questions})
    assert len(ANSWERS) == len(questions)  # contexts are distinct: the oracle is exact
    results = ev.evaluate_pubmedqa(_nlp("oracle_answer"), questions)
    assert results["accuracy"] == 1.0
    assert results["macro_f1"] == 1.0
    counts = Counter(q.answer for q in questions)
    for label in tasks.QA_ANSWERS:
        assert results["confusion"][label][label] == counts[label]


def test_always_yes_scores_the_majority_baseline(corpora_dir):
    truth = json.loads((corpora_dir / "pubmedqa" / "test_ground_truth.json").read_text())
    n_yes = sum(answer == "yes" for answer in truth.values())
    results = ev.evaluate_pubmedqa(_nlp("always_yes"), ev.read_pubmedqa(corpora_dir))
    assert results["accuracy"] == n_yes / len(truth) == results["majority_baseline"]
    assert round(100 * results["accuracy"], 1) == 55.2
    # yes: P = share, R = 1; no and maybe: F = 0 (both occur in the gold).
    share = n_yes / len(truth)
    assert results["macro_f1"] == pytest.approx((2 * share / (share + 1)) / 3)
    n_no = sum(answer == "no" for answer in truth.values())
    assert results["confusion"]["no"] == {"yes": n_no, "no": 0, "maybe": 0, "none": 0}


def test_classification_scores_by_hand():
    gold = ["yes", "no", "maybe", "yes", "no"]
    predicted = ["yes", "yes", "maybe", None, "no"]
    scores = ev.classification_scores(gold, predicted)
    assert scores["accuracy"] == 3 / 5
    # yes: P 1/2 R 1/2 F 1/2; no: P 1 R 1/2 F 2/3; maybe: F 1.
    assert scores["per_label"]["yes"]["f"] == pytest.approx(0.5)
    assert scores["per_label"]["no"]["f"] == pytest.approx(2 / 3)
    assert scores["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 1) / 3)
    assert scores["confusion"]["yes"]["none"] == 1
    # Labels absent from gold and predictions do not count (scikit-learn's rule).
    assert ev.classification_scores(["yes"], ["yes"])["macro_f1"] == 1.0


def test_a_question_missing_from_the_data_names_the_id(tmp_path):
    corpora = _pubmedqa(tmp_path, {"111": "yes", "222": "no"}, {"111": _record()})
    with pytest.raises(ValueError) as error:
        ev.read_pubmedqa(corpora)
    assert message_code(error.value) == "BIOLM-E1138"
    assert "222" in str(error.value) and "same commit" in str(error.value)


def test_an_unknown_gold_answer_names_the_id(tmp_path):
    corpora = _pubmedqa(tmp_path, {"111": "Yes."}, {"111": _record()})
    with pytest.raises(ValueError, match="111") as error:
        ev.read_pubmedqa(corpora)
    assert message_code(error.value) == "BIOLM-E1139"


def test_a_file_that_is_not_the_official_split_warns(tmp_path):
    corpora = _pubmedqa(tmp_path, {"111": "yes", "222": "no"}, {"111": _record(), "222": _record()})
    questions = ev.read_pubmedqa(corpora, max_questions=1)
    assert [q.id for q in questions] == ["111"]
    with pytest.warns(UserWarning, match="BIOLM-W1042"):
        assert not ev.check_official_split(ev.read_pubmedqa(corpora), "x.json")


def test_a_pipeline_without_a_qa_component_is_refused():
    nlp = spacy.blank("en")
    nlp.add_pipe("biogpt", config={"task": "generate"})  # writes answers for qa only
    with pytest.raises(ValueError) as error:
        ev.check_pipeline(nlp, "biogpt_answer", "qa")
    assert message_code(error.value) == "BIOLM-E1142"
    assert "'task': 'qa'" in str(error.value)


def test_a_vocabulary_without_the_answer_words_is_refused(tmp_path):
    """A tokenizer that cannot spell "y" maps "yes" and "maybe" to <unk>."""
    from spacy_biolm.testing import build_random_biogpt
    from spacy_biolm.testing.random_biogpt import write_synthetic_fairseq_vocab

    vocab = write_synthetic_fairseq_vocab(tmp_path / "vocab", texts=["no answer here"])
    for name in ("dict.txt", "bpecodes"):
        path = vocab / name
        lines = path.read_text(encoding="utf8").splitlines(keepends=True)
        path.write_text("".join(line for line in lines if "y" not in line), encoding="utf8")
    model = build_random_biogpt(
        tmp_path / "model", fairseq_vocab_dir=vocab, max_position_embeddings=64
    )
    nlp = spacy.blank("en")
    nlp.add_pipe("biogpt", config={"model": str(model), "task": "qa"})
    nlp.initialize()
    with pytest.raises(ValueError) as error:
        ev.check_pipeline(nlp, "biogpt_answer", "qa")
    assert message_code(error.value) == "BIOLM-E1143"
    assert "['yes', 'maybe']" in str(error.value) and "biogpt_tokenizer" in str(error.value)


# -- BC5CDR CID relations ----------------------------------------------------------


def test_cid_lines_by_hand():
    assert ev.read_cid_relations(FIXTURE) == FIXTURE_CID


def test_the_test_file_has_the_published_cid_count(corpora_dir):
    path = corpora_dir / "bc5cdr" / "CDR_TestSet.PubTator.txt"
    relations = ev.read_cid_relations(path)
    assert sum(map(len, relations.values())) == BC5CDR_TEST_CID
    assert len(relations) == BC5CDR_TEST_DOCS  # every test document has one


@pytest.mark.parametrize(
    "line,problem",
    [
        ("100\tCID\tD003000", "3 tab-separated fields"),
        ("100\tCID\tD003000\taspirin", "'aspirin' is not a MeSH ID"),
        ("abc\tCID\tD003000\tD007022", "'abc' is not a number"),
    ],
)
def test_a_malformed_relation_line_names_file_and_line(tmp_path, line, problem):
    lines = FIXTURE.read_text(encoding="utf8").splitlines()
    lines.insert(11, line)  # after document 100's relations: line 12
    path = tmp_path / "bad.PubTator.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf8")
    with pytest.raises(CorpusError) as error:
        ev.read_cid_relations(path)
    assert error.value.code == "BIOLM-E1140"
    assert f"{path}:12" in str(error.value) and problem in str(error.value)


def test_a_relation_of_a_document_not_in_the_file_is_refused(cdr_dir):
    path = cdr_dir / "bc5cdr" / "CDR_TestSet.PubTator.txt"
    path.write_text(path.read_text() + "999\tCID\tD003000\tD007022\n", encoding="utf8")
    with pytest.raises(CorpusError, match="999") as error:
        ev.read_bc5cdr_test(cdr_dir)
    assert error.value.code == "BIOLM-E1062"  # the PubTator reader's: a line outside a document
    assert f"{path}:30" in str(error.value)


def test_a_test_file_without_relation_lines_is_refused(cdr_dir):
    path = cdr_dir / "bc5cdr" / "CDR_TestSet.PubTator.txt"
    lines = path.read_text(encoding="utf8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if "\tCID\t" not in line), encoding="utf8")
    with pytest.raises(ValueError, match="no CID relation lines") as error:
        ev.read_bc5cdr_test(cdr_dir)
    assert message_code(error.value) == "BIOLM-E1141"


def test_an_oracle_scores_100_on_bc5cdr(corpora_dir):
    documents = ev.read_bc5cdr_test(corpora_dir)
    assert len(documents) == BC5CDR_TEST_DOCS
    OUTPUTS.clear()
    OUTPUTS.update({document.text: document for document in documents})
    results = ev.evaluate_relations(_nlp("oracle_relations"), documents)
    assert results["gold"] == results["tp"] == BC5CDR_TEST_CID
    assert (results["p"], results["r"], results["f"]) == (1.0, 1.0, 1.0)
    assert results["unmatched"] == 0


def test_relations_scored_by_hand(cdr_dir):
    """Doc 100: one right pair (said twice, in two spellings), one wrong pair, a
    chemical that is not in the text, a pair in the wrong order; doc 200: a composite
    disease (two gold pairs at once); doc 300: nothing. Gold: 4 pairs."""
    documents = ev.read_bc5cdr_test(cdr_dir)
    assert [d.id for d in documents] == ["100", "200", "300"]
    OUTPUTS.clear()
    OUTPUTS[documents[0].text] = (
        "the relation between clonidine and hypotension exists; "
        "the relation between Clonidine and Hypotension exists; "
        "the relation between naloxone and seizures exists; "
        "the relation between morphine and hypotension exists; "
        "the relation between hypotension and clonidine exists."
    )
    OUTPUTS[documents[1].text] = (
        "the relation between cisplatin and renal and hepatic failure exists"
    )
    results = ev.evaluate_relations(_nlp("scripted_relations"), documents)
    assert (results["tp"], results["fp"], results["fn"]) == (3, 3, 1)
    assert (results["p"], results["r"]) == (0.5, 0.75)
    assert results["f"] == pytest.approx(0.6)
    assert results["unmatched"] == 2
    assert results["unmatched_by_reason"] == {"name matches no entity": 1, "not a Chemical": 1}
    assert {(e["doc"], e["head"]) for e in results["unmatched_examples"]} == {
        ("100", "morphine"),
        ("100", "hypotension"),
    }
    assert results["docs_without_relations"] == 1


def test_a_linkers_id_grounds_a_mention_without_gold_id(cdr_dir):
    """ "toxin" has no gold ID (-1): unmatched, unless a linker set its kb_id_."""
    documents = ev.read_bc5cdr_test(cdr_dir)[1:2]
    OUTPUTS.clear()
    OUTPUTS[documents[0].text] = "the relation between toxin and renal and hepatic failure exists"
    unlinked = ev.evaluate_relations(_nlp("scripted_relations"), documents)
    assert (unlinked["tp"], unlinked["fp"], unlinked["unmatched"]) == (0, 1, 1)
    assert unlinked["unmatched_by_reason"] == {"entity without ID": 1}
    LINKS.clear()
    LINKS["toxin"] = M + "D002945"
    linked = ev.evaluate_relations(_nlp("fake_linker", "scripted_relations"), documents)
    assert (linked["tp"], linked["fp"], linked["fn"]) == (2, 0, 0)


# -- end to end: random BioGPT weights through the commands --------------------------


def test_the_commands_run_a_random_biogpt_end_to_end(tiny_biogpt_dir, corpora_dir, tmp_path):
    from spacy_biolm.cli import app

    runner = CliRunner()
    qa = runner.invoke(
        app,
        [
            "evaluate-pubmedqa",
            str(tiny_biogpt_dir),
            str(corpora_dir),
            "--max",
            "3",
            "-o",
            str(tmp_path / "pubmedqa.json"),
        ],
    )
    assert qa.exit_code == 0, qa.output
    scores = json.loads((tmp_path / "pubmedqa.json").read_text())
    assert scores["questions"] == 3
    assert sum(sum(row.values()) for row in scores["confusion"].values()) == 3
    assert scores["no_answer"] == 0
    assert "| gold yes |" in (tmp_path / "pubmedqa.md").read_text()
    re_run = runner.invoke(
        app,
        [
            "evaluate-relations",
            str(tiny_biogpt_dir),
            str(corpora_dir),
            "--max",
            "2",
            "-o",
            str(tmp_path / "relations_bc5cdr.json"),
        ],
    )
    assert re_run.exit_code == 0, re_run.output
    scores = json.loads((tmp_path / "relations_bc5cdr.json").read_text())
    gold = ev.read_cid_relations(corpora_dir / "bc5cdr" / "CDR_TestSet.PubTator.txt")
    first_two = list(gold)[:2]  # every test document has relations, in file order
    assert scores["docs"] == 2 and scores["gold"] == sum(len(gold[pmid]) for pmid in first_two)
    assert scores["tp"] + scores["fn"] == scores["gold"]
    assert (tmp_path / "relations_bc5cdr.md").exists()


def test_the_command_stops_with_the_id_and_the_fix(tiny_biogpt_dir, tmp_path):
    from spacy_biolm.cli import app

    corpora = _pubmedqa(tmp_path, {"111": "yes", "222": "no"}, {"111": _record()})
    result = CliRunner().invoke(app, ["evaluate-pubmedqa", str(tiny_biogpt_dir), str(corpora)])
    assert result.exit_code == 1
    assert "222" in result.output and "BIOLM-E1138" in result.output
