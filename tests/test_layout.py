"""README's Layout section names every package folder and top-level module of
spacy_biolm, and nothing that is not there."""

import re
from pathlib import PurePosixPath
from typing import Set

from .conftest import REPO_ROOT


def _layout_names() -> Set[str]:
    """The paths README's Layout bullets name before their colon; a bare name after
    the first path is a sibling of it (`spacy_biolm/errors.py`, `assets.py`)."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf8")
    section = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if not line.startswith("- "):
            continue
        first, *others = re.findall(r"`([^`]+)`", line.split(": ", 1)[0])
        names.add(first)
        parent = PurePosixPath(first.rstrip("/")).parent
        names.update(str(parent / other) + ("/" if other.endswith("/") else "") for other in others)
    return names


def test_layout_section_matches_the_tree():
    package = REPO_ROOT / "spacy_biolm"
    tree = {f"spacy_biolm/{p.name}/" for p in package.iterdir() if (p / "__init__.py").exists()}
    tree |= {f"spacy_biolm/{p.name}" for p in package.glob("*.py") if not p.name.startswith("__")}
    named = {name for name in _layout_names() if name.startswith("spacy_biolm/")}
    assert named == tree
    others = {name for name in _layout_names() if not name.startswith("spacy_biolm/")}
    assert [name for name in others if not (REPO_ROOT / name).exists()] == []
