"""nlp.pipe(n_process=N) forks; torch's OpenMP pool must not hang the children."""

import subprocess
import sys
import textwrap

import pytest

# The parent uses torch's thread pool (2 threads), then forks two children that run
# the same ops, as `nlp.pipe(n_process=2)` does after the model ran in the parent.
SCRIPT = textwrap.dedent(
    """
    import multiprocessing as mp
    import torch
    import spacy_biolm.transformer.component  # noqa: F401  (installs the guard)

    torch.set_num_threads(2)
    a = torch.randn(512, 512)
    for _ in range(3):
        (a @ a).sum()
    torch.nn.functional.layer_norm(torch.randn(64, 4096), (4096,))

    def child(queue):
        x = torch.randn(64, 4096)
        for _ in range(5):
            torch.nn.functional.layer_norm(x, (4096,))
            (a @ a).sum()
        queue.put(torch.get_num_threads())

    if __name__ == "__main__":
        ctx = mp.get_context("fork")
        queue = ctx.Queue()
        children = [ctx.Process(target=child, args=(queue,)) for _ in range(2)]
        for process in children:
            process.start()
        print(sorted(queue.get(timeout=100) for _ in children))
        for process in children:
            process.join()
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork start method")
def test_forked_children_use_torch_after_the_parent_used_its_pool(tmp_path):
    script = tmp_path / "fork.py"
    script.write_text(SCRIPT, encoding="utf8")
    env = {"PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "2"}
    try:
        done = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, timeout=150, env=env
        )
    except subprocess.TimeoutExpired:
        pytest.fail("a forked child hung in torch's thread pool")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[1, 1]"
