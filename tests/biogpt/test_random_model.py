"""The BioGPT tokenizer built from fairseq files, and the random-model builder."""

from transformers import BioGptForCausalLM, BioGptTokenizer
from typer.testing import CliRunner

from spacy_biolm.biogpt import tasks
from spacy_biolm.biogpt.fairseq import write_tokenizer
from spacy_biolm.cli import app
from spacy_biolm.testing import SEED_TEXT


def test_real_biogpt_vocabulary(corpora_dir, tmp_path):
    folder = corpora_dir / "biogpt_tokenizer"
    tokenizer = write_tokenizer(folder / "dict.txt", folder / "bpecodes", tmp_path)
    vocab = tokenizer.get_vocab()
    assert len(tokenizer) == len(vocab) == 42384
    assert [vocab[t] for t in ("<s>", "<pad>", "</s>", "<unk>")] == [0, 1, 2, 3]
    # dict.txt line 1 is ".", line 3 "the", line 4614 "&apos;@@" (a word-internal piece)
    assert (vocab[".</w>"], vocab["the</w>"], vocab["&apos;"]) == (4, 6, 4617)
    ids = tokenizer("Naloxone reverses the effect of clonidine.")["input_ids"]
    assert ids[0] == 2 and 3 not in ids
    assert tokenizer.decode(ids, skip_special_tokens=True) == (
        "Naloxone reverses the effect of clonidine."
    )


def test_synthetic_vocabulary_spells_its_text(tmp_path):
    result = CliRunner().invoke(app, ["make-biogpt", str(tmp_path / "tiny"), "--hidden-size", "16"])
    assert result.exit_code == 0, result.output
    tokenizer = BioGptTokenizer.from_pretrained(tmp_path / "tiny")
    model = BioGptForCausalLM.from_pretrained(tmp_path / "tiny")
    assert model.config.vocab_size == len(tokenizer) < 2000
    ids = tokenizer(SEED_TEXT)["input_ids"]
    assert tokenizer.unk_token_id not in ids
    decoded = tasks.clean_generated_text(tokenizer.decode(ids, skip_special_tokens=True))
    assert decoded.split() == SEED_TEXT.replace("Ca2+", "Ca2 +").split()
