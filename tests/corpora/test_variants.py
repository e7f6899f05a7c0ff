"""`convert --types`: a variant of a corpus with only some of its types (JNLPBA
without DNA and RNA), in a folder of its own, that the merged reader and
`package-meta` know as that corpus; unknown types and labels are clear errors."""

import spacy
import srsly
from spacy.tokens import DocBin
from spacy.util import registry

from spacy_biolm.annotations import SPANS_KEY, get_annotated_labels
from spacy_biolm.corpora.catalog import CORPUS_RECIPES, CorpusName

from .conftest import write
from .fake_corpora import write_fake_corpora
from .test_brat import ANN, TEXT
from .test_convert import read_docs, run

# ANN's mentions: two proteins, two DNA (one discontinuous), a cell line; plus an RNA.
RNA = "T6\tRNA 40 48\treceptor\n"
JNLPBA_SCHEME = {
    "label_map": {"DNA": "Gene", "RNA": "Gene", "protein": "Gene"},
    "ignore_types": ["cell_line", "cell_type"],
    "annotated_labels": ["Gene"],
}


def jnlpba(root):
    """JNLPBA beside (tiny) test splits of every other corpus: ten train abstracts
    (one of them the dev split) and a test abstract, each with ANN's mentions."""
    write_fake_corpora(root, {("jnlpba", "test"): ()})
    folder = root / "jnlpba"
    for name in [f"9{i:07d}" for i in range(10)]:
        write(folder / "train", f"{name}.txt", TEXT)
        write(folder / "train", f"{name}.ann", ANN + RNA)
    write(folder / "test", "99999999.txt", TEXT)
    write(folder / "test", "99999999.ann", ANN + RNA)
    return folder


def spans(path):
    return {tuple((s.text, s.label_) for s in doc.spans[SPANS_KEY]) for doc in read_docs(path)}


def test_default_scheme_is_the_catalogs_and_is_recorded(tmp_path):
    folder = jnlpba(tmp_path / "corpora")
    result = run("convert", "jnlpba", folder, tmp_path / "jnlpba")
    assert result.exit_code == 0, result.output
    report = srsly.read_json(tmp_path / "jnlpba" / "report.json")
    assert report["label_scheme"] == {**JNLPBA_SCHEME, "default": True}
    test = report["splits"]["test"]
    # The discontinuous DNA mention is dropped (reported), the others are genes.
    assert test["converted"] == {"Gene": 4} and test["unmapped_type"] == {"cell_line": 1}


def test_types_convert_a_variant_with_only_those_types(tmp_path):
    folder = jnlpba(tmp_path / "corpora")
    default, variant = tmp_path / "jnlpba", tmp_path / "jnlpba_protein"
    assert run("convert", "jnlpba", folder, default).exit_code == 0
    result = run("convert", "jnlpba", folder, variant, "--types", "protein=Gene")
    assert result.exit_code == 0, result.output
    report = srsly.read_json(variant / "report.json")
    assert report["corpus"] == "jnlpba"
    assert report["label_scheme"] == {
        "label_map": {"protein": "Gene"},
        "ignore_types": ["DNA", "RNA", "cell_line", "cell_type"],
        "annotated_labels": ["Gene"],
        "default": False,
    }
    for split in ("train", "dev", "test"):
        counts = report["splits"][split]
        n = counts["docs"]
        assert n == srsly.read_json(default / "report.json")["splits"][split]["docs"] > 0
        assert counts["converted"] == {"Gene": 2 * n}
        assert counts["unmapped_type"] == {"DNA": 2 * n, "RNA": n, "cell_line": n}
        assert spans(variant / f"{split}.spacy") == {
            (("Anti-Ro(SSA) autoantibodies", "Gene"), ("Ro(SSA)", "Gene"))
        }
        for doc in read_docs(variant / f"{split}.spacy"):
            assert doc._.biolm_source == "jnlpba" and get_annotated_labels(doc) == ["Gene"]
    # The default keeps DNA and RNA as genes: the option changed only the variant.
    assert ("receptor", "Gene") in next(iter(spans(default / "test.spacy")))


def test_types_can_add_a_type_the_default_ignores(tmp_path):
    folder = jnlpba(tmp_path / "corpora")
    out = tmp_path / "jnlpba_lines"
    result = run("convert", "jnlpba", folder, out, "--types", "protein=Gene, cell_line=Species")
    assert result.exit_code == 0, result.output
    test = srsly.read_json(out / "report.json")["splits"]["test"]
    assert test["converted"] == {"Gene": 2, "Species": 1}
    assert get_annotated_labels(read_docs(out / "test.spacy")[0]) == ["Gene", "Species"]


def test_unknown_type_or_label_is_an_error_that_names_the_known_ones(tmp_path):
    folder = jnlpba(tmp_path / "corpora")
    out = tmp_path / "out"
    result = run("convert", "jnlpba", folder, out, "--types", "protein=Gene,dna=Gene")
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "BIOLM-E1163" in output and "dna" in output
    assert "DNA, RNA, cell_line, cell_type, protein" in output
    result = run("convert", "jnlpba", folder, out, "--types", "protein=gene")
    assert result.exit_code == 1
    assert "BIOLM-E1164" in result.output and "Chemical, Disease, Gene, Species" in result.output
    assert run("convert", "jnlpba", folder, out, "--types", "protein").exit_code == 1
    assert not out.exists()


def test_every_corpus_knows_its_types():
    """--types is checked against the types the catalog maps or ignores."""
    for name in CorpusName:
        scheme = CORPUS_RECIPES[name].scheme
        assert scheme.known_types and set(scheme.label_map) <= scheme.known_types
        first = sorted(scheme.known_types)[0]
        variant = scheme.select_types({first: "Gene"}, corpus=name.value)
        assert variant.label_map == {first: "Gene"} and variant.annotated_labels == ("Gene",)
        assert variant.ignore_types == scheme.known_types - {first}


def test_merged_reader_and_package_meta_know_a_variant_folder(tmp_path, monkeypatch):
    """Trained on corpus/{bc5cdr,jnlpba_protein} and evaluated on both: the meta
    gives the variant JNLPBA's licence (not "unknown"), and the merged reader
    counts its docs as JNLPBA's."""
    folder = jnlpba(tmp_path / "corpora")
    project = tmp_path / "project"
    assert run("convert", "jnlpba", folder, project / "corpus" / "jnlpba_protein",
               "--types", "protein=Gene").exit_code == 0  # fmt: skip
    bc5cdr = project / "corpus" / "bc5cdr"
    bc5cdr.mkdir()
    DocBin().to_disk(bc5cdr / "train.spacy")
    model = project / "training" / "model-best"
    model.mkdir(parents=True)
    train = "corpus/{bc5cdr,jnlpba_protein}/train.spacy"
    (model / "config.cfg").write_text(f'[paths]\ntrain = "{train}"\ndev = null\n')
    scores = {"docs": 1, "words": 9, "seconds": 1.0, "words_per_second": 9.0}
    scores |= {"ents_p": 0.5, "ents_r": 0.5, "ents_f": 0.5, "ents_per_type": {}}
    metrics = {"split": "test", "corpora": {"bc5cdr": scores, "jnlpba_protein": scores}}
    srsly.write_json(project / "metrics.json", metrics)
    monkeypatch.chdir(project)

    reader = registry.readers.get("spacy-biolm.MergedCorpus.v1")(train)
    assert set(reader.corpus_sizes(spacy.blank("en"))) == {"jnlpba"}

    result = run("package-meta", "metrics.json", "meta.json", "--model", model)
    assert result.exit_code == 0, result.output
    meta = srsly.read_json(project / "meta.json")
    sources = {source["name"]: source for source in meta["sources"]}
    assert sorted(sources) == ["BioCreative V CDR (BC5CDR)", "JNLPBA / GENIA"]
    assert sources["JNLPBA / GENIA"]["license"] == "CC BY 3.0 (GENIA corpus licence)"
    assert sources["JNLPBA / GENIA"]["variant"] == "jnlpba_protein"
    assert "unknown" not in meta["license"]
    # Evaluated, not trained: found through --corpus-dir.
    (model / "config.cfg").write_text('[paths]\ntrain = "corpus/bc5cdr/train.spacy"\n')
    assert run("package-meta", "metrics.json", "meta.json", "--model", model).exit_code == 0
    assert "unknown" not in srsly.read_json(project / "meta.json")["license"]
