"""Corpus readers (one module per format), the merged training reader, the catalog
of public corpora and the converter behind `python -m spacy_biolm convert`.
Importing the package registers the readers."""

from . import bc2gm, bioc, brat, iob, merged, pubtator, species_tsv  # noqa: F401
