"""Every entry point in setup.cfg resolves through spaCy's registry in a fresh
process that never imports spacy_biolm itself (what `spacy.load` of a packaged
pipeline relies on)."""

import configparser
import json
import subprocess
import sys
import textwrap

import pytest

from .conftest import REPO_ROOT

# setup.cfg group -> the spaCy registry it feeds
GROUPS = {
    "spacy_factories": "factories",
    "spacy_architectures": "architectures",
    "spacy_span_getters": "span_getters",
    "spacy_tokenizers": "tokenizers",
    "spacy_readers": "readers",
    "spacy_scorers": "scorers",
    "spacy_misc": "misc",
    "spacy_annotation_setters": "annotation_setters",
    "spacy_cli": "cli",
}


def _entry_points():
    parser = configparser.ConfigParser()
    parser.read(REPO_ROOT / "setup.cfg")
    for group, value in parser["options.entry_points"].items():
        for line in value.strip().splitlines():
            name, target = (part.strip() for part in line.split("=", 1))
            yield group, name, target


ENTRY_POINTS = list(_entry_points())

RESOLVE = textwrap.dedent(
    """
    import json, sys
    import spacy, spacy_transformers
    from spacy.language import Language
    from spacy.util import registry
    assert "spacy_biolm" not in sys.modules
    spacy.blank("en")  # loads the factories' entry points
    found = {}
    for group, registry_name, name in json.loads(sys.argv[1]):
        try:
            if group == "spacy_factories":
                func = registry.factories.get(Language.get_factory_name(name))
            else:
                func = getattr(registry, registry_name).get(name)
            found[name] = f"{func.__module__}:{func.__name__}"
        except Exception as err:
            found[name] = f"error: {err!r}"
    print(json.dumps(found))
    """
)


@pytest.fixture(scope="module")
def resolved():
    query = [(group, GROUPS.get(group, group), name) for group, name, _ in ENTRY_POINTS]
    result = subprocess.run(
        [sys.executable, "-c", RESOLVE, json.dumps(query)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_entry_point_groups_are_known():
    assert {group for group, _, _ in ENTRY_POINTS} <= set(GROUPS)


@pytest.mark.parametrize("group,name,target", ENTRY_POINTS)
def test_registered_name_resolves(resolved, group, name, target):
    assert resolved[name] == target
