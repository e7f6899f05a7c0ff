"""The package meta names every corpus with its licence and carries the evaluation."""

from spacy_biolm.evaluation import to_markdown
from spacy_biolm.packaging import build_meta


def _results():
    per_type = {"Disease": {"p": 0.8, "r": 0.7, "f": 0.746}}
    return {
        "split": "test",
        "corpora": {
            "ncbi_disease": {
                "docs": 100,
                "words": 25000,
                "seconds": 2.0,
                "words_per_second": 12500.0,
                "ents_p": 0.8,
                "ents_r": 0.7,
                "ents_f": 0.746,
                "ents_per_type": per_type,
            },
            "s800": {
                "docs": 160,
                "words": 40000,
                "seconds": 4.0,
                "words_per_second": 10000.0,
                "ents_p": None,
                "ents_r": None,
                "ents_f": None,
                "ents_per_type": {},
            },
        },
    }


def test_meta_lists_corpora_licences_and_scores():
    meta = build_meta(_results(), name="biolm", version="1.2.3")
    assert (meta["name"], meta["version"], meta["lang"]) == ("biolm", "1.2.3", "en")
    names = [source["name"] for source in meta["sources"]]
    assert names == ["NCBI Disease", "Species-800 (S800)"]
    assert "No licence file upstream" in meta["license"]
    assert "Public domain" in meta["license"]
    assert meta["performance"]["ncbi_disease_ents_f"] == 0.746
    # A corpus without predictions does not drag the mean down to zero.
    assert meta["performance"]["ents_f"] == 0.746
    assert "| ncbi_disease | Disease | 80.0 | 70.0 | 74.6 |  |" in meta["notes"]


def test_unknown_corpus_is_flagged_not_dropped():
    results = _results()
    results["corpora"]["my_corpus"] = results["corpora"].pop("s800")
    meta = build_meta(results, name="biolm", version="0.1.0")
    assert {"name": "my_corpus", "license": "unknown: add it to the meta"} in meta["sources"]


def test_markdown_table_has_a_row_per_corpus_and_type():
    table = to_markdown(_results(), title="en_biolm")
    assert "| ncbi_disease | all | 80.0 | 70.0 | 74.6 | 12,500 |" in table
    assert "| s800 | all | - | - | - | 10,000 |" in table


def test_meta_gives_each_corpus_its_licence_from_the_catalog():
    """The licences shared/corpora/README.md states for the six training corpora."""
    stats = {"docs": 1, "words": 1, "seconds": 1.0, "words_per_second": 1.0}
    scores = {"ents_p": 0.5, "ents_r": 0.5, "ents_f": 0.5, "ents_per_type": {}}
    expected = {
        "bc5cdr": "Public domain",
        "ncbi_disease": "Public domain",
        "bc2gm": "Public domain",
        "jnlpba": "CC BY 3.0",
        "linnaeus": "CC BY 4.0",
        "s800": "No licence file upstream",
    }
    results = {"split": "test", "corpora": {name: {**stats, **scores} for name in expected}}
    sources = build_meta(results, name="biolm", version="0.1.0")["sources"]
    assert len(sources) == len(expected)
    for (name, licence), source in zip(expected.items(), sources):
        assert source["license"].startswith(licence), name
        assert source["url"].startswith("https://"), name
