"""Knowledge bases: normalisation, candidates, priors, serialization."""

import subprocess
import sys
import textwrap

import numpy
import pytest

from spacy_biolm.linking.kb import (
    CANONICAL_SCORE,
    LOOSE_SCORE,
    PREFIX_SCORE,
    KnowledgeBase,
    KnowledgeBaseBuilder,
)
from spacy_biolm.linking.lookup import NameTable
from spacy_biolm.linking.normalize import (
    bag_key,
    canonical_key,
    loose_variants,
    normalize_name,
)
from spacy_biolm.linking.tfidf import NgramIndex, make_vectorizer

# Building a KB fits scikit-learn's vectoriser (the `linking` extra).
pytest.importorskip("sklearn")

QUERIES = [
    "breast cancers",
    "Parkinsons disease",
    "parkinson",
    "kidney disease",
    "hyper-tension",
    "x",
]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Breast Cancers", "breast cancer"),
        ("TNF-α", "tnf alpha"),
        ("TNF alpha", "tnf alpha"),
        ("Parkinson's disease", "parkinson disease"),
        ("type II hypersensitivity", "type 2 hypersensitivity"),
        ("haemorrhage", "hemorrhage"),
        ("Tumour", "tumor"),
        ("Crohn’s  disease", "crohn disease"),
        ("café-au-lait spots", "cafe au lait spot"),
        ("abscess", "abscess"),
        ("White-footed Mice", "white footed mouse"),
        ("---", ""),
    ],
)
def test_normalize_name(text, expected):
    assert normalize_name(text) == expected


def test_bag_key_ignores_order_and_function_words():
    assert bag_key(normalize_name("Neoplasms, Breast")) == bag_key(
        normalize_name("neoplasm of the breast")
    )


def test_exact_match_after_normalisation(disease_kb):
    best = disease_kb.candidates("Breast Tumours", 3)[0]
    assert (best.id, best.name, best.score) == ("MESH:D001943", "Breast Neoplasms", 1.0)


def test_word_order_match_scores_below_exact(disease_kb):
    best = disease_kb.candidates("neoplasms of the ovary", 1)
    assert best == [] or best[0].id != "MESH:D001943"
    best = disease_kb.candidates("cancer, ovarian", 1)[0]
    assert best.id == "MESH:D010051"
    assert 0.9 <= best.score < 1.0


def test_approximate_match_ranks_the_closest_name_first(disease_kb):
    candidates = disease_kb.candidates("parkinsonism disease", 5)
    assert candidates[0].id == "MESH:D010300"
    assert candidates[0].score < 1.0
    assert [c.score for c in candidates] == sorted((c.score for c in candidates), reverse=True)


def test_unknown_text_gives_no_candidates(disease_kb):
    assert disease_kb.candidates("zzzz qqqq", 5) == []
    assert disease_kb.candidates("", 5) == []


def test_alternative_ids(disease_kb):
    assert disease_kb.equivalent_ids("MESH:D010300") == ["MESH:D010300", "OMIM:168600"]
    assert "MESH:D010300" in disease_kb
    assert "OMIM:168600" not in disease_kb


def test_alternative_id_merges_into_its_concept():
    builder = KnowledgeBaseBuilder("Disease")
    builder.add_concept("MESH:C537", "Some syndrome", alt_ids=["OMIM:1234"])
    builder.add_concept("OMIM:1234", "Some syndrome type 1")
    kb = builder.build()
    assert kb.ids == ["MESH:C537"]
    assert kb.candidates("some syndrome type 1", 1)[0].id == "MESH:C537"


def test_priors_rank_an_ambiguous_name():
    builder = KnowledgeBaseBuilder("Disease")
    builder.add_concept("MESH:D011618", "Psychotic Disorders", synonyms=["psychosis"])
    builder.add_concept("MESH:D011605", "Psychoses, Substance-Induced", synonyms=["psychosis"])
    assert builder.build().candidates("psychosis", 2)[0].id == "MESH:D011618"
    builder.add_mention(["MESH:D011605"], "psychosis", count=3)
    ranked = builder.build().candidates("psychosis", 2)
    assert [c.id for c in ranked] == ["MESH:D011605", "MESH:D011618"]
    assert [c.score for c in ranked] == [1.0, 1.0]
    assert ranked[0].prior == 3


def test_corpus_mention_of_a_new_concept_and_a_composite():
    builder = KnowledgeBaseBuilder("Disease")
    builder.add_concept("MESH:D001943", "Breast Neoplasms")
    builder.add_mention(["MESH:D001943", "MESH:D010051"], "breast and ovarian cancer", 2)
    builder.add_mention(["MESH:C000001"], "odd syndrome")
    kb = builder.build()
    assert kb.ids == ["MESH:D001943", "MESH:D001943|MESH:D010051", "MESH:C000001"]
    assert kb.candidates("breast and ovarian cancer", 1)[0].id == "MESH:D001943|MESH:D010051"
    assert kb.candidates("Odd syndrome", 1)[0].name == "odd syndrome"


def test_a_composite_is_one_concept_whatever_the_order_of_its_ids():
    """NCBI-disease writes "breast and ovarian cancer(s)" as D001943|D010051 and as
    D010051|D001943: one concept, whose corpus counts add up, not two candidates
    that split the prior and take two of the top k."""
    builder = KnowledgeBaseBuilder("Disease")
    builder.add_mention(["MESH:D001943", "MESH:D010051"], "breast and ovarian cancer", 10)
    builder.add_mention(["MESH:D010051", "MESH:D001943"], "breast and ovarian cancers", 1)
    builder.add_mention(["MESH:D010051", "MESH:D001943"], "breast and ovarian cancer", 2)
    kb = builder.build()
    assert kb.ids == ["MESH:D001943|MESH:D010051"]
    assert int(kb.priors[0]) == 13
    (candidate,) = kb.candidates("breast and ovarian cancers", 5)
    assert candidate.id == "MESH:D001943|MESH:D010051"


def test_empty_kb_is_an_error():
    with pytest.raises(ValueError, match="E1183"):
        KnowledgeBaseBuilder("Gene").build()


def test_disk_round_trip_gives_identical_candidates(disease_kb, tmp_path):
    disease_kb.to_disk(tmp_path / "kb")
    loaded = KnowledgeBase.from_disk(tmp_path / "kb")
    for query in QUERIES:
        assert loaded.candidates(query, 5) == disease_kb.candidates(query, 5)
    assert loaded.alt_ids == disease_kb.alt_ids


def test_bytes_round_trip_gives_identical_candidates(disease_kb):
    loaded = KnowledgeBase.from_bytes(disease_kb.to_bytes())
    for query in QUERIES:
        assert loaded.candidates(query, 5) == disease_kb.candidates(query, 5)


def test_from_disk_of_a_wrong_folder(tmp_path):
    with pytest.raises(ValueError, match="E1182"):
        KnowledgeBase.from_disk(tmp_path)


def test_query_vectors_equal_sklearn():
    names = [
        normalize_name(n)
        for n in ["breast neoplasms", "ovarian cancer", "parkinson disease", "renal disease"]
    ]
    index = NgramIndex.fit(names)
    vectorizer = make_vectorizer().fit(names)
    for query in ["breast cancer", "parkinsonism", "kidney"]:
        expected = vectorizer.transform([query]).toarray()[0]
        columns, values = index.vectorize(query)
        found = numpy.zeros(len(index.vocabulary), dtype=numpy.float32)
        found[columns] = values
        numpy.testing.assert_allclose(found, expected, rtol=1e-6, atol=1e-7)


def test_search_equals_brute_force_cosine():
    names = [
        normalize_name(n)
        for n in ["breast neoplasms", "ovarian cancer", "breast cancer", "renal disease", "cancer"]
    ]
    index = NgramIndex.fit(names)
    matrix = make_vectorizer().fit(names).transform(names).toarray()
    query = make_vectorizer().fit(names).transform(["breast carcinoma"]).toarray()[0]
    expected = matrix @ query
    rows, scores = index.search("breast carcinoma", 3)
    order = numpy.argsort(-expected, kind="stable")[:3]
    assert rows.tolist() == order.tolist()
    numpy.testing.assert_allclose(scores, expected[order], rtol=1e-5)


def test_a_saved_kb_loads_and_links_without_scikit_learn_or_scipy(disease_kb, tmp_path):
    disease_kb.to_disk(tmp_path / "kb")
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["sklearn"] = None
        sys.modules["scipy"] = None
        from spacy_biolm.linking.kb import KnowledgeBase
        kb = KnowledgeBase.from_disk({str(tmp_path / "kb")!r})
        print(kb.candidates("breast cancers", 1)[0].id)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "MESH:D001943"


def test_name_table_prefers_the_first_pair_and_round_trips(tmp_path):
    pairs = [("drosophila", 7215), ("drosophila", 32281), ("vibrio sp med222", 314290)]
    table = NameTable.build("NCBITaxon:", pairs, loose_words=("sp",))
    assert table.lookup("drosophila") == ["NCBITaxon:7215", "NCBITaxon:32281"]
    # A name is also found without its loose words, and a mention with them.
    assert table.lookup("vibrio med222") == ["NCBITaxon:314290"]
    assert table.lookup("vibrio sp strain med222") == []
    assert table.lookup("unknown") == [] and table.lookup("") == []
    restored = NameTable.from_arrays(dict(table.to_arrays()))
    assert restored.lookup("drosophila") == table.lookup("drosophila")
    assert restored.loose_words == ("sp",)


def test_table_hits_rank_after_the_kb_concepts_of_the_same_name():
    builder = KnowledgeBaseBuilder("Species")
    builder.add_mention(["NCBITaxon:7227"], "Drosophila", 5)
    builder.table = NameTable.build("NCBITaxon:", [("drosophila", 7215), ("fruit fly", 7227)])
    kb = builder.build()
    ranked = kb.candidates("Drosophila", 3)
    # The corpus name (with its prior) first; the table's genus after it.
    assert [(c.id, c.score) for c in ranked] == [("NCBITaxon:7227", 1.0), ("NCBITaxon:7215", 1.0)]
    # A table hit of a concept the KB has joins it (named by the KB).
    best = kb.candidates("fruit flies", 1)[0]
    assert (best.id, best.name, best.prior) == ("NCBITaxon:7227", "Drosophila", 5)


def test_without_a_table_no_prefix_fallback(disease_kb):
    # Leading words only count where the KB has a table (taxonomy-style names).
    best = disease_kb.candidates("hypertension in pregnancy", 1)
    assert not best or best[0].score != PREFIX_SCORE


def test_qualifiers_and_salt_words_are_dropped_when_nothing_matches(disease_kb, chemical_kb):
    assert loose_variants("sporadic parkinson disease") == ["parkinson disease"]
    assert loose_variants("naloxone hydrochloride") == ["naloxone"]
    # A name that is only a salt word or a qualifier is left as it is.
    assert loose_variants("sodium") == [] and loose_variants("familial") == []
    best = disease_kb.candidates("familial Parkinson's disease", 1)[0]
    assert (best.id, best.score) == ("MESH:D010300", LOOSE_SCORE)
    best = chemical_kb.candidates("Naloxone HCl", 1)[0]
    assert (best.id, best.score) == ("MESH:D009270", LOOSE_SCORE)


def test_organ_adjectives_and_generic_heads_meet_mesh_names():
    # BC5CDR links "renal damage" to Kidney Diseases and "hepatic tumours" to
    # Liver Neoplasms: no name matches them as written.
    assert canonical_key("renal damage") == canonical_key("kidney disease") == "disease kidney"
    assert canonical_key(normalize_name("hepatic tumours")) == canonical_key("neoplasm liver")
    builder = KnowledgeBaseBuilder("Disease")
    for concept_id, name in (
        ("MESH:D007674", "Kidney Diseases"),
        ("MESH:D007680", "Kidney Neoplasms"),
        ("MESH:D008107", "Liver Diseases"),
        ("MESH:D008113", "Liver Neoplasms"),
    ):
        builder.add_concept(concept_id, name)
    builder.add_concept("MESH:D058186", "Acute Kidney Injury", synonyms=["acute renal injury"])
    kb = builder.build()
    for text, expected in (
        ("renal damage", "MESH:D007674"),
        ("hepatic tumours", "MESH:D008113"),
        ("liver lesions", "MESH:D008107"),
        ("tumour of the kidney", "MESH:D007680"),
    ):
        best = kb.candidates(text, 1)[0]
        assert (best.id, best.score) == (expected, CANONICAL_SCORE), text
    # The adjective of a disease name meets its noun.
    assert canonical_key("dystonic") == canonical_key("dystonia")
    assert canonical_key("cataleptic") == canonical_key("catalepsy")
    assert canonical_key("psychotic") == canonical_key("psychosis")
    assert canonical_key("renal") != canonical_key("rena")
    # A name that matches as written keeps its own concept and score.
    best = kb.candidates("acute renal injury", 1)[0]
    assert (best.id, best.score) == ("MESH:D058186", 1.0)
    # Nothing to fold: no canonical match.
    assert all(c.score != CANONICAL_SCORE for c in kb.candidates("kidney stone", 5))
