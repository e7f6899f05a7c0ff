"""The biogpt component in spaCy pipelines: tasks, batching, serialization, errors."""

import json
import math
import os
import shutil
import subprocess
import sys
import warnings

import pytest
import spacy
import torch
from spacy.tokens import Doc, DocBin
from transformers import BioGptForCausalLM

from spacy_biolm.biogpt import generation, tasks
from spacy_biolm.testing import SEED_TEXT

from .conftest import greedy_new_tokens

TEXTS = [
    "Naloxone reverses the antihypertensive effect of clonidine.",
    "Cisplatin",
    SEED_TEXT,
    "IL-2-dependent proliferation of T cells requires TNF-alpha.",
    SEED_TEXT[:400],
    "Mutations in BRCA1 and BRCA2 genes increase the risk of breast cancer.",
    "Patients received metformin.",
]
QA_TEXTS = [
    f"question: Does naloxone reverse the effect of clonidine? context: {TEXTS[0]}",
    f"question: Do BRCA1 mutations increase the risk of cancer? context: {TEXTS[5]}",
    f"question: Is cisplatin nephrotoxic in mice? context: {SEED_TEXT}",
]
QA_PROMPT = "question: {q} context: {c} the answer to the question given the context is"


def _greedy_continuation(model, tokenizer, prompt, max_new_tokens):
    """The greedy continuation of one prompt by the loop written out in conftest,
    decoded and cleaned like the component's output."""
    new = greedy_new_tokens(model, tokenizer(prompt)["input_ids"], max_new_tokens)
    return tasks.clean_generated_text(tokenizer.decode(new, skip_special_tokens=True))


def _reference_continuation(model, tokenizer, prompt, **settings):
    """What plain transformers generates for one prompt, cleaned like the component
    (for the settings the greedy loop does not cover, such as beam search)."""
    ids = tokenizer(prompt)["input_ids"]
    settings = {"do_sample": False, "pad_token_id": 1, "eos_token_id": 2, **settings}
    with torch.inference_mode():
        new = model.generate(torch.tensor([ids]), **settings)[0, len(ids) :].tolist()
    if 2 in new:
        new = new[: new.index(2)]
    return tasks.clean_generated_text(tokenizer.decode(new, skip_special_tokens=True))


def _reference_scores(model, tokenizer, prompt):
    """One forward pass per answer, log-likelihoods normalised over the answers."""
    prompt_ids = tokenizer(prompt)["input_ids"]
    loglik = []
    for answer in tasks.QA_ANSWERS:
        ids = tokenizer(f"{prompt} {answer}")["input_ids"]
        assert ids[: len(prompt_ids)] == prompt_ids
        with torch.inference_mode():
            logprobs = model(torch.tensor([ids])).logits[0].log_softmax(-1)
        positions = range(len(prompt_ids), len(ids))
        loglik.append(sum(logprobs[i - 1, ids[i]].item() for i in positions))
    total = sum(math.exp(x) for x in loglik)
    return {a: math.exp(x) / total for a, x in zip(tasks.QA_ANSWERS, loglik)}


def test_weights_load_in_initialize_not_in_the_factory(tiny_biogpt_dir, tiny_model, tiny_tokenizer):
    nlp = spacy.blank("en")
    biogpt = nlp.add_pipe("biogpt", config={"model": str(tiny_biogpt_dir), "max_new_tokens": 6})
    with pytest.raises(ValueError, match="E1120"):
        nlp("Some text.")
    nlp.initialize()
    expected = _greedy_continuation(tiny_model, tiny_tokenizer, "Some text.", 6)
    assert nlp("Some text.")._.biogpt_text == expected
    assert biogpt.hf_model.dtype == torch.float32  # dtype "auto" on CPU


def test_generation_is_the_continuation_alone(make_nlp, tiny_model, tiny_tokenizer):
    nlp = make_nlp(max_new_tokens=8)
    for text in TEXTS[:2]:
        expected = _greedy_continuation(tiny_model, tiny_tokenizer, text, 8)
        assert nlp(text)._.biogpt_text == expected
        assert expected and text not in expected


def test_pipe_equals_call_and_keeps_order(make_nlp):
    nlp = make_nlp(max_new_tokens=6, batch_size=3)
    one_by_one = [nlp(text)._.biogpt_text for text in TEXTS]
    assert len(set(one_by_one)) == len(TEXTS)
    piped = list(nlp.pipe(((t, i) for i, t in enumerate(TEXTS)), as_tuples=True, batch_size=5))
    assert [context for _, context in piped] == list(range(len(TEXTS)))
    assert [doc.text for doc, _ in piped] == TEXTS
    assert [doc._.biogpt_text for doc, _ in piped] == one_by_one


def test_empty_docs_are_not_run(make_nlp):
    docs = list(make_nlp(max_new_tokens=4).pipe(["", TEXTS[1], "  \n"]))
    assert [docs[0]._.biogpt_text, docs[2]._.biogpt_text] == ["", ""]
    assert docs[1]._.biogpt_text
    doc = make_nlp(task="qa")("")
    assert doc._.biogpt_answer is None and doc._.biogpt_answer_scores is None


def test_long_doc_is_cut_from_the_left_with_one_warning(make_nlp, tiny_model, tiny_tokenizer):
    nlp = make_nlp(max_new_tokens=4, batch_size=8)
    long_text = ((SEED_TEXT + " ") * (20000 // len(SEED_TEXT) + 1))[:20000]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        docs = list(nlp.pipe([long_text, TEXTS[1], long_text[-2000:], long_text[5:]]))
    cut_warnings = [str(w.message) for w in caught if "W1040" in str(w.message)]
    assert len(cut_warnings) == 1
    assert "2 of the 4 prompts" in cut_warnings[0]
    ids = tiny_tokenizer(long_text)["input_ids"]
    kept = [ids[0]] + ids[len(ids) - 1019 :]  # 1,024 positions - 4 new tokens
    new = greedy_new_tokens(tiny_model, kept, 4)
    expected = tiny_tokenizer.decode(new, skip_special_tokens=True)
    assert docs[0]._.biogpt_text == tasks.clean_generated_text(expected)


def test_qa_scores_equal_one_forward_pass_per_answer(make_nlp, tiny_model, tiny_tokenizer):
    nlp = make_nlp(task="qa", batch_size=2)
    for doc in nlp.pipe(QA_TEXTS):
        scores = doc._.biogpt_answer_scores
        assert list(scores) == list(tasks.QA_ANSWERS)
        assert sum(scores.values()) == pytest.approx(1.0)
        assert doc._.biogpt_answer == max(scores, key=scores.get)
        question, context = tasks.split_question(doc.text)
        prompt = QA_PROMPT.format(q=question, c=context)
        expected = _reference_scores(tiny_model, tiny_tokenizer, prompt)
        assert scores == pytest.approx(expected, abs=1e-5)


def test_qa_question_extension_is_the_question(make_nlp):
    nlp = make_nlp(task="qa")
    from_form = nlp(QA_TEXTS[0])
    question, context = tasks.split_question(QA_TEXTS[0])
    doc = nlp.make_doc(context)
    doc._.biogpt_question = question
    assert nlp(doc)._.biogpt_answer_scores == pytest.approx(from_form._.biogpt_answer_scores)
    with pytest.raises(ValueError, match="E1127"):
        nlp(context)


def test_relations_after_other_components(tiny_biogpt_dir, tiny_model, tiny_tokenizer):
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler")
    nlp.add_pipe(
        "biogpt",
        config={"model": str(tiny_biogpt_dir), "task": "relations", "max_new_tokens": 5},
    )
    nlp.initialize()
    ruler.add_patterns(
        [
            {"label": "Chemical", "pattern": [{"LOWER": "cisplatin"}]},
            {"label": "Disease", "pattern": [{"LOWER": "nausea"}]},
        ]
    )
    text = "Cisplatin caused Nausea."
    doc = nlp(text)
    # BioGPT's relation fine-tunes read lowercased text
    assert doc._.biogpt_text == _greedy_continuation(tiny_model, tiny_tokenizer, text.lower(), 5)
    # A random model writes no relation sentence, so nothing is parsed from it.
    assert "relation between" not in doc._.biogpt_text
    assert doc._.biogpt_relations == []
    # What the component makes of a fine-tune's output:
    nlp.get_pipe("biogpt").set_annotations(
        [doc], ["the relation between cisplatin and nausea exists."]
    )
    assert doc._.biogpt_relations == [
        {
            "head": {"text": "Cisplatin", "start": 0, "end": 9, "label": "Chemical"},
            "tail": {"text": "Nausea", "start": 17, "end": 23, "label": "Disease"},
            "label": "CID",
        }
    ]
    restored = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert restored._.biogpt_relations == doc._.biogpt_relations


def test_generated_relation_ids_become_relations(tiny_biogpt_dir, tiny_tokenizer, monkeypatch):
    # The model's part replaced by what a relation fine-tune writes (BC5CDR's and
    # DDI's target forms, by hand), so that the component's own path from generated
    # ids to doc._.biogpt_relations is what is tested.
    generated = (
        "the relation between cisplatin and nausea exists; "
        "the interaction between cisplatin and ondansetron is effect."
    )
    generated_ids = tiny_tokenizer(generated, add_special_tokens=False)["input_ids"]
    prompts = []

    def generate(model, batch, generation_config):
        prompts.extend(batch)
        return [list(generated_ids) for _ in batch]

    monkeypatch.setattr(generation, "generate", generate)
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    nlp.add_pipe("biogpt", config={"model": str(tiny_biogpt_dir), "task": "relations"})
    nlp.initialize()
    ruler.add_patterns(
        [
            {"label": "Chemical", "pattern": [{"LOWER": "cisplatin"}]},
            {"label": "Chemical", "pattern": [{"LOWER": "ondansetron"}]},
            {"label": "Disease", "pattern": [{"LOWER": "nausea"}]},
        ]
    )
    text = "Cisplatin caused Nausea despite Ondansetron."
    doc = nlp(text)
    assert prompts == [tiny_tokenizer(text.lower())["input_ids"]]
    assert doc._.biogpt_text == generated
    assert [(r["head"]["text"], r["tail"]["text"], r["label"]) for r in doc._.biogpt_relations] == [
        ("Cisplatin", "Nausea", "CID"),
        ("Cisplatin", "Ondansetron", "effect"),
    ]
    assert doc._.biogpt_relations[0]["head"] == {
        "text": "Cisplatin",
        "start": 0,
        "end": 9,
        "label": "Chemical",
    }
    assert doc._.biogpt_relations[1]["tail"] == {
        "text": "Ondansetron",
        "start": 32,
        "end": 43,
        "label": "Chemical",
    }


def test_generation_config_is_passed_through(make_nlp, tiny_model, tiny_tokenizer):
    nlp = make_nlp(max_new_tokens=5, generation_config={"num_beams": 3})
    expected = _reference_continuation(
        tiny_model, tiny_tokenizer, TEXTS[0], max_new_tokens=5, num_beams=3
    )
    assert nlp(TEXTS[0])._.biogpt_text == expected
    assert expected != _greedy_continuation(tiny_model, tiny_tokenizer, TEXTS[0], 5)


def test_disk_round_trip_and_offline_load_in_a_fresh_process(make_nlp, tiny_biogpt_dir, tmp_path):
    source = shutil.copytree(tiny_biogpt_dir, tmp_path / "source")
    nlp = make_nlp(model=str(source), max_new_tokens=6, batch_size=4)
    expected = [doc._.biogpt_text for doc in nlp.pipe(TEXTS)]
    nlp.to_disk(tmp_path / "pipeline")
    assert (tmp_path / "pipeline" / "biogpt" / "model" / "model.safetensors").exists()
    shutil.rmtree(source)  # the saved pipeline must not need it
    assert [doc._.biogpt_text for doc in spacy.load(tmp_path / "pipeline").pipe(TEXTS)] == expected
    script = (
        "import json, sys, spacy\n"
        "nlp = spacy.load(sys.argv[1])\n"
        "print(json.dumps([d._.biogpt_text for d in nlp.pipe(json.loads(sys.argv[2]))]))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "pipeline"), json.dumps(TEXTS)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == expected


def test_loaded_pipeline_reads_weights_on_first_use(make_nlp, tmp_path):
    nlp = make_nlp(max_new_tokens=4)
    expected = nlp(TEXTS[0])._.biogpt_text
    nlp.disable_pipe("biogpt")
    nlp.to_disk(tmp_path / "pipeline")
    # Shipped disabled, as en_biolm ships it: loading costs no BioGPT weights.
    loaded = spacy.load(tmp_path / "pipeline")
    assert "biogpt" in loaded.disabled
    assert loaded.get_pipe("biogpt")._hf_model is None
    # spaCy 3.8 merges `disable=` with the config's disabled list, and `enable=`
    # means "only these" and clashes with it: enable_pipe or a config override
    # switch BioGPT on.
    enabled = spacy.load(tmp_path / "pipeline", config={"nlp": {"disabled": []}})
    assert enabled.get_pipe("biogpt")._hf_model is None
    assert enabled(TEXTS[0])._.biogpt_text == expected
    assert enabled.get_pipe("biogpt")._hf_model is not None
    loaded.enable_pipe("biogpt")
    assert loaded(TEXTS[0])._.biogpt_text == expected


def test_without_weights_the_model_is_loaded_by_name(make_nlp, tmp_path):
    nlp = make_nlp(max_new_tokens=4, serialize_weights=False)
    expected = nlp(TEXTS[0])._.biogpt_text
    nlp.to_disk(tmp_path / "pipeline")
    assert not (tmp_path / "pipeline" / "biogpt" / "model").exists()
    assert spacy.load(tmp_path / "pipeline")(TEXTS[0])._.biogpt_text == expected


def test_bytes_round_trip(make_nlp):
    nlp = make_nlp(task="qa")
    expected = nlp(QA_TEXTS[1])._.biogpt_answer_scores
    data = nlp.get_pipe("biogpt").to_bytes()
    fresh = spacy.blank("en")
    fresh.add_pipe("biogpt", config={"model": "no/such-model", "task": "qa"}).from_bytes(data)
    assert fresh(QA_TEXTS[1])._.biogpt_answer_scores == expected


def test_answers_survive_docbin(make_nlp):
    nlp = make_nlp(task="qa")
    doc = nlp(QA_TEXTS[0])
    docbin = DocBin(store_user_data=True, docs=[doc])
    (restored,) = DocBin().from_bytes(docbin.to_bytes()).get_docs(nlp.vocab)
    assert restored._.biogpt_answer == doc._.biogpt_answer
    assert restored._.biogpt_answer_scores == doc._.biogpt_answer_scores


def test_half_precision_runs_and_warns_when_saved(make_nlp, tiny_biogpt_dir, tmp_path):
    nlp = make_nlp(dtype="bfloat16", max_new_tokens=3)
    assert nlp.get_pipe("biogpt").hf_model.dtype == torch.bfloat16
    model = BioGptForCausalLM.from_pretrained(tiny_biogpt_dir, torch_dtype=torch.bfloat16)
    tokenizer = nlp.get_pipe("biogpt").tokenizer
    expected = _greedy_continuation(model.eval(), tokenizer, TEXTS[0], 3)
    assert nlp(TEXTS[0])._.biogpt_text == expected
    with pytest.warns(UserWarning, match="W1041"):
        nlp.to_disk(tmp_path / "pipeline")


@pytest.mark.parametrize(
    "config,code",
    [
        ({"task": "summarize"}, "E1122"),
        ({"dtype": "int8"}, "E1124"),
        ({"template": "{question}"}, "E1123"),
        ({"max_new_tokens": 0}, "E1133"),
        ({"generation_config": {"beams": 2}}, "E1126"),
        ({"generation_config": {"num_return_sequences": 2}}, "E1134"),
        ({"generation_config": {"max_length": 20}}, "E1136"),
    ],
)
def test_invalid_settings_are_refused(config, code):
    with pytest.raises(ValueError, match=code):
        spacy.blank("en").add_pipe("biogpt", config=config)


def test_no_room_for_a_prompt(tiny_biogpt_dir):
    nlp = spacy.blank("en")
    nlp.add_pipe("biogpt", config={"model": str(tiny_biogpt_dir), "max_new_tokens": 1023})
    with pytest.raises(ValueError, match="E1125"):
        nlp.initialize()


def test_missing_model_is_a_clear_error(tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("biogpt", config={"model": str(tmp_path / "nothing")})
    with pytest.raises(ValueError, match="E1121"):
        nlp.initialize()


@pytest.mark.gpu
def test_gpu_follows_spacy_and_runs_in_half_precision(tiny_biogpt_dir):
    spacy.require_gpu()
    try:
        nlp = spacy.blank("en")
        nlp.add_pipe("biogpt", config={"model": str(tiny_biogpt_dir), "max_new_tokens": 8})
        nlp.add_pipe("biogpt", name="qa", config={"model": str(tiny_biogpt_dir), "task": "qa"})
        nlp.initialize()
        model = nlp.get_pipe("biogpt").hf_model
        assert model.device.type == "cuda"
        assert model.dtype in (torch.bfloat16, torch.float16)
        docs = list(nlp.pipe(QA_TEXTS))
        assert all(isinstance(doc._.biogpt_text, str) for doc in docs)
        assert all(sum(doc._.biogpt_answer_scores.values()) == pytest.approx(1.0) for doc in docs)
    finally:
        spacy.require_cpu()
