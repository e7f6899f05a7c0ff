"""BioGPT inside spaCy pipelines: the `biogpt` component (component.py: the pipe;
tasks.py: prompts and output parsers; decoding.py: batched inference), the fairseq
converter (convert.py) and random models for tests and benchmarks (random_model.py).
"""

from . import component, convert, random_model  # noqa: F401  (register the factory and CLIs)
