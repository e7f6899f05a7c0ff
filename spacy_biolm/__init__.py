"""spacy-biolm: biomedical language models as spaCy components.

Importing the package registers everything; spaCy also finds every factory,
architecture, reader and tokenizer through entry points, so `spacy.load` needs no
import.
"""

from . import biogpt, corpora, ner, transformer  # noqa: F401
from .about import __version__

__all__ = ["__version__"]
