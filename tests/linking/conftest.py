"""Tiny knowledge bases, built in the tests from hand-made concepts, and the md5s of
the files of the wheels the source tests write."""

import hashlib
import zipfile
from pathlib import Path
from typing import Dict, Iterable

import pytest

from spacy_biolm.linking.kb import KnowledgeBaseBuilder

DISEASES = [
    ("MESH:D001943", "Breast Neoplasms", ["breast cancer", "breast tumour"], []),
    ("MESH:D010051", "Ovarian Neoplasms", ["ovarian cancer"], []),
    ("MESH:D010300", "Parkinson Disease", ["Parkinson's disease"], ["OMIM:168600"]),
    ("MESH:D007674", "Kidney Diseases", ["renal disease", "nephropathy"], []),
    ("MESH:D006973", "Hypertension", ["high blood pressure"], []),
]


def build_disease_kb():
    # Building a KB fits scikit-learn's vectoriser (the `linking` extra).
    pytest.importorskip("sklearn")
    builder = KnowledgeBaseBuilder("Disease")
    for concept_id, name, synonyms, alt_ids in DISEASES:
        builder.add_concept(concept_id, name, synonyms=synonyms, alt_ids=alt_ids)
    return builder.build()


@pytest.fixture(scope="session")
def disease_kb():
    return build_disease_kb()


@pytest.fixture(scope="session")
def chemical_kb():
    pytest.importorskip("sklearn")
    builder = KnowledgeBaseBuilder("Chemical")
    builder.add_concept("MESH:D009270", "Naloxone")
    builder.add_concept("MESH:D003000", "Clonidine")
    return builder.build()


def wheel_md5s(wheel: Path, pins: Iterable) -> Dict[str, str]:
    """inner path -> md5 of each pinned file in a wheel the test wrote, for `md5s=`."""
    with zipfile.ZipFile(wheel) as archive:
        return {pin.path: hashlib.md5(archive.read(pin.path)).hexdigest() for pin in pins}
