"""Commands live in `spacy_biolm.cli` and nowhere else: every one is reachable as
`python -m spacy_biolm …` and as `spacy biolm …` (spaCy's `spacy_cli` entry point),
and importing a component imports neither the CLI nor the test scaffolding."""

import ast
import json
import os
import subprocess
import sys
import textwrap
from typing import Any, Dict, List

import pytest
from typer.testing import CliRunner

from spacy_biolm.cli import app

from .conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "spacy_biolm"

# The commands project.yml, .ci/run and the README use, by name.
USED = [
    "convert",
    "convert-all",
    "convert-file",
    "evaluate",
    "compare",
    "verify-corpora",
    "assemble",
    "package-meta",
    "convert-biogpt",
    "make-encoder",
    "make-biogpt",
    "preflight",
    "link-encoder",
]

# Wide and plain, so that rich does not wrap or cut command names.
ENV = {**os.environ, "COLUMNS": "200", "TERM": "dumb", "NO_COLOR": "1"}


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=ENV, timeout=300
    )


# Every registered command: a new one is covered without editing this file.
COMMANDS = [command.name or "" for command in app.registered_commands]


def test_every_used_command_is_registered_once():
    assert len(set(COMMANDS)) == len(COMMANDS)
    assert [name for name in USED if name not in COMMANDS] == []


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help(command):
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_python_m_spacy_biolm_lists_every_command():
    result = _run("-m", "spacy_biolm", "--help")
    assert result.returncode == 0, result.stderr
    assert [name for name in COMMANDS if name not in result.stdout] == []


def test_python_m_spacy_biolm_group_lists_every_command():
    result = _run("-m", "spacy", "biolm", "--help")
    assert result.returncode == 0, result.stderr
    assert [name for name in COMMANDS if name not in result.stdout] == []


# What `python -m spacy` does (spacy.cli.setup_cli: load the `spacy_cli` entry
# points, then run spaCy's app), with the modules that loading them imports.
SPACY_CLI = textwrap.dedent(
    """
    import json, sys
    import spacy
    from spacy.cli import app
    from spacy.util import registry
    from typer.testing import CliRunner

    baseline = set(sys.modules)
    registry.cli.get_all()
    new = sorted(set(sys.modules) - baseline)
    failed = {}
    for name in sys.argv[1:]:
        result = CliRunner().invoke(app, ["biolm", name, "--help"])
        if result.exit_code != 0 or "Usage:" not in result.output:
            failed[name] = result.output[-500:]
    print(json.dumps({"new": new, "failed": failed}))
    """
)

# Resolved from spaCy's registry, as a config does: none of them needs an encoder.
LIGHT_REGISTERED = [
    ("tokenizers", "spacy-biolm.Tokenizer.v1"),
    ("readers", "spacy-biolm.MergedCorpus.v1"),
    ("readers", "spacy-biolm.PubTatorCorpus.v1"),
]
COMPONENT_MODULES = [
    "spacy_biolm.ner.component",
    "spacy_biolm.transformer.model",
    "spacy_biolm.biogpt.component",
    "spacy_biolm.corpora.merged",
    "spacy_biolm.tokenizer",
]
# In a fresh process: the modules that resolving the light registered functions
# imports beyond `import spacy`, then those that importing every component adds.
COMPONENT_IMPORTS = textwrap.dedent(
    """
    import importlib, json, sys
    import spacy
    from spacy.util import registry

    baseline = set(sys.modules)
    for registry_name, name in json.loads(sys.argv[1]):
        getattr(registry, registry_name).get(name)
    light = sorted(set(sys.modules) - baseline)
    for module in json.loads(sys.argv[2]):
        importlib.import_module(module)
    components = sorted(set(sys.modules) - baseline)
    print(json.dumps({"light": light, "components": components}))
    """
)


def _last_json(result: subprocess.CompletedProcess) -> Dict[str, Any]:
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _forbidden(modules: List[str], prefixes: List[str]) -> List[str]:
    return [m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes)]


@pytest.fixture(scope="module")
def spacy_cli() -> Dict[str, Any]:
    return _last_json(_run("-c", SPACY_CLI, *COMMANDS))


@pytest.fixture(scope="module")
def imported() -> Dict[str, List[str]]:
    return _last_json(
        _run("-c", COMPONENT_IMPORTS, json.dumps(LIGHT_REGISTERED), json.dumps(COMPONENT_MODULES))
    )


def test_every_command_help_under_spacy(spacy_cli):
    assert spacy_cli["failed"] == {}


def test_spacy_cli_entry_point_loads_without_the_encoder_stack(spacy_cli):
    """spaCy loads every `spacy_cli` entry point before any of its own commands
    (`spacy train` too): that must not cost the transformers import."""
    assert "spacy_biolm.cli" in spacy_cli["new"]
    assert _forbidden(spacy_cli["new"], ["transformers", "spacy_transformers"]) == []


def test_components_do_not_import_cli_or_scaffolding(imported):
    assert set(COMPONENT_MODULES) <= set(imported["components"])
    # typer counts only if `import spacy` did not import it already (spaCy 3.8 does).
    forbidden = ["spacy_biolm.cli", "spacy_biolm.testing", "typer"]
    assert _forbidden(imported["components"], forbidden) == []


def test_tokenizer_and_readers_resolve_without_the_encoder_stack(imported):
    """torch is no test here: thinc imports it with `import spacy` whenever it is
    installed. transformers and spacy-transformers are what resolving these could add."""
    assert {"spacy_biolm.tokenizer", "spacy_biolm.corpora.merged"} <= set(imported["light"])
    forbidden = ["transformers", "spacy_transformers", "spacy_biolm.cli", "spacy_biolm.testing"]
    assert _forbidden(imported["light"], forbidden) == []


def _imports(path) -> List[str]:
    """The absolute names of the spacy_biolm modules and packages a file imports."""
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    package = parts if parts[-1] == "__init__" else parts[:-1]
    package = [p for p in package if p != "__init__"]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module or "").split(".")]).strip(".")
            found += [module] + [f"{module}.{alias.name}" for alias in node.names]
    return found


def test_library_modules_import_no_cli_typer_or_scaffolding():
    """Only cli/ (and __main__) may import the CLI or typer; testing/ sits above the
    components, so none of them imports it either."""
    offenders = {
        str(path.relative_to(PACKAGE)): _forbidden(
            _imports(path), ["spacy_biolm.cli", "spacy_biolm.testing", "typer"]
        )
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] not in ("cli", "testing", "__main__.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_scaffolding_imports_no_cli():
    for path in (PACKAGE / "testing").rglob("*.py"):
        assert _forbidden(_imports(path), ["spacy_biolm.cli", "typer"]) == [], path
