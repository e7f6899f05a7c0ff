"""`verify-corpora`: check that the corpus files are the pinned upstream bytes."""

from pathlib import Path
from typing import Dict, Optional

import srsly
import typer
from wasabi import msg

from ..assets import checksum, verify
from ..corpora.catalog import pinned_checksums
from ._app import app


@app.command("verify-corpora")
def verify_corpora_cli(
    corpora_dir: Path = typer.Argument(..., help="assets/ or a local mirror laid out like it."),
    checksums: Optional[Path] = typer.Argument(
        None,
        help="JSON file: relative path -> md5 or tree digest. Default: the catalog's pins "
        "(spacy_biolm.corpora.catalog).",
    ),
    write: bool = typer.Option(
        False,
        "--write",
        help="Record the checksums of corpora_dir in CHECKSUMS instead of checking them "
        "(its entries, or the catalog's when it does not exist yet).",
    ),
) -> None:
    """Check that the corpus files are the pinned upstream bytes (exit 1 if not)."""
    if write:
        if checksums is None:
            msg.fail("--write needs the CHECKSUMS file to write", exits=1)
        entries = srsly.read_json(checksums) if checksums.exists() else pinned_checksums()
        srsly.write_json(checksums, {rel: checksum(corpora_dir / rel) for rel in entries})
        msg.good(f"Recorded {len(entries)} checksums of {corpora_dir} in {checksums}")
        return
    if checksums is not None and not checksums.exists():
        msg.fail(f"{checksums} does not exist", exits=1)
    expected: Dict[str, str] = srsly.read_json(checksums) if checksums else pinned_checksums()
    source = str(checksums) if checksums else "the catalog's pins"
    missing, differing = verify(corpora_dir, expected)
    for rel in missing:
        msg.fail(f"Missing: {corpora_dir / rel}")
    for rel in differing:
        msg.fail(f"Not the pinned upstream bytes: {corpora_dir / rel}")
    if missing or differing:
        msg.fail(
            f"{len(missing) + len(differing)} of {len(expected)} corpus entries do not match "
            f"{source}. Run `spacy project assets` again, or point vars.corpora_dir at an "
            "unmodified mirror.",
            exits=1,
        )
    msg.good(f"All {len(expected)} corpus entries in {corpora_dir} match {source}")
