"""Error and warning messages, with codes that cannot clash with spaCy's (E1000+)."""

from spacy.errors import ErrorsWithCodes

# Code ranges, one per area, so that modules grow without renumbering:
#   E1000-E1019 / W1000-W1009  core, transformer
#   E1020-E1059 / W1010-W1019  biolm_ner
#   E1060-E1119 / W1020-W1039  corpora, convert CLI
#   E1120-E1159 / W1040-W1049  biogpt
#   E1160-E1179 / W1050-W1059  project, packaging


class Warnings(metaclass=ErrorsWithCodes):
    # core, transformer
    W1000 = (
        "A single token of {n_pieces} wordpieces in doc '{doc}' is longer than the "
        "transformer's {limit}-wordpiece limit; its trailing wordpieces are dropped. "
        "Check the tokenizer splits such strings (e.g. long sequences or URLs)."
    )


class Errors(metaclass=ErrorsWithCodes):
    # core, transformer
    E1000 = (
        "The transformer of component '{name}' is not initialized, so its wordpiece "
        "windows cannot be computed. Call nlp.initialize() before using the pipeline, "
        "or load a trained pipeline with spacy.load()."
    )
    E1001 = (
        "max_length must be at least {minimum} wordpieces (got {max_length}); the "
        "special tokens alone take {n_special}."
    )
    E1002 = (
        "overlap ({overlap}) must be smaller than half of the wordpiece budget "
        "({budget}) so that consecutive windows advance."
    )
