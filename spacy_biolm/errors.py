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

    # corpora, convert CLI
    W1020 = "Skipped an invalid record (--skip-invalid): {error}"
    W1021 = (
        "Corpus '{corpus}' in {paths} has sampling weight 0, so its {n} docs are left "
        "out of the training stream. Give it a positive weight to use it."
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

    # corpora, convert CLI
    E1060 = (
        "{path} is empty. Check that the download or copy finished (compare the file "
        "with its source), or leave the file out."
    )
    E1061 = (
        "{where}: the file is not valid UTF-8 ({reason}). Re-encode it as UTF-8 (e.g. "
        "`iconv -f latin1 -t utf-8 FILE > FILE.utf8`), or pass --skip-invalid to skip "
        "the record."
    )
    E1062 = (
        "{where}: malformed line {line!r}: expected {expected}. Fix the line, or pass "
        "--skip-invalid to skip the record."
    )
    E1063 = (
        "{where}: offsets {start}-{end} of mention '{text}' are outside document "
        "'{doc}' ({length} characters) or empty. Check that the annotations belong to "
        "this text, or pass --skip-invalid to skip the mention."
    )
    E1064 = (
        "{where}: mention text '{text}' does not match '{found}', the text of document "
        "'{doc}' at {start}-{end}. The offsets or the text column are wrong: fix the "
        "record, or pass --skip-invalid to skip the mention."
    )
    E1065 = (
        "{where}: unknown entity type '{type}'. Map it to a label (--label-map "
        "'{type}=LABEL', or label_map in a config) or leave it out on purpose "
        "(--ignore-types {type}, or ignore_types)."
    )
    E1066 = (
        "{where}: document '{doc}' has no {missing}; the file may be truncated. "
        "Check the file against its source, or pass --skip-invalid to skip the document."
    )
    E1067 = (
        "{where}: not well-formed BioC XML ({reason}); the file may be truncated or "
        "corrupt. Check it against its source, or pass --skip-invalid to keep the "
        "documents before this point."
    )
    E1068 = "{path} does not exist; it should be {what}."
    E1069 = (
        "{where}: the mention refers to document '{doc}', which is not in {texts}. "
        "Check that the annotation and text files belong together."
    )
    E1070 = (
        "{where}: an IOB tag '{tag}' that is not O, B-TYPE or I-TYPE. Fix the tag, or "
        "pass --skip-invalid to skip the line."
    )
    E1071 = "Corpus '{corpus}' has no format '{format}'; its formats are: {formats}."
    E1072 = (
        "Cannot read '{item}' in the label map '{spec}': write TYPE=LABEL pairs "
        "separated by commas, e.g. 'protein=Gene,DNA=Gene'."
    )
    E1073 = (
        "The types {types} are both mapped to a label and ignored; keep each type in "
        "only one of label_map and ignore_types."
    )
    E1074 = (
        "The label map produces the labels {labels}, which are not in the annotated "
        "labels ({annotated}). Add them to the annotated labels, or map the types to "
        "annotated labels."
    )
    E1075 = (
        "{where}: passage at offset {offset} starts inside the text before it (which "
        "ends at {end}); BioC passage offsets must increase."
    )
    E1076 = (
        "No .spacy files found at {path}. Convert the corpora first (python -m "
        "spacy_biolm convert ...) or fix the path or pattern."
    )
    E1077 = (
        "The weights name the corpora {weighted}, but the data holds {found}. Give a "
        "weight to every corpus (0 leaves one out), or no weights for the default."
    )
    E1078 = (
        "Invalid sampling setting: {problem}. Weights and the temperature must be "
        "non-negative and at least one corpus needs a positive weight."
    )
    E1079 = "Unknown mode '{mode}' of the merged corpus reader; use 'train' or 'dev'."
    E1080 = (
        "{path}: {missing}. INPUT_DIR must be laid out like the public release of "
        "{corpus} ({layout})."
    )
    E1081 = (
        "{where}: offsets {first}-{last} of mention '{text}' are outside sentence "
        "'{doc}' ({n} non-space characters; BC2GM offsets count non-space characters, "
        "the end inclusive). Fix the record, or pass --skip-invalid to skip it."
    )
    E1082 = (
        "species-tsv input needs --annotations: the tag table (species id, document, "
        "start, end, text) of the texts in {path}."
    )
