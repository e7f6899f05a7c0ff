"""Corpus readers (one module per format), the merged training reader and the
convert CLI (`corpora.convert`, imported by `python -m spacy_biolm`). Importing
the package registers the readers."""

from . import bc2gm, bioc, brat, iob, merged, pubtator, species_tsv  # noqa: F401
