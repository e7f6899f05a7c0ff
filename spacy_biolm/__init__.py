"""spacy-biolm: biomedical language models as spaCy components.

spaCy finds every factory, architecture, reader and tokenizer through entry points
(setup.cfg), so `spacy.load` needs no import, and importing this package imports
nothing else: resolving one registered name imports only the module that defines it.
"""

from .about import __version__

__all__ = ["__version__"]
