"""The `biolm_linker` pipe on tiny hand-made knowledge bases."""

import warnings

import pytest
import spacy
from spacy.tokens import Doc, Span

from spacy_biolm.linking.component import (
    EntityLinker,
    expand_from_doc,
    expand_genus,
    head_of_mention,
    strain_species,
    undefined_short_form,
)
from spacy_biolm.linking.kb import KnowledgeBaseBuilder
from spacy_biolm.linking.lookup import NameTable

# Building a KB fits scikit-learn's vectoriser (the `linking` extra).
pytest.importorskip("sklearn")


def make_nlp(disease_kb=None, chemical_kb=None, **config):
    tokenizer = {"@tokenizers": "spacy-biolm.Tokenizer.v1"}
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": tokenizer}})
    nlp.add_pipe("biolm_abbreviations")
    linker = nlp.add_pipe("biolm_linker", config=config)
    if disease_kb is not None:
        linker.add_kb("Disease", disease_kb)
    if chemical_kb is not None:
        linker.add_kb("Chemical", chemical_kb)
    return nlp


def with_entities(nlp, text, entities):
    """A doc with entities given as (text, label), each at its first occurrence
    after the previous one (as biolm_ner would write them)."""
    doc = nlp.make_doc(text)
    spans, offset = [], 0
    for mention, label in entities:
        start = text.index(mention, offset)
        offset = start + len(mention)
        spans.append(doc.char_span(start, offset, label=label))
    doc.spans["biolm_ents"] = spans
    doc.ents = spans
    return doc


def run(nlp, doc):
    for _, pipe in nlp.pipeline:
        doc = pipe(doc)
    return doc


def test_links_spans_and_ents(disease_kb, chemical_kb):
    nlp = make_nlp(disease_kb, chemical_kb)
    doc = run(
        nlp,
        with_entities(
            nlp,
            "Naloxone eased breast cancers.",
            [("Naloxone", "Chemical"), ("breast cancers", "Disease")],
        ),
    )
    assert [(s.text, s.kb_id_) for s in doc.spans["biolm_ents"]] == [
        ("Naloxone", "MESH:D009270"),
        ("breast cancers", "MESH:D001943"),
    ]
    assert [e.kb_id_ for e in doc.ents] == ["MESH:D009270", "MESH:D001943"]
    candidates = doc.ents[1]._.biolm_candidates
    assert candidates[0] == {"id": "MESH:D001943", "name": "Breast Neoplasms", "score": 1.0}
    assert doc.spans["biolm_ents"][1]._.biolm_candidates == candidates


def test_threshold_leaves_weak_matches_unlinked(disease_kb):
    text = "She had parkinsonism disease."
    nlp = make_nlp(disease_kb, threshold=0.99)
    doc = run(nlp, with_entities(nlp, text, [("parkinsonism disease", "Disease")]))
    assert doc.ents[0].kb_id_ == ""
    best = doc.ents[0]._.biolm_candidates[0]
    assert best["id"] == "MESH:D010300" and best["score"] < 0.99
    nlp = make_nlp(disease_kb, threshold=0.0)
    doc = run(nlp, with_entities(nlp, text, [("parkinsonism disease", "Disease")]))
    assert doc.ents[0].kb_id_ == "MESH:D010300"


@pytest.mark.parametrize("threshold", [-0.1, 1.5])
def test_threshold_out_of_range(threshold):
    with pytest.raises(ValueError, match="E1189"):
        make_nlp(threshold=threshold)


def test_short_form_links_through_its_long_form(disease_kb):
    text = "High blood pressure (HBP) is common. HBP is treatable."
    nlp = make_nlp(disease_kb)
    doc = run(
        nlp,
        with_entities(
            nlp, text, [("High blood pressure", "Disease"), ("HBP", "Disease"), ("HBP", "Disease")]
        ),
    )
    assert [e.kb_id_ for e in doc.ents] == ["MESH:D006973"] * 3
    nlp = make_nlp(disease_kb, resolve_abbreviations=False)
    doc = run(
        nlp,
        with_entities(
            nlp, text, [("High blood pressure", "Disease"), ("HBP", "Disease"), ("HBP", "Disease")]
        ),
    )
    assert [e.kb_id_ for e in doc.ents] == ["MESH:D006973", "", ""]


def test_composite_mention_gets_the_ids_of_its_parts(disease_kb):
    text = "Risk of breast and ovarian cancer rises."
    nlp = make_nlp(disease_kb)
    doc = run(nlp, with_entities(nlp, text, [("breast and ovarian cancer", "Disease")]))
    assert doc.ents[0].kb_id_ == "MESH:D001943|MESH:D010051"
    assert doc.ents[0]._.biolm_candidates[0]["name"] == "Breast Neoplasms|Ovarian Neoplasms"
    nlp = make_nlp(disease_kb, split_composites=False)
    doc = run(nlp, with_entities(nlp, text, [("breast and ovarian cancer", "Disease")]))
    assert "|" not in doc.ents[0].kb_id_


def test_label_without_kb_stays_unlinked_and_warns_once(disease_kb):
    nlp = make_nlp(disease_kb)
    text = "BRCA1 carriers get breast cancer."
    with pytest.warns(UserWarning, match="W1060"):
        doc = run(nlp, with_entities(nlp, text, [("BRCA1", "Gene"), ("breast cancer", "Disease")]))
    assert [e.kb_id_ for e in doc.ents] == ["", "MESH:D001943"]
    assert doc.ents[0]._.biolm_candidates is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run(nlp, with_entities(nlp, text, [("BRCA1", "Gene")]))


def test_linker_without_kb_raises():
    nlp = make_nlp()
    doc = nlp.make_doc("Breast cancer.")
    with pytest.raises(ValueError, match="E1188"):
        nlp.get_pipe("biolm_linker")(doc)
    with pytest.raises(ValueError, match="E1188"):
        nlp.initialize()


def test_add_kb_of_another_label(disease_kb):
    with pytest.raises(ValueError, match="E1190"):
        make_nlp().get_pipe("biolm_linker").add_kb("Chemical", disease_kb)


def test_initialize_loads_kbs_from_a_folder(disease_kb, chemical_kb, tmp_path):
    disease_kb.to_disk(tmp_path / "kbs" / "Disease")
    chemical_kb.to_disk(tmp_path / "kbs" / "Chemical")
    nlp = make_nlp()
    nlp.config["initialize"]["components"]["biolm_linker"] = {"kb_dir": str(tmp_path / "kbs")}
    nlp.initialize()
    assert nlp.get_pipe("biolm_linker").labels == ("Chemical", "Disease")
    doc = run(nlp, with_entities(nlp, "Naloxone.", [("Naloxone", "Chemical")]))
    assert doc.ents[0].kb_id_ == "MESH:D009270"


def test_empty_doc_and_doc_without_entities(disease_kb):
    nlp = make_nlp(disease_kb)
    assert nlp("").ents == ()
    doc = nlp("Nothing to link here.")
    assert doc.ents == ()


def test_pipe_equals_call(disease_kb):
    nlp = make_nlp(disease_kb)
    texts = ["Breast cancer (BC) and BC.", "Renal disease."]
    entities = [
        [("Breast cancer", "Disease"), ("BC", "Disease"), ("BC", "Disease")],
        [("Renal disease", "Disease")],
    ]
    one = [run(nlp, with_entities(nlp, t, e)) for t, e in zip(texts, entities)]
    docs = [with_entities(nlp, t, e) for t, e in zip(texts, entities)]
    for _, pipe in nlp.pipeline:
        docs = list(pipe.pipe(docs))
    assert [[e.kb_id_ for e in d.ents] for d in docs] == [[e.kb_id_ for e in d.ents] for d in one]


def test_pipeline_round_trip_links_the_same(disease_kb, chemical_kb, tmp_path):
    nlp = make_nlp(disease_kb, chemical_kb, threshold=0.5)
    text = "Clonidine and parkinsonism disease."
    entities = [("Clonidine", "Chemical"), ("parkinsonism disease", "Disease")]
    expected = run(nlp, with_entities(nlp, text, entities))
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.get_pipe("biolm_linker").threshold == 0.5
    found = run(loaded, with_entities(loaded, text, entities))
    assert [e.kb_id_ for e in found.ents] == [e.kb_id_ for e in expected.ents]
    assert [e._.biolm_candidates for e in found.ents] == [
        e._.biolm_candidates for e in expected.ents
    ]
    linker = EntityLinker(nlp.vocab).from_bytes(nlp.get_pipe("biolm_linker").to_bytes())
    assert linker.labels == ("Chemical", "Disease")
    doc = linker(with_entities(nlp, text, entities))
    assert [e._.biolm_candidates for e in doc.ents] == [e._.biolm_candidates for e in expected.ents]


def test_links_survive_doc_to_bytes(disease_kb):
    nlp = make_nlp(disease_kb)
    doc = run(nlp, with_entities(nlp, "Breast cancer.", [("Breast cancer", "Disease")]))
    copy = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert copy.ents[0].kb_id_ == "MESH:D001943"
    assert copy.spans["biolm_ents"][0].kb_id_ == "MESH:D001943"
    assert copy.ents[0]._.biolm_candidates == doc.ents[0]._.biolm_candidates


def test_scores_of_the_ner_are_kept(disease_kb):
    nlp = make_nlp(disease_kb)
    doc = with_entities(nlp, "Breast cancer.", [("Breast cancer", "Disease")])
    doc.spans["biolm_ents"].attrs["scores"] = [0.75]
    doc = run(nlp, doc)
    assert doc.spans["biolm_ents"].attrs["scores"] == [0.75]


def test_score_is_linking_accuracy(disease_kb):
    from spacy.training import Example

    nlp = make_nlp(disease_kb)
    predicted = run(
        nlp,
        with_entities(
            nlp,
            "Breast cancer and renal disease.",
            [("Breast cancer", "Disease"), ("renal disease", "Disease")],
        ),
    )
    reference = nlp.make_doc(predicted.text)
    reference.ents = [
        Span(reference, 0, 2, label="Disease", kb_id="MESH:D001943"),
        Span(reference, 3, 5, label="Disease", kb_id="MESH:D006973"),
    ]
    scores = nlp.get_pipe("biolm_linker").score([Example(predicted, reference)])
    assert scores["link_acc"] == 0.5


def species_kb():
    # Concepts for the TF-IDF tier, the rest of the taxonomy in the exact-lookup table.
    builder = KnowledgeBaseBuilder("Species")
    builder.add_concept("NCBITaxon:562", "Escherichia coli", synonyms=["E. coli"])
    builder.add_concept("NCBITaxon:7199", "Lutzomyia")
    builder.add_concept("NCBITaxon:46239", "Leishmania")
    pairs = [
        ("lutzomyia longipalpis", 7200),
        ("leishmania major", 5664),
        ("rhizobium sp lpu83", 348824),
    ]
    builder.table = NameTable.build("NCBITaxon:", pairs, loose_words=("sp", "strain"))
    return builder.build()


def test_abbreviated_genus_links_through_the_genus_the_doc_writes_out():
    nlp = make_nlp()
    nlp.get_pipe("biolm_linker").add_kb("Species", species_kb())
    text = (
        "Leishmania major is carried by Lutzomyia longipalpis. "
        "In L. longipalpis guts, L. major grows; E. coli does not."
    )
    doc = run(
        nlp,
        with_entities(
            nlp,
            text,
            [
                ("Leishmania major", "Species"),
                ("Lutzomyia longipalpis", "Species"),
                ("L. longipalpis", "Species"),
                ("L. major", "Species"),
                ("E. coli", "Species"),
            ],
        ),
    )
    # "L." is Lutzomyia for longipalpis and Leishmania for major: the genus with
    # that initial whose full name the KB knows.
    assert [e.kb_id_ for e in doc.ents] == [
        "NCBITaxon:5664",
        "NCBITaxon:7200",
        "NCBITaxon:7200",
        "NCBITaxon:5664",
        "NCBITaxon:562",
    ]


def test_abbreviated_genus_without_the_genus_in_the_doc():
    kb = species_kb()
    assert expand_genus(kb, "L. longipalpis", "Only L. longipalpis here.", 5) is None
    assert expand_genus(kb, "Lutzomyia", "Lutzomyia", 0) is None


def test_strain_name_links_through_the_longer_mention():
    kb = species_kb()
    assert expand_from_doc(kb, "LPU83", ["Rhizobium sp. strain LPU83", "LPU83"]) == (
        "Rhizobium sp. strain LPU83"
    )
    assert expand_from_doc(kb, "LPU83", ["LPU83", "strain XLPU83"]) is None
    nlp = make_nlp()
    nlp.get_pipe("biolm_linker").add_kb("Species", kb)
    text = "Rhizobium sp. strain LPU83 nodulates beans. LPU83 is acid-tolerant."
    doc = run(
        nlp,
        with_entities(nlp, text, [("Rhizobium sp. strain LPU83", "Species"), ("LPU83", "Species")]),
    )
    assert [e.kb_id_ for e in doc.ents] == ["NCBITaxon:348824", "NCBITaxon:348824"]


def test_strain_designation_links_to_the_preceding_species():
    kb = species_kb()
    preceding = ["Leishmania major", "LPU99", "L. major"]
    # The nearest preceding mention the KB knows that is no strain code itself.
    assert strain_species(kb, "DSM 18155(T)", preceding) == "Leishmania major"
    assert strain_species(kb, "YC6903", ["Lutzomyia longipalpis"]) == "Lutzomyia longipalpis"
    assert strain_species(kb, "YC6903", []) is None
    # Not a strain code: left alone.
    assert strain_species(kb, "sand flies", preceding) is None
    nlp = make_nlp()
    nlp.get_pipe("biolm_linker").add_kb("Species", kb)
    text = "Leishmania major strain LV39 (=MHOM/SU/59/P) was used. LV39 grew well."
    doc = run(nlp, with_entities(nlp, text, [("Leishmania major", "Species"), ("LV39", "Species")]))
    assert [e.kb_id_ for e in doc.ents] == ["NCBITaxon:5664", "NCBITaxon:5664"]


def test_undefined_short_form_links_through_the_mention_it_abbreviates():
    # "PB: 15 mg" defines nothing Schwartz-Hearst can find; the doc's earlier
    # mention "phenobarbital" is the one PB's letters abbreviate.
    builder = KnowledgeBaseBuilder("Chemical")
    builder.add_concept("MESH:D010634", "Phenobarbital")
    builder.add_concept("MESH:D004052", "Diethylnitrosamine")
    builder.add_concept("MESH:D013739", "Testosterone")
    kb = builder.build()
    text = (
        "Phenobarbital (PB: 15 mg) with diethylnitrosamine (DEN: 10 mg/kg) and "
        "testosterone. PB, DEN and T were given."
    )
    entities = [
        ("Phenobarbital", "Chemical"),
        ("PB", "Chemical"),
        ("diethylnitrosamine", "Chemical"),
        ("DEN", "Chemical"),
        ("testosterone", "Chemical"),
        ("PB", "Chemical"),
        ("DEN", "Chemical"),
        ("T", "Chemical"),
    ]
    pb, den, t = "MESH:D010634", "MESH:D004052", "MESH:D013739"
    nlp = make_nlp(chemical_kb=kb)
    doc = run(nlp, with_entities(nlp, text, entities))
    assert [e.kb_id_ for e in doc.ents] == [pb, pb, den, den, t, pb, den, t]
    nlp = make_nlp(chemical_kb=kb, resolve_abbreviations=False)
    doc = run(nlp, with_entities(nlp, text, entities))
    assert [e.kb_id_ for e in doc.ents][5:] == ["", "", ""]


def test_undefined_short_form_needs_matching_letters_and_capitals():
    others = ["testosterone", "phenobarbital", "lower case"]
    assert undefined_short_form("PB", others) == "phenobarbital"
    assert undefined_short_form("T", others) == "testosterone"
    # Letters out of order, a lower-case word, a mention no longer than the short form.
    assert undefined_short_form("BP", others) is None
    assert undefined_short_form("pb", others) is None
    assert undefined_short_form("LC", ["LC"]) is None


def test_head_of_a_longer_mention_links_through_it():
    builder = KnowledgeBaseBuilder("Disease")
    builder.add_concept("MESH:D000014", "Abnormalities, Drug-Induced")
    builder.add_concept("MESH:D000013", "Congenital Abnormalities", synonyms=["malformation"])
    builder.add_concept("MESH:D009369", "Neoplasms")
    kb = builder.build()
    assert head_of_mention("the abnormalities", ["Drug-induced abnormalities"]) is None
    assert head_of_mention("abnormalities", ["x", "drug-induced abnormalities"]) == (
        "drug-induced abnormalities"
    )
    text = "Drug-induced abnormalities were seen. The abnormalities were severe."
    entities = [("Drug-induced abnormalities", "Disease"), ("abnormalities", "Disease")]
    nlp = make_nlp(kb)
    doc = run(nlp, with_entities(nlp, text, entities))
    assert [e.kb_id_ for e in doc.ents] == ["MESH:D000014", "MESH:D000014"]
    # A mention that is a name of its own keeps it.
    text = "Drug-induced malformation and a malformation."
    entities = [("Drug-induced malformation", "Disease"), ("malformation", "Disease")]
    doc = run(nlp, with_entities(nlp, text, entities))
    assert [e.kb_id_ for e in doc.ents][1] == "MESH:D000013"
