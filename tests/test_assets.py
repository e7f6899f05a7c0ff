"""verify-corpora pins the exact upstream bytes of files and folders."""

import json
import subprocess
import sys

from spacy_biolm.assets import checksum, verify

from .conftest import REPO_ROOT

CHECKSUMS = REPO_ROOT / "configs" / "corpora_checksums.json"


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


def test_shared_corpora_are_the_pinned_bytes(corpora_dir):
    expected = json.loads(CHECKSUMS.read_text())
    assert verify(corpora_dir, expected) == ([], [])
