"""Prompts, output clean-up and parsers of the biogpt tasks (no model involved)."""

import math

import pytest
import spacy
from spacy.tokens import Span

from spacy_biolm.annotations import SPANS_KEY
from spacy_biolm.biogpt import tasks

LEARNED = " ".join(f"learned{i}" for i in range(1, 10))


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


def _with_ents(nlp, text, ents, *, key=None):
    doc = nlp(text)
    spans = []
    for mention, label in ents:
        start = text.index(mention)
        spans.append(doc.char_span(start, start + len(mention), label=label))
    if key:
        doc.spans[key] = spans
    else:
        doc.ents = spans
    return doc


def test_default_prompts(nlp):
    doc = nlp("Naloxone reverses Clonidine.")
    build = tasks.build_prompt
    generate = build(
        "generate",
        doc,
        template=tasks.template_for("generate", None),
        lowercase=False,
        prompt_tokens="",
    )
    assert generate == "Naloxone reverses Clonidine."
    relations = build(
        "relations",
        doc,
        template=tasks.template_for("relations", None),
        lowercase=tasks.lowercase_for("relations", None),
        prompt_tokens=LEARNED,
    )
    assert relations == f"naloxone reverses clonidine. {LEARNED}"
    qa = build(
        "qa",
        doc,
        template=tasks.template_for("qa", None),
        lowercase=False,
        prompt_tokens="",
        question="Does naloxone reverse clonidine?",
    )
    assert " ".join(qa.split()) == (
        "question: Does naloxone reverse clonidine? context: Naloxone reverses Clonidine. "
        "the answer to the question given the context is"
    )


def test_qa_question_from_text_form(nlp):
    doc = nlp("Question: Is it safe?\nContext: It was safe in 20 patients.")
    assert tasks.qa_inputs(doc, None) == ("Is it safe?", "It was safe in 20 patients.")
    # doc._.biogpt_question wins; the whole text is then the context
    assert tasks.qa_inputs(doc, "Why?") == ("Why?", doc.text)
    with pytest.raises(ValueError, match="E1127"):
        tasks.qa_inputs(nlp("Just an abstract."), None)


def test_template_placeholders_are_checked():
    tasks.check_template("qa", "{question} / {context}")
    with pytest.raises(ValueError, match="E1123"):
        tasks.check_template("generate", "{question} {text}")


@pytest.mark.parametrize(
    "decoded,expected",
    [
        ("5 mg / kg of IL-6 / STAT3 and / or x", "5 mg/kg of IL-6/STAT3 and/or x"),
        ("a 3: 1 ratio and a 2 : 1 ratio", "a 3:1 ratio and a 2:1 ratio"),
        ("  two   spaces\nand a line ", "two spaces and a line"),
        ("Results: good (n = 3).", "Results: good (n = 3)."),
    ],
)
def test_clean_generated_text(decoded, expected):
    assert tasks.clean_generated_text(decoded) == expected


def test_bc5cdr_relations_match_doc_entities(nlp):
    text = "Cisplatin-induced Nephrotoxicity and ototoxicity in rats treated with Gentamicin."
    doc = _with_ents(
        nlp,
        text,
        [
            ("Cisplatin", "Chemical"),
            ("Nephrotoxicity", "Disease"),
            ("ototoxicity", "Disease"),
            ("Gentamicin", "Chemical"),
        ],
    )
    output = (
        "the relation between cisplatin and nephrotoxicity exists; "
        "the relation between gentamicin and ototoxicity exists."
    )
    relations = tasks.parse_relations(output, doc)
    assert [r["label"] for r in relations] == ["CID", "CID"]
    head, tail = relations[0]["head"], relations[0]["tail"]
    assert head == {"text": "Cisplatin", "start": 0, "end": 9, "label": "Chemical"}
    assert tail["label"] == "Disease" and text[tail["start"] : tail["end"]] == "Nephrotoxicity"
    assert text[relations[1]["head"]["start"] : relations[1]["head"]["end"]] == "Gentamicin"


def test_ddi_relations_after_learned_prompt(nlp):
    doc = _with_ents(nlp, "Aspirin and warfarin; ketoconazole with midazolam.", [])
    output = (
        f"{LEARNED} the interaction between aspirin and warfarin is effect; "
        "the interaction between ketoconazole and midazolam is mechanism."
    )
    relations = tasks.parse_relations(output, doc)
    assert [(r["head"]["text"], r["tail"]["text"], r["label"]) for r in relations] == [
        ("aspirin", "warfarin", "effect"),
        ("ketoconazole", "midazolam", "mechanism"),
    ]
    # no entity spans in the doc: text alone
    assert relations[0]["head"] == {"text": "aspirin", "start": None, "end": None, "label": None}


def test_entity_with_and_is_split_where_the_doc_has_entities(nlp):
    text = "Cisplatin caused nausea and vomiting."
    doc = _with_ents(nlp, text, [("Cisplatin", "Chemical"), ("nausea and vomiting", "Disease")])
    (relation,) = tasks.parse_relations(
        "we can conclude that the relation between cisplatin and nausea and vomiting exists.", doc
    )
    assert relation["head"]["text"] == "Cisplatin"
    assert relation["tail"] == {
        "text": "nausea and vomiting",
        "start": 17,
        "end": 36,
        "label": "Disease",
    }


def test_relations_prefer_biolm_spans_and_ignore_spacing(nlp):
    text = "Na+/K+-ATPase inhibition by ouabain."
    doc = _with_ents(nlp, text, [("Na+/K+-ATPase", "Gene"), ("ouabain", "Chemical")], key=SPANS_KEY)
    doc.ents = [Span(doc, 0, 1, label="Other")]
    (relation,) = tasks.parse_relations(
        "the interaction between ouabain and na + / k + -atpase is inhibitor.", doc
    )
    assert relation["head"]["label"] == "Chemical"
    assert relation["tail"] == {"text": "Na+/K+-ATPase", "start": 0, "end": 13, "label": "Gene"}
    assert relation["label"] == "inhibitor"


def test_unparseable_output_gives_no_relations(nlp):
    doc = nlp("Some text.")
    assert tasks.parse_relations("", doc) == []
    assert tasks.parse_relations("in conclusion, aspirin is a drug.", doc) == []


def test_answer_probabilities():
    probs = tasks.answer_probabilities([-1.0, -2.0, -1000.0], tasks.QA_ANSWERS)
    assert list(probs) == ["yes", "no", "maybe"]
    assert math.isclose(sum(probs.values()), 1.0)
    assert math.isclose(probs["yes"] / probs["no"], math.e)
