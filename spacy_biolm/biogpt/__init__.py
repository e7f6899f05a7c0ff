"""BioGPT inside spaCy pipelines: the `biogpt` component (component.py: the pipe;
tasks.py: prompts and output parsers; decoding.py: batched inference) and the
fairseq converter (convert.py). Random BioGPTs for tests live in spacy_biolm.testing.
"""

from . import component  # noqa: F401  (registers the factory)
