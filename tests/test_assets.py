"""verify-corpora pins the exact upstream bytes of files and folders; the catalog's
pins are the shared corpora's MANIFEST.tsv."""

import csv
import json
import subprocess
import sys

from typer.testing import CliRunner

from spacy_biolm.assets import checksum, verify
from spacy_biolm.cli import app
from spacy_biolm.corpora.catalog import CorpusName, pinned_checksums, releases


def _tree(root):
    (root / "corpus" / "sub").mkdir(parents=True)
    (root / "corpus" / "a.txt").write_text("alpha")
    (root / "corpus" / "sub" / "b.ann").write_text("T1\tGene 0 5\talpha")
    (root / "single.txt").write_text("one file")
    return {"corpus": checksum(root / "corpus"), "single.txt": checksum(root / "single.txt")}


def test_verify_detects_changed_renamed_and_missing(tmp_path):
    expected = _tree(tmp_path)
    assert verify(tmp_path, expected) == ([], [])
    (tmp_path / "corpus" / "sub" / "b.ann").write_text("T1\tGene 0 4\talph")
    assert verify(tmp_path, expected) == ([], ["corpus"])
    (tmp_path / "corpus" / "sub" / "b.ann").write_text("T1\tGene 0 5\talpha")
    (tmp_path / "corpus" / "a.txt").rename(tmp_path / "corpus" / "c.txt")
    assert verify(tmp_path, expected) == ([], ["corpus"])
    (tmp_path / "single.txt").unlink()
    assert verify(tmp_path, expected) == (["single.txt"], ["corpus"])


def test_cli_exit_codes(tmp_path):
    expected = _tree(tmp_path / "mirror")
    checksums = tmp_path / "checksums.json"
    checksums.write_text(json.dumps(expected))
    cmd = [sys.executable, "-m", "spacy_biolm", "verify-corpora", str(tmp_path / "mirror")]
    assert subprocess.run([*cmd, str(checksums)], capture_output=True).returncode == 0
    (tmp_path / "mirror" / "single.txt").write_text("changed")
    result = subprocess.run([*cmd, str(checksums)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "single.txt" in result.stdout


def test_cli_checks_the_catalogs_pins_by_default(tmp_path):
    (tmp_path / "bc5cdr").mkdir()
    (tmp_path / "bc5cdr" / "README.txt").write_text("not the upstream README")
    result = CliRunner().invoke(app, ["verify-corpora", str(tmp_path)], env={"COLUMNS": "300"})
    assert result.exit_code == 1
    assert "Not the pinned upstream bytes" in result.output and "README.txt" in result.output
    assert "ncbi_disease/NCBItrainset_corpus.txt" in result.output  # missing
    assert f"of {len(pinned_checksums())} corpus entries" in result.output


def test_shared_corpora_are_the_pinned_bytes(corpora_dir):
    assert verify(corpora_dir, pinned_checksums()) == ([], [])


def test_catalog_pins_are_the_manifests(corpora_dir):
    """Each pinned file is the MANIFEST's repository, commit, path and md5; each
    pinned folder holds the MANIFEST's files under that repository path and commit."""
    with (corpora_dir / "MANIFEST.tsv").open(encoding="utf8") as file_:
        manifest = {row["local_path"]: row for row in csv.DictReader(file_, delimiter="\t")}
    wrong = []
    for name, release in releases().items():
        for pin in release.pins:
            dest = f"{name}/{pin.dest}"
            if pin.is_folder:
                rows = {k: row for k, row in manifest.items() if k.startswith(dest)}
                ok = bool(rows) and all(
                    (row["repo"], row["commit"]) == (pin.repo, pin.commit)
                    and row["upstream_path"] == f"{pin.path}/{k[len(dest) :]}"
                    for k, row in rows.items()
                )
            else:
                row = manifest.get(dest, {})
                found = tuple(row.get(key) for key in ("repo", "commit", "upstream_path", "md5"))
                ok = found == (pin.repo, pin.commit, pin.path, pin.checksum)
            if not ok:
                wrong.append(dest)
    assert wrong == []


def test_every_corpus_has_a_licence_and_pins():
    for name in CorpusName:
        release = releases()[name.value]
        assert release.license and release.url.startswith("https://") and release.pins
