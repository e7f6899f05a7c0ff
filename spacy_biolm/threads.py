"""Torch threads across `fork`: `nlp.pipe(n_process=N)` must not hang.

spaCy's `n_process` forks the process (the default start method on Linux). A CPU
build of torch runs its intra-op work on an OpenMP (libgomp) thread pool, and that
pool does not survive `fork`: a child that enters a parallel region the parent had
used waits for threads that do not exist and hangs for ever. `install_fork_guard`
registers an after-fork hook that gives every forked child one torch thread, which
never enters the pool. One thread per child is also what `n_process` wants: the
processes are the parallelism, and N children of N threads each would oversubscribe
the cores.
"""

import os
import sys

_installed = False


def _one_thread_in_child() -> None:
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def install_fork_guard() -> None:
    """Give every process forked from this one a single torch thread (once)."""
    global _installed
    if not _installed and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_one_thread_in_child)
        _installed = True
