"""Our error and warning codes: a prefix of our own, carried as data."""

import pickle
import re

from spacy.errors import Errors as SpacyErrors
from spacy.errors import Warnings as SpacyWarnings

from spacy_biolm.corpora.source import CorpusError, InvalidRecords
from spacy_biolm.errors import CODE_PREFIX, Errors, Warnings, message_code


def _codes(messages) -> list:
    return [name for name in vars(messages) if re.fullmatch(r"[EW]\d+", name)]


def _spacy_text() -> str:
    return "\n".join(
        getattr(messages, name)
        for messages in (SpacyErrors, SpacyWarnings)
        for name in vars(messages)
        if not name.startswith("__")
    )


def test_no_code_of_ours_can_be_found_in_spacys_messages():
    spacy_text = _spacy_text()
    assert "[E1020]" in spacy_text, "spaCy's own E1020 (the clash this prefix avoids)"
    for messages in (Errors, Warnings):
        for name in _codes(messages):
            message = getattr(messages, name)
            assert message.startswith(f"[{CODE_PREFIX}-{name}] "), message
            assert f"[{message.code}]" not in spacy_text


def test_codes_are_unique_across_errors_and_warnings():
    names = _codes(Errors) + _codes(Warnings)
    assert len(names) == len(set(names))


def test_formatting_keeps_the_code_as_data():
    message = Errors.E1060.format(path="corpus/x.txt")
    assert message.code == "BIOLM-E1060"
    assert message == f"[BIOLM-E1060] {message.text}"
    assert message.text.startswith("corpus/x.txt is empty.")
    error = pickle.loads(pickle.dumps(ValueError(message)))  # nlp.pipe(n_process=...)
    assert message_code(error) == "BIOLM-E1060"
    assert str(error) == message


def test_skipped_records_are_counted_by_the_code_they_carry():
    invalid = InvalidRecords(skip=True)
    invalid.handle(CorpusError(Errors.E1062.format(where="a.txt:3", line="x", expected="y")))
    invalid.handle(CorpusError(Errors.E1062.format(where="a.txt:9", line="z", expected="y")))
    invalid.handle(CorpusError("a message of someone else's"))
    assert invalid.counts() == {"BIOLM-E1062": 2, "unknown": 1}
