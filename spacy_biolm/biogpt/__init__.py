"""BioGPT inside spaCy pipelines: the `biogpt` component (component.py: the pipe;
tasks.py: prompts and output parsers; generation.py: batched generation and
scoring; model_io.py: the learned-prompt attribute and model saving) and the
fairseq converter (fairseq.py). Random BioGPTs for tests live in spacy_biolm.testing.
"""

from . import component  # noqa: F401  (registers the factory)
