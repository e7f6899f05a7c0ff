"""`compare`: two evaluations side by side, per corpus and type."""

import srsly
from typer.testing import CliRunner

from spacy_biolm.cli import app
from spacy_biolm.evaluation import compare_markdown


def _results(chem_f, dis_f):
    return {
        "split": "test",
        "corpora": {
            "bc5cdr": {
                "ents_p": 0.5,
                "ents_r": 0.5,
                "ents_f": (chem_f + dis_f) / 2,
                "ents_per_type": {
                    "Chemical": {"p": chem_f, "r": chem_f, "f": chem_f},
                    "Disease": {"p": dis_f, "r": dis_f, "f": dis_f},
                },
            },
            "s800": {"ents_p": 0.4, "ents_r": 0.2, "ents_f": None, "ents_per_type": {}},
        },
    }


def test_compare_rows_deltas_and_mean():
    table = compare_markdown(_results(0.9, 0.6), _results(0.8, 0.7), ("ours", "base"))
    assert "| bc5cdr | Chemical | 80.0 / 80.0 / 80.0 | 90.0 / 90.0 / 90.0 | +10.0 |" in table
    assert "| bc5cdr | Disease | 70.0 / 70.0 / 70.0 | 60.0 / 60.0 / 60.0 | -10.0 |" in table
    assert "| s800 | all | 40.0 / 20.0 / - | 40.0 / 20.0 / - | - |" in table
    assert "| mean of 2 corpus/type rows |  | F 75.0 | F 75.0 | +0.0 |" in table


def test_compare_corpus_missing_from_baseline():
    base = _results(0.8, 0.7)
    del base["corpora"]["bc5cdr"]
    table = compare_markdown(_results(0.9, 0.6), base)
    assert "| bc5cdr | Chemical | - / - / - | 90.0 / 90.0 / 90.0 | - |" in table
    assert "mean of" not in table


def test_compare_cli(tmp_path):
    srsly.write_json(tmp_path / "a.json", _results(0.9, 0.6))
    srsly.write_json(tmp_path / "b.json", _results(0.8, 0.7))
    out = tmp_path / "m" / "compare.md"
    result = CliRunner().invoke(
        app, ["compare", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--markdown", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "ΔF" in out.read_text(encoding="utf8")
    missing = CliRunner().invoke(
        app, ["compare", str(tmp_path / "x.json"), str(tmp_path / "b.json")]
    )
    assert missing.exit_code == 1
    assert "x.json does not" in " ".join(missing.output.split())
