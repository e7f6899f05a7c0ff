"""Schwartz–Hearst abbreviation detection: `biolm_abbreviations`."""

import pytest
import spacy
from spacy.tokens import Doc, DocBin, Span

from spacy_biolm.linking.abbreviations import best_long_form, is_short_form
from spacy_biolm.ner.component import SCORES_KEY, score_key


@pytest.fixture(scope="module")
def nlp():
    tokenizer = {"@tokenizers": "spacy-biolm.Tokenizer.v1"}
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": tokenizer}})
    nlp.add_pipe("biolm_abbreviations")
    return nlp


def pairs(doc):
    return [(short.text, long.text, short.start_char) for short, long in doc._.abbreviations]


def test_long_form_then_short_form(nlp):
    text = "Parkinson's disease (PD) is common. Many PD patients. PD."
    doc = nlp(text)
    expected = [
        ("PD", "Parkinson's disease", text.index("(PD") + 1),
        ("PD", "Parkinson's disease", text.index("Many PD") + 5),
        ("PD", "Parkinson's disease", text.rindex("PD")),
    ]
    assert pairs(doc) == expected


def test_reversed_form(nlp):
    text = "We measured TNF (tumor necrosis factor) and later TNF again."
    doc = nlp(text)
    assert [(s, lf) for s, lf, _ in pairs(doc)] == [
        ("TNF", "tumor necrosis factor"),
        ("TNF", "tumor necrosis factor"),
    ]


def test_reversed_form_needs_a_capital(nlp):
    # "in (the remaining three patients)": the word before is no abbreviation.
    doc = nlp("It was seen in (the remaining three patients) only.")
    assert pairs(doc) == []


def test_nested_parentheses(nlp):
    text = (
        "Cytokines (interleukin 6 (IL-6) and tumour necrosis factor (TNF)) rose; "
        "IL-6 and TNF fell (see Fig. 2 (a))."
    )
    doc = nlp(text)
    found = {(s, lf) for s, lf, _ in pairs(doc)}
    assert found == {("IL-6", "interleukin 6"), ("TNF", "tumour necrosis factor")}
    assert len(pairs(doc)) == 4


def test_short_form_inside_a_word_is_no_occurrence(nlp):
    text = "breast cancer (BRCA) genes: BRCA1 and BRCA2 differ from BRCA."
    doc = nlp(text)
    assert [start for _, _, start in pairs(doc)] == [text.index("BRCA)"), text.rindex("BRCA")]


def test_no_long_form_candidate(nlp):
    text = "A cohort (XYZ) of patients (n = 12) had results (p < 0.05) (Fig. 1)."
    assert pairs(nlp(text)) == []


def test_short_form_at_doc_start_has_no_long_form(nlp):
    assert pairs(nlp("(CT) scans were done.")) == []


def test_multiple_definitions_resolve_to_the_closest_before(nlp):
    text = (
        "Parkinson's disease (PD) is slow. PD again. "
        "Peritoneal dialysis (PD) is a therapy. This PD is renal."
    )
    doc = nlp(text)
    assert [lf for _, lf, _ in pairs(doc)] == [
        "Parkinson's disease",
        "Parkinson's disease",
        "Peritoneal dialysis",
        "Peritoneal dialysis",
    ]


def test_occurrence_before_any_definition_takes_the_first(nlp):
    text = "PD was studied. Parkinson's disease (PD) is slow."
    assert [lf for _, lf, _ in pairs(nlp(text))] == ["Parkinson's disease"] * 2


def test_long_form_and_short_form_extensions(nlp):
    doc = nlp("Acute kidney injury (AKI) follows. AKI resolves.")
    last = [token.i for token in doc if token.text == "AKI"][-1]
    assert doc[last : last + 1]._.long_form.text == "Acute kidney injury"
    assert doc[0:2]._.long_form is None


def test_empty_doc(nlp):
    doc = nlp("")
    assert doc._.abbreviations == []


def test_unprocessed_doc_has_no_abbreviations(nlp):
    doc = nlp.make_doc("Acute kidney injury (AKI).")
    assert doc._.abbreviations == []


def test_abbreviations_survive_docbin_and_bytes(nlp):
    doc = nlp("Acute kidney injury (AKI) follows. AKI resolves.")
    expected = pairs(doc)
    copy = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert pairs(copy) == expected
    docbin = DocBin(store_user_data=True, docs=[doc])
    restored = list(DocBin().from_bytes(docbin.to_bytes()).get_docs(nlp.vocab))
    assert pairs(restored[0]) == expected


@pytest.mark.parametrize(
    "short,expected",
    [("PD", True), ("IL-6", True), ("5-FU", True), ("A", False), ("12", False), ("-PD", False)],
)
def test_is_short_form(short, expected):
    assert is_short_form(short) is expected


@pytest.mark.parametrize(
    "short,text,expected",
    [
        # The first letter must start a word: "PD" is not "s-PD" in "sPeeD".
        ("PD", "Parkinson's disease", 0),
        ("HSF", "with heat shock factor", len("with ")),
        ("ABC", "something else", None),
    ],
)
def test_best_long_form(short, text, expected):
    assert best_long_form(short, text) == expected


def test_consistent_types_off_by_default(nlp):
    doc = _with_entities(nlp.make_doc("Acute kidney injury (AKI) follows. AKI resolves."))
    doc = nlp.get_pipe("biolm_abbreviations")(doc)
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Acute kidney injury", "Disease"),
        ("AKI", "Chemical"),
    ]


def test_consistent_types_follow_the_long_form():
    tokenizer = {"@tokenizers": "spacy-biolm.Tokenizer.v1"}
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": tokenizer}})
    nlp.add_pipe("biolm_abbreviations", config={"consistent_types": True})
    doc = _with_entities(nlp.make_doc("Acute kidney injury (AKI) follows. AKI resolves."))
    doc = nlp.get_pipe("biolm_abbreviations")(doc)
    # The Chemical "AKI" takes the long form's type, the missed one becomes a Disease.
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Acute kidney injury", "Disease"),
        ("AKI", "Disease"),
        ("AKI", "Disease"),
    ]
    assert [(s.text, s.label_) for s in doc.spans["biolm_ents"]] == [
        ("Acute kidney injury", "Disease"),
        ("AKI", "Disease"),
        ("AKI", "Disease"),
    ]
    # biolm_ner's scores (keyed by start, end, label) follow the relabelled spans.
    assert [s._.biolm_score for s in doc.spans["biolm_ents"]] == [0.9, 0.9, 0.9]
    assert [e._.biolm_score for e in doc.ents] == [0.9, 0.9, 0.9]


def _with_entities(doc):
    # Gold-like entities: the long form a Disease, the first short form a Chemical.
    first = [t.i for t in doc if t.text == "AKI"][0]
    spans = [Span(doc, 0, 3, label="Disease"), Span(doc, first, first + 1, label="Chemical")]
    doc.spans["biolm_ents"] = spans
    doc.spans["biolm_ents"].attrs[SCORES_KEY] = {
        score_key(span.start, span.end, span.label_): score
        for span, score in zip(spans, [0.9, 0.6])
    }
    doc.ents = spans
    return doc


def test_use_abbreviation_types_adds_the_pipe_after_the_ner():
    from spacy_biolm.linking.component import use_abbreviation_types

    tokenizer = {"@tokenizers": "spacy-biolm.Tokenizer.v1"}
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": tokenizer}})
    nlp.add_pipe("ner")
    nlp.add_pipe("sentencizer")
    pipe = use_abbreviation_types(nlp)
    assert nlp.pipe_names == ["ner", "biolm_abbreviations", "sentencizer"]
    assert pipe.consistent_types is True
    doc = _with_entities(nlp.make_doc("Acute kidney injury (AKI) follows. AKI resolves."))
    assert [(e.text, e.label_) for e in pipe(doc).ents] == [
        ("Acute kidney injury", "Disease"),
        ("AKI", "Disease"),
        ("AKI", "Disease"),
    ]


def test_use_abbreviation_types_turns_on_an_existing_pipe(nlp):
    from spacy_biolm.linking.component import use_abbreviation_types

    before = list(nlp.pipe_names)
    assert nlp.get_pipe("biolm_abbreviations").consistent_types is False
    assert use_abbreviation_types(nlp) is nlp.get_pipe("biolm_abbreviations")
    assert nlp.pipe_names == before
    assert nlp.get_pipe("biolm_abbreviations").consistent_types is True
    # The config says so too, so a saved pipeline reloads with it.
    assert nlp.config["components"]["biolm_abbreviations"]["consistent_types"] is True
