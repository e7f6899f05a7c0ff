"""`annotate --engine ray` (issue 11, item 4): two CPU actors on a local Ray instance
give the single-process run's shards, byte for byte, and a restarted job skips the
finished units.

Ray must only listen on loopback. The test runs inside a network namespace that
has nothing but `lo` (`unshare -n`): when pytest is not already in one, the outer
test re-runs this file there (it needs root, `unshare` and `ip`), else it skips
and says why. Ray is started and stopped by the test.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from spacy_biolm.annotate.run import annotate

from ..conftest import REPO_ROOT
from .conftest import write_collection

N_UNITS = 4
DOCS_PER_UNIT = 6


def _has_ray() -> bool:
    try:
        import ray.data  # noqa: F401
    except ImportError:
        return False
    return True


def _loopback_only() -> bool:
    # The interfaces of this process's network namespace (not /sys/class/net,
    # which shows the namespace that mounted /sys).
    return {name for _, name in socket.if_nameindex()} == {"lo"}


def _can_unshare() -> bool:
    return os.geteuid() == 0 and bool(shutil.which("unshare")) and bool(shutil.which("ip"))


needs_ray = pytest.mark.skipif(
    not _has_ray(), reason="needs ray[data]: pip install 'spacy-biolm[ray]'"
)


@needs_ray
@pytest.mark.skipif(_loopback_only(), reason="already in a loopback-only namespace")
def test_ray_runs_in_a_loopback_only_namespace():
    """Re-run this file's Ray test inside `unshare -n` (only `lo`, brought up)."""
    if not _can_unshare():
        pytest.skip(
            "Ray tests run only in a loopback-only network namespace: needs root, unshare and ip"
        )
    pytest_command = " ".join(
        [
            sys.executable,
            "-m",
            "pytest",
            __file__,
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            "-k",
            "matches",
        ]
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1", "RAY_AUTH_MODE": "disabled"}
    result = subprocess.run(
        ["unshare", "-n", "bash", "-c", f"ip link set lo up && {pytest_command}"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    assert "1 passed" in result.stdout, result.stdout[-5000:]


@pytest.fixture
def local_ray():
    import ray

    ray.init(
        num_cpus=2,
        object_store_memory=200 * 1024**2,
        include_dashboard=False,
        log_to_driver=False,
    )
    yield ray
    ray.shutdown()


@needs_ray
@pytest.mark.skipif(
    not _loopback_only(),
    reason="runs in a loopback-only namespace (test_ray_runs_in_a_loopback_only_namespace)",
)
def test_ray_with_two_actors_matches_the_local_run(pipeline_dir: Path, tmp_path: Path, local_ray):
    collection = write_collection(tmp_path / "in", units=N_UNITS, docs=DOCS_PER_UNIT)
    options = {"output_format": "jsonl", "batch_size": 4, "progress": False}
    local = tmp_path / "local"
    annotate(str(pipeline_dir), [str(collection)], local, **options)
    # A job that stopped after its first unit: the restarted one skips it.
    distributed = tmp_path / "ray"
    annotate(str(pipeline_dir), [str(collection / "part00.jsonl")], tmp_path / "first", **options)
    (distributed / "shards").mkdir(parents=True)
    shutil.copy(tmp_path / "first" / "shards" / "000000.jsonl", distributed / "shards")
    shutil.copy(tmp_path / "first" / "ledger.jsonl", distributed)
    summary = annotate(
        str(pipeline_dir), [str(collection)], distributed, engine="ray", actors=2, **options
    )
    assert (summary.units_skipped, summary.units_done) == (1, N_UNITS - 1)
    assert summary.docs == (N_UNITS - 1) * DOCS_PER_UNIT
    names = [f"{index:06d}.jsonl" for index in range(N_UNITS)]
    for name in names:
        assert (distributed / "shards" / name).read_bytes() == (
            local / "shards" / name
        ).read_bytes()
    keys = [json.loads(line)["key"] for line in (distributed / "ledger.jsonl").open()]
    assert sorted(keys) == sorted(
        json.loads(line)["key"] for line in (local / "ledger.jsonl").open()
    )
    assert len(set(keys)) == N_UNITS
