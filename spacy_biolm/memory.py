"""Keep the resident memory of a long `nlp.pipe` stream flat.

Two things grow in a process that streams millions of documents through a
transformer pipeline, and neither is a Python object that holds on:

- The C heap. glibc's malloc gives a block above its mmap threshold its own mapping,
  returned to the system when freed. The threshold starts at 128 KiB, but each freed
  mapped block larger than it raises it to that size (up to 32 MiB), so after the
  first batch the encoder's activations, a new shape at every call (windows are
  grouped by length), are carved from the heap. Freed there, between blocks that
  live longer (per-doc outputs), they are kept by the allocator instead of being
  returned: with MiniLM, 856 MiB freed but kept after 5,000 abstracts, and growing.
  `trim_heap` hands every free page back; `biolm_transformer` calls it after each
  batch. (Fixing the threshold instead keeps such blocks out of the heap, but maps
  and zero-fills every activation anew: 15 % more CPU time on a CPU encoder.)
- spaCy's StringStore and vocab, which keep every distinct token string, and its
  lexeme, ever seen: a few hundred bytes each, without bound over PubMed. Running
  the stream in `nlp.memory_zone()` blocks frees those first seen inside a block when
  it ends (README, "Long streams").
"""

import ctypes
import platform
import sys
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class HeapUsage:
    """What glibc's malloc holds, in bytes.

    in_use (int): Allocated and not yet freed, mapped blocks included.
    free (int): Freed but kept by the allocator (resident unless trimmed).
    """

    in_use: int
    free: int


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _glibc() -> Optional[ctypes.CDLL]:
    """The C library of this process where it is glibc, whose malloc keeps freed
    memory this way; None elsewhere (macOS, Windows, musl)."""
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


_LIBC = _glibc()


def trim_heap() -> bool:
    """Give the pages of freed heap memory back to the system (glibc's
    `malloc_trim(0)`: all arenas, free pages anywhere in the heap, not only at its
    top). Blocks still in use are not touched, so this is always safe; it costs a
    walk over the free blocks and a page fault when a page is used again.

    RETURNS (bool): Whether any memory was given back; False where the C library
        is not glibc.
    """
    if _LIBC is None:
        return False
    return bool(_LIBC.malloc_trim(0))


def heap_usage() -> Optional[HeapUsage]:
    """What glibc's malloc holds now, over all arenas: memory in use, and memory
    freed but kept. For telling a leak (in use grows) from allocator retention
    (free grows).

    RETURNS (Optional[HeapUsage]): The byte counts; None where the C library is not
        glibc 2.33 or later.
    """
    if _LIBC is None or not hasattr(_LIBC, "mallinfo2"):
        return None
    _LIBC.mallinfo2.restype = _MallInfo2
    info = _LIBC.mallinfo2()
    return HeapUsage(in_use=info.uordblks + info.hblkhd, free=info.fordblks)
