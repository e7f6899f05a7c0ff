"""Check that corpus files are the exact upstream bytes the project was built on.

`spacy project assets` pins single files by URL and md5, but weasel's git assets
(the folders of JNLPBA, LINNAEUS and S800) can only name a branch. The catalog
(`corpora.catalog.pinned_checksums`) closes the gap: one md5 per file and one digest
per folder (the md5 of its sorted `relative path <TAB> md5` lines). The same check
runs on a local mirror laid out like the assets folder, so an offline run is pinned
as well.
"""

import hashlib
from pathlib import Path
from typing import Dict, List, Tuple


def file_md5(path: Path) -> str:
    """The hex md5 of a file's bytes."""
    digest = hashlib.md5()
    with path.open("rb") as file_:
        for block in iter(lambda: file_.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tree_digest(folder: Path) -> str:
    """The md5 of the sorted `relative path <TAB> md5` lines of every file under folder.

    Not weasel's `get_checksum`: its folder digest hashes the files' bytes without
    their names (a renamed or moved file passes) and differs from the pinned digests.
    """
    lines = sorted(
        f"{path.relative_to(folder).as_posix()}\t{file_md5(path)}"
        for path in folder.rglob("*")
        if path.is_file()
    )
    return hashlib.md5("\n".join(lines).encode("utf8")).hexdigest()


def checksum(path: Path) -> str:
    """The md5 of a file, or the tree digest of a folder."""
    return tree_digest(path) if path.is_dir() else file_md5(path)


def verify(root: Path, expected: Dict[str, str]) -> Tuple[List[str], List[str]]:
    """Compare the entries under root with their expected checksums.

    root (Path): The assets folder or a local mirror laid out like it.
    expected (Dict[str, str]): Relative path -> md5 (file) or tree digest (folder).
    RETURNS (Tuple[List[str], List[str]]): The missing and the differing paths.
    """
    missing = [rel for rel in expected if not (root / rel).exists()]
    differing = [
        rel
        for rel, value in expected.items()
        if rel not in missing and checksum(root / rel) != value
    ]
    return missing, differing
