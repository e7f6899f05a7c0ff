"""Error and warning messages, with codes of our own: `[BIOLM-E1060] ...`.

spaCy 3.8 itself uses E001-E1057 and W001-W124, so bare codes would clash (a search
for "[E1020]" finds spaCy's epoch_resume error). Every message here reads
`[BIOLM-<code>] <text>`, and carries its code as data (`message.code`), so code that
counts or routes errors never parses it back out of the text.
"""

from typing import Any, Tuple

# Code ranges, one per area, so that modules grow without renumbering:
#   E1000-E1019 / W1000-W1009  core, transformer
#   E1020-E1059 / W1010-W1019  biolm_ner
#   E1060-E1119 / W1020-W1039  corpora, convert CLI
#   E1120-E1159 / W1040-W1049  biogpt
#   E1160-E1179 / W1050-W1059  project, packaging
#   E1180-E1219 / W1060-W1069  linking

CODE_PREFIX = "BIOLM"


class CodedMessage(str):
    """A message text that knows its code; `format` keeps it.

    code (str): The code with our prefix, e.g. "BIOLM-E1060".
    """

    code: str

    def __new__(cls, code: str, text: str) -> "CodedMessage":
        message = super().__new__(cls, f"[{code}] {text}")
        message.code = code
        return message

    def format(self, *args: Any, **kwargs: Any) -> "CodedMessage":
        """The message with its fields filled in, still carrying its code."""
        return CodedMessage(self.code, self.text.format(*args, **kwargs))

    @property
    def text(self) -> str:
        """The message without its code."""
        return str(self)[len(self.code) + 3 :]

    def __getnewargs__(self) -> Tuple[str, str]:  # type: ignore[override]
        # pickle (nlp.pipe(n_process=...)) rebuilds the message from code and text
        return (self.code, self.text)


def message_code(message: object) -> str:
    """The code a message carries, or "" for text that is not one of ours.

    message (object): A message, or an exception raised with one.
    RETURNS (str): E.g. "BIOLM-E1060".
    """
    if isinstance(message, BaseException):
        message = message.args[0] if message.args else ""
    return getattr(message, "code", "")


class MessagesWithCodes(type):
    """spaCy's ErrorsWithCodes with our prefix: `Errors.E1060` reads
    "[BIOLM-E1060] ..." and is a CodedMessage."""

    def __getattribute__(self, code: str) -> Any:
        text = super().__getattribute__(code)
        if code.startswith("__"):
            return text
        return CodedMessage(f"{CODE_PREFIX}-{code}", text)


class Warnings(metaclass=MessagesWithCodes):
    # core, transformer
    W1000 = (
        "A single token of {n_pieces} wordpieces in doc '{doc}' is longer than the "
        "transformer's {limit}-wordpiece limit; its trailing wordpieces are dropped. "
        "Check the tokenizer splits such strings (e.g. long sequences or URLs)."
    )

    # biolm_ner
    W1010 = (
        "The training data has entities labelled {labels}, which component '{name}' "
        "does not predict (its labels: {known}); they are ignored. Add them to its "
        "`labels` setting (or set labels = [] to take every label from the data)."
    )
    W1011 = (
        "{user} got {n} of {total} documents whose annotation status is unknown "
        "(doc._.annotated_labels was never set), e.g. '{text}'. They are treated as "
        "annotated for every label, so every entity they do not mark counts as not an "
        "entity. A DocBin keeps doc._.annotated_labels only when written with "
        "DocBin(store_user_data=True); otherwise set doc._.annotated_labels to the labels "
        "the doc's corpus annotates (None: every label). {user} warns about this once."
    )

    # corpora, convert CLI
    W1020 = "Skipped an invalid record (--skip-invalid): {error}"
    W1021 = (
        "Corpus '{corpus}' in {paths} has sampling weight 0, so its {n} docs are left "
        "out of the training stream. Give it a positive weight to use it."
    )

    # biogpt
    W1040 = (
        "Component '{name}': {n_cut} of the {n_batch} prompts of a batch are longer "
        "than the {limit} tokens that fit before the generated ones (the longest has "
        "{longest}); their beginnings are cut. Shorten the docs or the template, or "
        "lower max_new_tokens."
    )
    W1041 = (
        "Component '{name}' writes its weights in {dtype}, the dtype they run in, which "
        "loses precision for good. To keep float32 weights in the package, save from a "
        'pipeline loaded with the component\'s dtype = "float32".'
    )

    # linking
    W1060 = (
        "Component '{name}' has no knowledge base for the labels {labels}, so their "
        'spans stay unlinked (kb_id_ ""). Build one (spacy_biolm.linking.sources.'
        "build_kbs) and initialize the component with it, or leave those labels unlinked."
    )


class Errors(metaclass=MessagesWithCodes):
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
    E1010 = (
        "The encoder ran at inference (is_train=False) in length groups, so its output "
        "has no gradient. Call the transformer model with is_train=True (begin_update) "
        "to train it."
    )

    # biolm_ner
    E1020 = (
        "Component '{name}' is not initialized, so it has no weights. Call "
        "nlp.initialize() (spacy train does) before using the pipeline, or load a "
        "trained pipeline with spacy.load()."
    )
    E1021 = (
        "Component '{name}' has no labels. Set `labels` in its config, pass labels to "
        "initialize ([initialize.components.{name}] labels), or initialize it with "
        "examples whose entities carry labels."
    )
    E1022 = (
        "Cannot add label '{label}' to component '{name}': it is initialized with the "
        "labels {labels} and its output layer cannot grow. Add labels before "
        "nlp.initialize(), or train a new component."
    )
    E1023 = "threshold must be between 0 and 1 (got {threshold}); 0 keeps every span."

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
    E1068 = "{path} is missing or is not {what}."
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
    E1083 = (
        "{where}: sentence id '{doc}' was already used at {first}, so its mentions "
        "cannot be told apart. Give each sentence its own id, or pass --skip-invalid "
        "to skip the repeated one."
    )
    E1084 = (
        "{path} has no partner {partner}: a brat document is a NAME.txt file with its "
        "NAME.ann (empty when the document has no mentions). Add the missing file, or "
        "pass --skip-invalid to skip the document."
    )

    # biogpt
    E1120 = (
        "The biogpt component '{name}' has no model loaded. Call nlp.initialize() "
        "(loads its `model` setting) or load a saved pipeline with spacy.load()."
    )
    E1121 = (
        "Could not load BioGPT from '{model}': {err}. Hub names need the hub or its "
        "local cache; otherwise give a local folder (save_pretrained output, or "
        "`python -m spacy_biolm convert-biogpt` output for fairseq checkpoints)."
    )
    E1122 = "Unknown biogpt task '{task}'; choose one of {tasks}."
    E1123 = (
        "The template '{template}' uses {unknown}, which task '{task}' does not fill; "
        "its placeholders are {allowed}. Write literal braces as {{{{ and }}}}."
    )
    E1124 = "Unknown dtype '{dtype}'; choose one of {dtypes}."
    E1125 = (
        "Component '{name}' reserves {reserve} of the model's {n_positions} positions "
        "for generated tokens, which leaves no room for a prompt. Lower max_new_tokens."
    )
    E1126 = (
        "generation_config has settings that transformers' GenerationConfig does not "
        "know: {unknown}. Check the names (e.g. num_beams, do_sample, top_p)."
    )
    E1127 = (
        "A qa doc has no question: set doc._.biogpt_question, or write the text as "
        "'question: ... context: ...'. The doc starts: '{text}'"
    )
    E1128 = (
        "{path} not found. A fairseq BioGPT folder holds the checkpoint, dict.txt and "
        "bpecodes (pass the checkpoint's file name with --checkpoint)."
    )
    E1129 = (
        "{path} holds objects that safe loading refuses ({err}). If you trust the file, "
        "convert with --trust-checkpoint (it is unpickled in full and can run code; "
        "fairseq must be installed if it holds fairseq objects)."
    )
    E1130 = (
        "The checkpoint's model settings lack {missing}; it does not look like a "
        "fairseq transformer_lm (BioGPT) checkpoint."
    )
    E1131 = (
        "The checkpoint's embeddings have {rows} rows, but dict.txt gives {n_vocab} ids "
        "and the task's learned prompt {n_prompt} more ({prompt}). Use the dict.txt the "
        "model was trained with."
    )
    E1132 = (
        "The checkpoint puts its prompt before the source (task setting prefix = true), "
        "which the biogpt component does not support."
    )
    E1133 = (
        "max_new_tokens ({max_new_tokens}) and batch_size ({batch_size}) must both be at least 1."
    )
    E1134 = (
        "generation_config sets num_return_sequences; the component keeps one output "
        "per doc, so it must be 1 (beam search still returns its best beam)."
    )
    E1135 = (
        "Component '{name}' cannot go to bytes: its file {file} has {size} bytes, over "
        "msgpack's 4 GB limit. Use to_disk() / spacy.load() for models this size."
    )
    E1136 = (
        "generation_config sets {keys}; set the component's max_new_tokens instead, "
        "which also decides how much of a long prompt is kept."
    )

    # linking
    E1180 = (
        "Building a knowledge base needs scikit-learn (its TF-IDF vectoriser): "
        "pip install 'spacy-biolm[linking]'. Loading and using a built one does not."
    )
    E1181 = (
        "The knowledge base has format version {found}; this spacy-biolm reads "
        "version {expected}. Rebuild it with this version."
    )
    E1182 = "{path} is not a saved knowledge base: it lacks {files}. Save one with to_disk()."
    E1183 = (
        "The knowledge base for label '{label}' has no concepts: its sources gave no "
        "entry. Check the source files and the label, or leave the label out."
    )
    E1184 = (
        "{path}: md5 {found} differs from the pinned {expected} of {what}. The file is "
        "not the pinned release: fetch that release again ({origin}), or pass the md5 "
        "of the version you mean to use."
    )
    E1185 = (
        "{where}: malformed line {line!r} in {what}: expected {expected}. Restore the "
        "file from its pinned release, or fix the line."
    )
    E1186 = (
        "{where}: unknown ID '{id}' in {what}: expected an ID with one of the prefixes "
        "{prefixes}. Fix the ID (e.g. add its prefix), or map the prefix in the reader."
    )
    E1187 = "{path} not found: {what}. {fix}"
    E1188 = (
        "Component '{name}' has no knowledge base. Build them with spacy_biolm.linking."
        "sources.build_kbs and set kb_dir in [initialize.components.{name}], add one "
        "with add_kb(), or load a trained pipeline with spacy.load()."
    )
    E1189 = "{setting} must be {expected} (got {value})."
    E1190 = (
        "Cannot add the knowledge base of label '{kb_label}' as the one of label "
        "'{label}': build a knowledge base for '{label}'."
    )
    E1191 = "Unknown linking corpus '{corpus}'; choose one of {corpora}."
