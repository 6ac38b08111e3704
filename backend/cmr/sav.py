"""Read a trainee's left-ventricle contours from an upload: IDL SAV, Sunnybrook text, ``.npy`` or ``.png`` mask.

Entry point: :func:`read_contours` (one file, dispatched on its first bytes, not its name) returns a
:class:`~backend.cmr.contours.ContourSet`, or raises :class:`~backend.cmr.errors.InvalidContourError` with a
one-line message for the trainee (what was wrong, what was expected). :func:`read_contour_text` reads a pair of
Sunnybrook text files; :func:`read_sav_variables` is the bounded ``scipy.io.readsav``; :func:`describe_variables`
lists a SAV file's content for messages.

SAV layouts recognised (variable names are matched case-insensitively, ignoring ``_``, ``-``, ``.`` and spaces,
against :data:`DEFAULT_NAME_PATTERNS`, which a site extends with ``names``; see :func:`merge_name_patterns`):

a. ``points``: vectors ``ENDO_X, ENDO_Y, EPI_X, EPI_Y``;
b. ``struct``: a structure (``CONTOURS``, or any structure) with fields ``ENDO`` and ``EPI`` (or ``*_X``/``*_Y``);
c. ``endoepi``: top-level point arrays ``ENDO``/``EPI``, ``ENDOCARDIUM``/``EPICARDIUM``, ...;
d. a mask of the image's shape: ``MASK``/``MYOCARDIUM``/``ROI``/... with values 0/1 or 0/255 (myocardium),
   or ``LABELS`` with 1 = cavity, 2 = myocardium (any mask holding the value 2 is read as labels).

Polygons are preferred to masks; a top-level variable to a structure field. Axis conventions
(``../shared/docs/domain.md``): IDL arrays are column-major and ``readsav`` reverses the dimensions, so IDL
``fltarr(2, N)`` arrives as numpy ``(N, 2)`` with columns ``x, y`` (used as is), and IDL ``bytarr(columns, rows)``
arrives as numpy ``(rows, columns)`` (used as is, never transposed). A point array that arrives as ``(2, N)``
(IDL ``fltarr(N, 2)``) is transposed when ``N != 2``. x = column, y = row, in pixels.

Safety of the SAV parse (``../shared/docs/architecture.md``, "Pitfalls"): ``scipy.io.readsav`` takes a path,
raises bare ``Exception`` (or ``struct.error``, ``KeyError``, ``ValueError``, ...) on bad input, inflates
``/COMPRESS``-ed files (signature ``SR\\x00\\x06``: every record but the END marker is a zlib stream, see
``scipy/io/_idl.py``) with an unbounded ``zlib.decompress``, allocates what the array descriptors declare (a
structure declaring 2**31 elements of an object-dtype tag makes numpy fill gigabytes with ``None``), and can loop
on a self-referencing heap pointer. Hence:

1. **Size**: the file size is checked against ``max_bytes`` before anything is parsed.
2. **Decompression**: a compressed file is inflated record by record by :func:`_inflate_sav` with
   ``zlib.decompressobj().decompress(data, max_length)`` in 1 MiB steps, written to a temporary file as an
   uncompressed SAV file; more than ``max_uncompressed_bytes`` in total stops it (memory stays at one step).
   ``readsav`` then reads that file, so its own unbounded inflation never runs.
3. **Time and memory**: the parse (inflation + ``readsav``) runs in a child made with ``os.fork()``; the parent
   waits on a pipe with a deadline of ``timeout_s`` and ``SIGKILL``-s the child when it passes. The child lowers its
   own ``RLIMIT_AS`` to its current size plus ``4 * max_uncompressed_bytes + 256 MiB``, so a declared huge array
   fails with ``MemoryError`` instead of exhausting the worker. The child sends its result back pickled; the
   parent unpickles with an allow-list of numpy classes only (the child handled untrusted bytes).

   Why ``os.fork`` and not the alternatives: ``multiprocessing`` refuses to start children from a daemonic process
   (a Celery prefork worker child is one: "daemonic processes are not allowed to have children"), and a
   ``spawn``/``forkserver`` child would import numpy and scipy again (about 0.4 s here); ``signal.alarm`` only
   works in the main thread, collides with Celery's own time-limit signals, and cannot interrupt long C calls
   (``zlib``, numpy allocation); a thread cannot be killed at all. A bare ``fork`` works inside any worker,
   inherits the imported modules, and isolates the memory limit and scipy's global ``STRUCT_DICT``. Measured
   overhead on a 2-core machine: about 6-7 ms per file over an in-process ``readsav`` of a contour file (0.1 ms),
   for fork + pipe + pickle; the same with 300 MB more resident in the parent (fork copies page tables, not
   pages). The child only runs ``readsav`` and ``zlib`` (no locks, no logging, no I/O but its two files and the
   pipe) and leaves with ``os._exit``, which avoids the usual hazards of forking a multi-threaded process (Python
   3.12+ warns about such forks; the warning does not apply to this use). Where ``os.fork`` does not exist
   (Windows) the parse runs in-process with the size and decompression bounds but without the time and memory
   limits.

Sunnybrook text contours (``../shared/data/scd-sunnybrook/README.md``): one ``x y`` point per line, one file per
wall; a single text file is refused by :func:`read_contours` with a message asking for both walls.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import pickle
import re
import selectors
import shutil
import signal
import struct
import tempfile
import time
import warnings
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from scipy.io import readsav as _readsav

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

from .contours import ContourSet, as_polygon, validate_contour_set
from .dicom_contours import ImageGeometry, read_dicom_contours
from .errors import InvalidContourError

_log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_NAME_PATTERNS",
    "SAV_COMPRESSED_MAGIC",
    "SAV_MAGIC",
    "contours_from_variables",
    "describe_variables",
    "merge_name_patterns",
    "read_contour_text",
    "read_contours",
    "read_sav_variables",
]

SAV_MAGIC = b"SR\x00\x04"
"""First four bytes of an uncompressed IDL SAV file."""
SAV_COMPRESSED_MAGIC = b"SR\x00\x06"
"""First four bytes of a SAV file written with ``SAVE, /COMPRESS`` (each record a zlib stream)."""

DEFAULT_NAME_PATTERNS: dict[str, tuple[str, ...]] = {
    "endo_x": ("ENDO_X", "X_ENDO", "ENDOCARDIUM_X", "X_ENDOCARDIUM", "ENDO_XS", "IX", "ICONTOUR_X"),
    "endo_y": ("ENDO_Y", "Y_ENDO", "ENDOCARDIUM_Y", "Y_ENDOCARDIUM", "ENDO_YS", "IY", "ICONTOUR_Y"),
    "epi_x": ("EPI_X", "X_EPI", "EPICARDIUM_X", "X_EPICARDIUM", "EPI_XS", "OX", "OCONTOUR_X"),
    "epi_y": ("EPI_Y", "Y_EPI", "EPICARDIUM_Y", "Y_EPICARDIUM", "EPI_YS", "OY", "OCONTOUR_Y"),
    "endo": (
        "ENDO",
        "ENDOCARDIUM",
        "ENDOCARDIAL",
        "ENDO_CONTOUR",
        "ENDO_XY",
        "ENDO_POINTS",
        "ENDO_PTS",
        "LV_ENDO",
        "ICONTOUR",
        "I_CONTOUR",
        "INNER",
    ),
    "epi": (
        "EPI",
        "EPICARDIUM",
        "EPICARDIAL",
        "EPI_CONTOUR",
        "EPI_XY",
        "EPI_POINTS",
        "EPI_PTS",
        "LV_EPI",
        "OCONTOUR",
        "O_CONTOUR",
        "OUTER",
    ),
    "contours": ("CONTOURS", "CONTOUR", "LV", "LV_CONTOURS", "ROI", "ROIS", "SEGMENTATION", "SEG"),
    "mask": (
        "MASK",
        "MYOCARDIUM",
        "MYO",
        "MYO_MASK",
        "MASK_MYO",
        "MYOCARDIAL_MASK",
        "ROI",
        "ROI_MASK",
        "SEG",
        "SEGMENTATION",
        "BW",
    ),
    "labels": ("LABELS", "LABEL", "LABEL_MAP", "LABELMAP", "LABEL_IMAGE"),
}
"""Candidate variable names per structure, in order of preference.

Keys: ``endo_x``, ``endo_y``, ``epi_x``, ``epi_y`` (coordinate vectors); ``endo``, ``epi`` (point arrays, numpy
``(N, 2)`` = IDL ``fltarr(2, N)``, or ``(2, N)``); ``contours`` (structures searched first for the above as
fields; any other size-1 structure is searched after them); ``mask`` (myocardium mask, 0/1 or 0/255, or labels);
``labels`` (1 = cavity, 2 = myocardium). Names compare case-insensitively and ignoring ``_ - .`` and spaces, so
``ENDO_X`` also matches ``EndoX`` and ``endo-x``. ``ROI``, ``SEG``, ``SEGMENTATION`` are both structure and mask
names: the value's type decides.
"""

_NAMES_SPECIAL = re.compile(r"[^A-Z0-9$]")


def _norm(name: str) -> str:
    return _NAMES_SPECIAL.sub("", str(name).upper())


def merge_name_patterns(names: Mapping[str, str | Iterable[str]] | None = None) -> dict[str, tuple[str, ...]]:
    """Merge a site's variable names over :data:`DEFAULT_NAME_PATTERNS`.

    Parameters
    ----------
    names : mapping of str to str or iterable of str, optional
        The settings hook. Keys are those of :data:`DEFAULT_NAME_PATTERNS` (``"endo_x"``, ``"endo"``, ``"mask"``,
        ...); a value is one name or a list of names, e.g. ``{"endo": "LV_INNER", "epi": ["LV_OUTER", "EPI2"]}``.

    Returns
    -------
    dict of str to tuple of str
        For every key, the site's names first (in the order given), then the default names; a default name that
        the site assigned to another key is dropped from this key, so a site can re-purpose e.g. ``ROI``.

    Raises
    ------
    ValueError
        An unknown key or an empty name (a configuration error, not a trainee's).
    """
    if not names:
        return dict(DEFAULT_NAME_PATTERNS)
    unknown = sorted(set(names) - set(DEFAULT_NAME_PATTERNS))
    if unknown:
        raise ValueError(f"unknown contour name key(s) {unknown}; valid keys: {sorted(DEFAULT_NAME_PATTERNS)}")
    site: dict[str, tuple[str, ...]] = {}
    for key, value in names.items():
        vals = (value,) if isinstance(value, str) else tuple(value)
        if not vals or any(not isinstance(v, str) or not _norm(v) for v in vals):
            raise ValueError(f"contour name key {key!r}: expected non-empty names, got {value!r}")
        site[key] = vals
    claimed = {_norm(v): key for key, vals in site.items() for v in vals}
    merged: dict[str, tuple[str, ...]] = {}
    for key, defaults in DEFAULT_NAME_PATTERNS.items():
        own = site.get(key, ())
        mine = {_norm(v) for v in own}
        merged[key] = own + tuple(d for d in defaults if claimed.get(_norm(d), key) == key and _norm(d) not in mine)
    return merged


# --------------------------------------------------------------------------------------------------------------
# Messages helpers

_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"%PDF", "a PDF document"),
    (0, b"\x89PNG", "a PNG image"),
    (0, b"\xff\xd8\xff", "a JPEG image"),
    (0, b"GIF8", "a GIF image"),
    (0, b"PK\x03\x04", "a ZIP archive (or a .npz / Office document)"),
    (0, b"\x1f\x8b", "a gzip archive"),
    (0, b"II*\x00", "a TIFF image"),
    (0, b"MM\x00*", "a TIFF image"),
    (0, b"{\\rtf", "an RTF document"),
    (0, b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (128, b"DICM", "a DICOM file: upload it as the image, not as the contours"),
    (0, b"\x93NUMPY", "a NumPy .npy file"),
)


def _starts_with(head: bytes) -> str:
    """Human-readable description of a file's first bytes: ``'%PDF-1.4' (a PDF document)``."""
    shown = ""
    for b in head[:8]:
        ch = chr(b)
        shown += ch if 32 <= b < 127 and ch not in "'\\" else f"\\x{b:02x}"
    text = f"'{shown}'"
    for offset, sig, kind in _SIGNATURES:
        if head[offset : offset + len(sig)] == sig:
            return f"{text} ({kind})"
    return text


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def _rows_cols(shape: tuple[int, ...]) -> str:
    return "x".join(str(int(s)) for s in shape)


# --------------------------------------------------------------------------------------------------------------
# Describing variables


def _describe_value(value: Any, depth: int = 0) -> str:
    if value is None:
        return "null pointer"
    if isinstance(value, (bytes, str)):
        return "string"
    if isinstance(value, np.ndarray):
        if value.dtype.names:
            if depth >= 2:
                return "structure {...}"
            head = value.reshape(-1)[0] if value.size else None
            fields = ", ".join(
                f"{n}: {_describe_value(head[n] if head is not None else None, depth + 1)}"
                for n in value.dtype.names[:8]
            )
            more = ", ..." if len(value.dtype.names) > 8 else ""
            if value.size == 1:
                return f"structure {{{fields}{more}}}"
            return f"structure array {value.shape} {{{fields}{more}}}"
        if value.dtype == object:
            if value.size == 1 and depth < 4:
                return _describe_value(value.reshape(-1)[0], depth + 1)
            return f"pointer array {value.shape}"
        if value.ndim == 0:
            return f"{value.dtype.name} scalar"
        return f"{value.dtype.name} {value.shape}"
    if isinstance(value, np.generic):
        return f"{value.dtype.name} scalar"
    if isinstance(value, (int, float, complex)):
        return _PYTHON_SCALARS[type(value) if type(value) in _PYTHON_SCALARS else float] + " scalar"
    return "value of an unknown kind"


_PYTHON_SCALARS = {bool: "integer", int: "integer", float: "floating-point", complex: "complex"}


def _a(described: str) -> str:
    """``described`` with its article: "an int16 scalar", "a float32 (143,)", "a uint8 (256, 256)"."""
    return ("an " if described[:1] in "aeioAEIO" else "a ") + described


def describe_variables(variables: Mapping[str, Any], *, limit: int = 12) -> str:
    """One-line list of variables with their types and numpy shapes, for messages.

    Parameters
    ----------
    variables : mapping of str to object
        As returned by :func:`read_sav_variables`.
    limit : int
        At most this many variables are listed; the rest are counted.

    Returns
    -------
    str
        E.g. ``"ENDO_X: float32 (143,); CONTOURS: structure {ENDO: float32 (143, 2), EPI: float32 (160, 2)};
        F: float32 scalar"``; ``"no variables"`` when empty. Shapes are numpy's (the reverse of IDL's ``SIZE``).
    """
    if not variables:
        return "no variables"
    items = list(variables.items())
    parts = [f"{str(k).upper()[:40]}: {_describe_value(v)}" for k, v in items[:limit]]
    if len(items) > limit:
        parts.append(f"and {len(items) - limit} more")
    return "; ".join(parts)


# --------------------------------------------------------------------------------------------------------------
# Bounded decompression

_RECTYPES = {0, 1, 2, 3, 6, 10, 12, 13, 14, 15, 16, 17, 19, 20}
_INFLATE_STEP = 1 << 20


class _SavError(Exception):
    """Raised in the parsing child with a finished trainee message."""


def _inflate_sav(src: str | os.PathLike[str], dst: str | os.PathLike[str], max_uncompressed_bytes: int) -> int:
    """Rewrite a compressed SAV file (``SR\\x00\\x06``) as an uncompressed one, inflating at most a bounded size.

    Parameters
    ----------
    src : path
        The compressed file (its size was already bounded by the caller).
    dst : path
        Where the uncompressed SAV file (``SR\\x00\\x04``) is written.
    max_uncompressed_bytes : int
        Bound on the total size written; inflation stops as soon as it would pass it.

    Returns
    -------
    int
        Bytes written.

    Raises
    ------
    _SavError
        The bound is passed, or the record structure or a zlib stream is damaged.

    Notes
    -----
    Layout (``scipy/io/_idl.py``, ``readsav``): after the signature, each record is ``RECTYPE`` (int32),
    ``NEXTREC`` (uint32 low, uint32 high: absolute offset of the next record in the compressed file), 4 unused
    bytes, then a zlib stream of the record body up to ``NEXTREC``; the ``END_MARKER`` (6) is not compressed.
    The output gets the same headers with ``NEXTREC`` rewritten for the inflated bodies. Memory use is one
    inflation step (1 MiB) plus the compressed input.
    """
    with open(src, "rb") as f:
        data = f.read()
    if data[:4] != SAV_COMPRESSED_MAGIC:
        raise _SavError("The file is not a compressed IDL SAV file.")
    too_big = (
        f"The compressed SAV file expands to more than {_mb(max_uncompressed_bytes)}, over the limit "
        "(a zip bomb, or not contours); save the contours without /COMPRESS, or upload a smaller file."
    )
    pos = 4
    with open(dst, "wb") as out:
        out.write(SAV_MAGIC)
        written = 4
        while True:
            if pos + 16 > len(data):
                raise _SavError(
                    "The compressed SAV file is truncated or damaged: it ends before its END record; "
                    "save it again from IDL and upload the complete file."
                )
            rectype, lo, hi = struct.unpack(">lII", data[pos : pos + 12])
            unknown = data[pos + 12 : pos + 16]
            nextrec = lo + (hi << 32)
            if rectype not in _RECTYPES:
                raise _SavError(
                    f"The compressed SAV file is truncated or damaged: unknown record type {rectype} at "
                    f"byte {pos}; save it again from IDL and upload the complete file."
                )
            if rectype == 6:
                out.write(data[pos : pos + 16])
                return written + 16
            start = pos + 16
            if not start < nextrec <= len(data):
                raise _SavError(
                    "The compressed SAV file is truncated or damaged: a record points outside the file; "
                    "save it again from IDL and upload the complete file."
                )
            header_at = out.tell()
            out.write(b"\0" * 16)
            written += 16
            dec = zlib.decompressobj()
            pending = data[start:nextrec]
            try:
                while not dec.eof:
                    piece = dec.decompress(pending, _INFLATE_STEP)
                    tail = dec.unconsumed_tail
                    if not piece and (not tail or len(tail) == len(pending)):
                        break
                    pending = tail
                    written += len(piece)
                    if written > max_uncompressed_bytes:
                        raise _SavError(too_big)
                    out.write(piece)
            except zlib.error:
                raise _SavError(
                    "The compressed SAV file is damaged: one of its records does not decompress; save it again "
                    "from IDL and upload the complete file."
                ) from None
            if not dec.eof:
                raise _SavError(
                    "The compressed SAV file is truncated or damaged: a record's compressed data ends "
                    "early; save it again from IDL and upload the complete file."
                )
            end = out.tell()
            out.seek(header_at)
            out.write(struct.pack(">lII", rectype, end & 0xFFFFFFFF, end >> 32) + unknown)
            out.seek(end)
            pos = nextrec


# --------------------------------------------------------------------------------------------------------------
# Isolated parse (fork + deadline + memory limit)

_ALLOWED_GLOBALS = {
    ("builtins", "complex"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy", "record"),
    ("numpy.rec", "recarray"),
}
_ALLOWED_NUMPY_HELPERS = {"_reconstruct", "_frombuffer", "scalar", "dtype", "ndarray", "recarray", "record"}


class _ResultUnpickler(pickle.Unpickler):
    """Unpickles only numpy arrays, records, scalars and dtypes (the child read untrusted bytes)."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_GLOBALS or (module.split(".")[0] == "numpy" and name in _ALLOWED_NUMPY_HELPERS):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refused {module}.{name} in the parse result")


def _memory_budget(max_uncompressed_bytes: int) -> int:
    return 4 * int(max_uncompressed_bytes) + (256 << 20)


def _limit_memory(budget: int) -> None:
    """In the child: cap the address space at its current size plus ``budget`` bytes (Linux; best effort)."""
    if resource is None:  # pragma: no cover
        return
    try:
        with open("/proc/self/statm") as f:
            current = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = current + budget
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft == resource.RLIM_INFINITY or limit < soft:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError, AttributeError):
        pass


_CORRUPT_REASONS = {
    "truncated": "it ends in the middle of a record",
    "nested": "its structures or pointers are nested too deeply",
    "damaged": "its records are not valid IDL SAV records",
}
"""Why a SAV file could not be read, in the trainee's words (``readsav``'s own exceptions name its internals)."""


def _corrupt_reason(exc: BaseException) -> str:
    """Key of :data:`_CORRUPT_REASONS` for an exception raised by ``readsav`` on bad input."""
    if isinstance(exc, RecursionError):
        return "nested"
    if isinstance(exc, (struct.error, EOFError)):  # readsav unpacks past the end of a truncated file
        return "truncated"
    return "damaged"


def _child_result(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, Any]:
    try:
        return "ok", fn(*args)
    except _SavError as exc:
        return "msg", str(exc)
    except MemoryError:
        return "memory", ""
    except BaseException as exc:  # noqa: BLE001 -- readsav raises bare Exception and anything else on bad input
        return "corrupt", _corrupt_reason(exc)


def _run_isolated(
    fn: Callable[..., Any], args: tuple[Any, ...], *, timeout_s: float, memory_budget: int, max_result_bytes: int
) -> tuple[str, Any]:
    """Run ``fn(*args)`` in a forked child with a deadline and an address-space cap; return ``(status, value)``.

    Status is ``ok`` (value = the result), ``msg`` (a finished message), ``memory``, ``corrupt`` (value = a key of
    :data:`_CORRUPT_REASONS`), ``timeout``, ``toolarge`` or ``crash`` (value = the signal or exit status, for the
    log only).
    """
    if not hasattr(os, "fork"):  # pragma: no cover - Windows: documented fallback, no time or memory limit
        return _child_result(fn, args)
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # no process available: a server problem, not the trainee's
        os.close(read_fd)
        os.close(write_fd)
        raise
    if pid == 0:  # child: never returns
        try:
            os.close(read_fd)
            _limit_memory(memory_budget)
            result = _child_result(fn, args)
            try:
                payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            except MemoryError:
                payload = pickle.dumps(("memory", ""))
            except BaseException:  # noqa: BLE001 -- whatever readsav built, the parent only needs to hear "damaged"
                payload = pickle.dumps(("corrupt", "damaged"))
            view = memoryview(payload)
            while view:
                view = view[os.write(write_fd, view) :]
        finally:
            os._exit(0)
    os.close(write_fd)
    chunks: list[bytes] = []
    total = 0
    status: tuple[str, Any] | None = None
    finished = False
    deadline = time.monotonic() + timeout_s
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(read_fd, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not sel.select(remaining):
                    status = ("timeout", timeout_s)
                    break
                chunk = os.read(read_fd, 1 << 20)
                if not chunk:
                    finished = True
                    break
                total += len(chunk)
                if total > max_result_bytes:
                    status = ("toolarge", total)
                    break
                chunks.append(chunk)
    finally:
        os.close(read_fd)
        if not finished:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        try:
            _, wstatus = os.waitpid(pid, 0)
        except ChildProcessError:  # SIGCHLD ignored by the host process: the child was reaped already
            wstatus = 0
    if status is not None:
        return status
    if not chunks:
        if os.WIFSIGNALED(wstatus):
            return "crash", f"signal {os.WTERMSIG(wstatus)}"
        return "crash", f"exit status {os.WEXITSTATUS(wstatus) if os.WIFEXITED(wstatus) else wstatus}"
    try:
        return _ResultUnpickler(io.BytesIO(b"".join(chunks))).load()
    except Exception:  # noqa: BLE001 -- a refused class or a damaged stream: the child read untrusted bytes
        return "corrupt", "damaged"


def _parse_sav(path: str, compressed: bool, workdir: str | None, max_uncompressed_bytes: int) -> dict[str, Any]:
    """In the child: (bounded inflation, then) ``readsav``, quietly; variables with upper-case names."""
    if compressed:
        assert workdir is not None
        inflated = os.path.join(workdir, "inflated.sav")
        _inflate_sav(path, inflated, max_uncompressed_bytes)
        path = inflated
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        raw = _readsav(path, python_dict=True, verbose=False)
    return {str(k).upper(): v for k, v in raw.items()}


def _size_and_head(p: Path) -> tuple[int, bytes]:
    """The file's size and its first 132 bytes (enough to tell SAV, npy, PNG and text apart)."""
    try:
        size = p.stat().st_size
        with open(p, "rb") as f:
            return size, f.read(132)
    except OSError as exc:
        raise InvalidContourError(f"The contour file could not be opened ({exc.strerror}).") from None


def read_sav_variables(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = 20_000_000,
    max_uncompressed_bytes: int = 100_000_000,
    timeout_s: float = 10.0,
) -> dict[str, Any]:
    """Read all variables of an IDL SAV file, bounded in size, decompressed size, time and memory.

    Parameters
    ----------
    path : str or PathLike
        The SAV file (plain or ``/COMPRESS``-ed).
    max_bytes : int
        Largest file accepted, in bytes (checked before parsing).
    max_uncompressed_bytes : int
        Largest inflated size of a compressed file, in bytes; also sets the parse's memory budget
        (``4 * max_uncompressed_bytes + 256 MiB`` above the process's current size).
    timeout_s : float
        Wall-clock limit of the parse, in seconds; the parsing child is killed when it passes.

    Returns
    -------
    dict of str to object
        Variable name (upper-case, as IDL writes it) to value as ``scipy.io.readsav`` gives it: numpy arrays with
        IDL's dimensions reversed (IDL ``bytarr(nx, ny)`` -> numpy ``(ny, nx)``), numpy scalars, ``bytes``
        strings, ``None`` (null pointer), structures as ``numpy.rec.recarray`` of shape ``(1,)`` (or the structure
        array's shape) with upper-case field names, pointer targets substituted (object arrays).

    Raises
    ------
    InvalidContourError
        Not a SAV file (the message says what it starts with), empty, too big, decompresses past the bound,
        damaged or truncated, too much memory declared, or the parse took longer than ``timeout_s``.
    """
    p = Path(path)
    size, head = _size_and_head(p)
    if size == 0:
        raise InvalidContourError("The contour file is empty (0 bytes); upload the IDL SAV file again.")
    if size > max_bytes:
        raise InvalidContourError(
            f"The contour file is {_mb(size)}, over the {_mb(max_bytes)} limit; an IDL SAV contour file is usually "
            "a few kB (a 256x256 mask about 70 kB)."
        )
    if head[:2] != b"SR":
        raise InvalidContourError(
            f"The file is not an IDL SAV file: it starts with {_starts_with(head)}; an IDL SAV file starts with 'SR' "
            "(write it in IDL with SAVE, e.g. SAVE, ENDO_X, ENDO_Y, EPI_X, EPI_Y, FILENAME='contours.sav')."
        )
    if head[:4] not in (SAV_MAGIC, SAV_COMPRESSED_MAGIC):
        raise InvalidContourError(
            f"The file starts like an IDL SAV file but has the unknown record format {head[2:4].hex()} (expected "
            "0004, or 0006 for a compressed file); it is damaged or not an IDL SAV file."
        )
    compressed = head[:4] == SAV_COMPRESSED_MAGIC
    workdir = tempfile.mkdtemp(prefix="myoqa-sav-") if compressed else None
    try:
        status, value = _run_isolated(
            _parse_sav,
            (str(p), compressed, workdir, int(max_uncompressed_bytes)),
            timeout_s=float(timeout_s),
            memory_budget=_memory_budget(max_uncompressed_bytes),
            max_result_bytes=2 * int(max_uncompressed_bytes) + (16 << 20),
        )
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
    if status == "ok":
        return value
    if status == "msg":
        raise InvalidContourError(value)
    if status == "timeout":
        raise InvalidContourError(
            f"Reading the SAV file took longer than {timeout_s:g} s and was stopped; the file is probably damaged "
            "or holds far more than contours."
        )
    if status in ("memory", "toolarge"):
        raise InvalidContourError(
            f"The SAV file declares more data than can be read (over {_mb(_memory_budget(max_uncompressed_bytes))} "
            "in memory); it is damaged or holds far more than contours."
        )
    if status == "crash":
        _log.warning("the SAV parse of %s stopped: %s", p.name, value)
        raise InvalidContourError(
            "Reading the SAV file stopped unexpectedly; the file is probably damaged. Save it again from IDL and "
            "upload the complete file."
        )
    reason = _CORRUPT_REASONS.get(str(value), _CORRUPT_REASONS["damaged"])
    raise InvalidContourError(
        f"The SAV file is truncated or damaged and could not be read ({reason}); save it again from IDL and upload "
        "the complete file."
    )


# --------------------------------------------------------------------------------------------------------------
# Finding contours among variables


def _unwrap(value: Any, depth: int = 0) -> Any:
    """Follow IDL pointers (object arrays of size 1) and turn arrays of pointers to numbers into numeric arrays."""
    while (
        isinstance(value, np.ndarray)
        and value.dtype == object
        and value.dtype.names is None
        and value.size == 1
        and depth < 16
    ):
        value = value.reshape(-1)[0]
        depth += 1
    if isinstance(value, np.ndarray) and value.dtype == object and value.dtype.names is None and value.size > 1:
        items = [_unwrap(v, depth + 1) for v in value.reshape(-1)]
        if all(isinstance(v, (np.integer, np.floating, int, float)) and not isinstance(v, bool) for v in items):
            return np.array(items, dtype=np.float64).reshape(value.shape)
    return value


def _is_struct(value: Any) -> bool:
    return isinstance(value, np.ndarray) and value.dtype.names is not None


_Namespace = dict[str, tuple[str, Any]]  # normalised name -> (display name, value)


def _namespace(pairs: Iterable[tuple[str, Any]], prefix: str = "") -> _Namespace:
    ns: _Namespace = {}
    for name, value in pairs:
        ns.setdefault(_norm(name), (prefix + str(name).upper(), _unwrap(value)))
    return ns


def _struct_fields(value: np.ndarray) -> list[tuple[str, Any]]:
    rec = value.reshape(-1)[0]
    return [(n, rec[n]) for n in value.dtype.names or ()]


def _lookup(ns: _Namespace, candidates: Iterable[str]) -> tuple[str, Any] | None:
    for c in candidates:
        hit = ns.get(_norm(c))
        if hit is not None:
            return hit
    return None


def _numeric(value: Any, name: str, expected: str) -> np.ndarray:
    arr = np.asarray(value) if isinstance(value, (np.ndarray, np.generic, int, float)) else None
    if arr is None or arr.dtype.names is not None or arr.dtype.kind not in "biuf":
        raise InvalidContourError(f"The variable {name} is {_a(_describe_value(value))}; expected {expected}.")
    return arr


def _shape_words(arr: np.ndarray) -> str:
    """``"is a single number"`` for a scalar, else ``"has shape (3, 4)"`` (numpy's order, rows first)."""
    return "is a single number" if arr.ndim == 0 else f"has shape {arr.shape}"


def _vector(value: Any, name: str) -> np.ndarray:
    arr = _numeric(value, name, "a vector of coordinates")
    squeezed = arr.reshape(-1) if arr.ndim >= 1 and sum(s > 1 for s in arr.shape) <= 1 else None
    if squeezed is None:
        raise InvalidContourError(
            f"The variable {name} {_shape_words(arr)}; expected a vector of coordinates (IDL fltarr(N))."
        )
    return squeezed.astype(np.float64)


def _point_array(value: Any, name: str) -> np.ndarray:
    """(N, 2) float64 points from numpy (N, 2) (IDL fltarr(2, N)), (2, N) (IDL fltarr(N, 2)) or a {X, Y} struct."""
    if _is_struct(value) and value.size == 1:
        fields = {_norm(n): (n, v) for n, v in _struct_fields(value)}
        if "X" in fields and "Y" in fields:
            x = _vector(_unwrap(fields["X"][1]), f"{name}.{fields['X'][0]}")
            y = _vector(_unwrap(fields["Y"][1]), f"{name}.{fields['Y'][0]}")
            return _pair(x, y, f"{name}.X", f"{name}.Y")
    expected = "an array of (x, y) points: IDL fltarr(2, N), which reads as N x 2"
    arr = _numeric(value, name, expected)
    if arr.ndim > 2:
        arr = arr.reshape([s for s in arr.shape if s != 1] or [1])
    if arr.ndim == 2 and arr.shape[1] == 2:
        pts = arr
    elif arr.ndim == 2 and arr.shape[0] == 2:
        pts = arr.T
    else:
        raise InvalidContourError(f"The variable {name} {_shape_words(arr)}; expected {expected}.")
    return np.asarray(pts, dtype=np.float64)


def _pair(x: np.ndarray, y: np.ndarray, xname: str, yname: str) -> np.ndarray:
    if x.shape != y.shape:
        raise InvalidContourError(
            f"{xname} has {x.size} values but {yname} has {y.size}; the x and y coordinates of a contour must "
            "have the same length."
        )
    return np.column_stack([x, y])


def _wall(
    ns: _Namespace, patterns: Mapping[str, tuple[str, ...]], wall: str, partial: list[str]
) -> tuple[np.ndarray, str] | None:
    xs, ys = _lookup(ns, patterns[f"{wall}_x"]), _lookup(ns, patterns[f"{wall}_y"])
    if xs is not None and ys is not None:
        return _pair(_vector(xs[1], xs[0]), _vector(ys[1], ys[0]), xs[0], ys[0]), f"{xs[0]}, {ys[0]}"
    arr = _lookup(ns, patterns[wall])
    if arr is not None and not (_is_struct(arr[1]) and arr[1].size != 1):
        return _point_array(arr[1], arr[0]), arr[0]
    one = xs or ys
    if one is not None:
        have, miss = one[0], patterns[f"{wall}_y" if xs is not None else f"{wall}_x"][0]
        partial.append(f"The file has {have} but no {miss}: each contour needs both its x and its y coordinates.")
    return None


_WALL_NAMES = {"endo": "endocardium", "epi": "epicardium"}


def _polygons(
    ns: _Namespace, patterns: Mapping[str, tuple[str, ...]], partial: list[str]
) -> tuple[np.ndarray, np.ndarray, str] | None:
    found = {w: _wall(ns, patterns, w, partial) for w in ("endo", "epi")}
    endo_hit, epi_hit = found["endo"], found["epi"]
    if endo_hit and epi_hit:
        endo = as_polygon(endo_hit[0], name=f"endocardium ({endo_hit[1]})")
        epi = as_polygon(epi_hit[0], name=f"epicardium ({epi_hit[1]})")
        return endo, epi, f"{endo_hit[1]}; {epi_hit[1]}"
    for have, miss in (("endo", "epi"), ("epi", "endo")):
        hit = found[have]
        if hit and not found[miss]:
            p = patterns
            partial.append(
                f"Only the {_WALL_NAMES[have]} was found ({hit[1]}); the {_WALL_NAMES[miss]} is missing: "
                f"expected {p[miss + '_x'][0]} and {p[miss + '_y'][0]}, or a {' / '.join(p[miss][:2])} array of "
                "(x, y) points. Save both contours in the same file."
            )
    return None


def _check_mask_shape(shape: tuple[int, ...], what: str, image_shape: tuple[int, int] | None) -> None:
    """Refuse a mask whose (rows, columns) differ from the image's, with both shapes (and a hint if transposed).

    ``what`` names the mask as the trainee knows it, after "The": ``"mask variable MASK"`` (a SAV variable) or
    ``"mask in m.png"`` (a mask file).
    """
    if image_shape is None or tuple(shape) == tuple(image_shape):
        return
    hint = ""
    if tuple(shape) == tuple(image_shape)[::-1]:
        hint = (
            " It looks transposed: in IDL make it bytarr(columns, rows), i.e. "
            f"bytarr({image_shape[1]}, {image_shape[0]})."
        )
    raise InvalidContourError(
        f"The {what} is {_rows_cols(shape)} (rows x columns) but the image is {_rows_cols(image_shape)}; "
        f"the mask must cover the image pixel for pixel.{hint}"
    )


def _mask_arrays(
    arr: np.ndarray, what: str, image_shape: tuple[int, int] | None, as_labels: bool
) -> tuple[np.ndarray, np.ndarray | None, str]:
    """(myocardium, cavity or None, kind) from a 2-D mask array; refuses a wrong shape or unexpected values.

    ``what`` names the mask after "The", as in :func:`_check_mask_shape`.
    """
    if arr.ndim > 2:
        arr = arr.reshape([s for s in arr.shape if s != 1] or [1])
    if arr.ndim != 2:
        raise InvalidContourError(
            f"The {what} is {_rows_cols(arr.shape)} ({arr.ndim}-D); expected a 2-D image of rows x columns "
            "(IDL bytarr(columns, rows))."
        )
    _check_mask_shape(arr.shape, what, image_shape)
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise InvalidContourError(f"The {what} has non-finite values (NaN or infinity).")
    if arr.dtype == np.bool_:
        return arr.copy(), None, "binary mask"
    values = np.unique(arr)
    vset = {float(v) for v in values[:16]}
    if len(values) <= 3 and vset <= {0.0, 1.0, 2.0} and (2.0 in vset or as_labels):
        cavity = arr == 1
        return arr == 2, (cavity if cavity.any() else None), "labels (1 = cavity, 2 = myocardium)"
    if vset <= {0.0, 1.0}:
        return arr == 1, None, "binary mask (0/1)"
    if vset <= {0.0, 255.0}:
        return arr == 255, None, "binary mask (0/255)"
    shown = ", ".join(f"{v:g}" for v in sorted(vset)[:6]) + (", ..." if len(values) > 6 else "")
    raise InvalidContourError(
        f"The {what} has the values {shown}; expected 0/1 or 0/255 (1 or 255 = myocardium), or labels "
        "0/1/2 (1 = LV cavity, 2 = myocardium)."
    )


def _mask_in(
    ns: _Namespace, patterns: Mapping[str, tuple[str, ...]], image_shape: tuple[int, int] | None
) -> ContourSet | None:
    for key in ("labels", "mask"):
        hit = _lookup(ns, patterns[key])
        if hit is None or _is_struct(hit[1]):
            continue
        name, value = hit
        arr = _numeric(value, name, "a 2-D mask of the image's size")
        myo, cavity, kind = _mask_arrays(arr, f"mask variable {name}", image_shape, as_labels=key == "labels")
        return ContourSet(None, None, myocardium_mask=myo, cavity_mask=cavity, source=f"{kind} {name}")
    return None


def _expected_names(patterns: Mapping[str, tuple[str, ...]]) -> str:
    p = {k: v[0] for k, v in patterns.items()}
    return (
        f"{p['endo_x']}/{p['endo_y']} and {p['epi_x']}/{p['epi_y']} vectors, {p['endo']} and {p['epi']} "
        f"(or {patterns['endo'][1]} and {patterns['epi'][1]}) arrays of (x, y) points, a {p['contours']} "
        f"structure with {p['endo']} and {p['epi']} fields, or a {p['mask']} / {patterns['mask'][1]} / "
        f"{p['labels']} mask of the image's size"
    )


def contours_from_variables(
    variables: Mapping[str, Any],
    *,
    image_shape: tuple[int, int] | None,
    names: Mapping[str, str | Iterable[str]] | None = None,
    validate: bool = True,
    label: str = "SAV",
) -> ContourSet:
    """Find the endocardium/epicardium (or a mask) among a SAV file's variables.

    Parameters
    ----------
    variables : mapping of str to object
        As returned by :func:`read_sav_variables`.
    image_shape : (rows, columns) or None
        The image the contours belong to; needed to check a mask's shape and to validate.
    names : mapping, optional
        Site variable names, see :func:`merge_name_patterns`.
    validate : bool
        Run :func:`~backend.cmr.contours.validate_contour_set` (needs ``image_shape``).
    label : str
        Prefix of :attr:`ContourSet.source`.

    Returns
    -------
    ContourSet
        Polygons ``(N, 2)`` in ``(x, y)`` pixels when the file has them (masks are then ignored), otherwise
        the myocardium mask ``(rows, columns)`` and, for labels, the cavity mask.

    Raises
    ------
    InvalidContourError
        See :func:`read_contours`.
    """
    patterns = merge_name_patterns(names)
    top = _namespace(variables.items())
    contour_struct_names = {_norm(n) for n in patterns["contours"]}
    structs: list[tuple[int, int, _Namespace]] = []
    for order, (key, (display, value)) in enumerate(top.items()):
        if _is_struct(value) and value.size == 1:
            rank = 0 if key in contour_struct_names else 1
            structs.append((rank, order, _namespace(_struct_fields(value), prefix=display + ".")))
    spaces = [top] + [ns for _, _, ns in sorted(structs, key=lambda t: t[:2])]
    partial: list[str] = []
    cs: ContourSet | None = None
    for ns in spaces:
        found = _polygons(ns, patterns, partial)
        if found is not None:
            endo, epi, where = found
            cs = ContourSet(endo, epi, source=f"{label} contours ({where})")
            break
    if cs is None:
        for ns in spaces:
            cs = _mask_in(ns, patterns, image_shape)
            if cs is not None:
                cs = ContourSet(None, None, cs.myocardium_mask, cs.cavity_mask, source=f"{label} {cs.source}")
                break
    if cs is None:
        if partial:  # the most specific first: "has ENDO_X but no ENDO_Y" before "only the epicardium"
            raise InvalidContourError(min(partial, key=lambda m: not m.startswith("The file has")))
        raise InvalidContourError(
            f"No contour variables were found in the {label} file; it holds {describe_variables(variables)}. "
            f"Expected {_expected_names(patterns)}."
        )
    if validate and image_shape is not None:
        validate_contour_set(cs, (image_shape[0], image_shape[1]))
    return cs


# --------------------------------------------------------------------------------------------------------------
# Text contours, .npy and .png masks

_NUMBER_LINE = re.compile(rb"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?[\s,;]+[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")


def _read_limited(path: str | os.PathLike[str], max_bytes: int, what: str) -> bytes:
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise InvalidContourError(f"The {what} is {_mb(size)}, over the {_mb(max_bytes)} limit.")
        return p.read_bytes()
    except OSError as exc:
        raise InvalidContourError(f"The {what} could not be opened ({exc.strerror}).") from None


def _parse_points_text(data: bytes, what: str) -> np.ndarray:
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise InvalidContourError(
            f"The {what} is not a text contour file: it starts with {_starts_with(data[:132])}; expected one "
            "'x y' point per line (Sunnybrook format)."
        ) from None
    pts = []
    for i, line in enumerate(text.splitlines(), start=1):
        fields = line.replace(",", " ").replace(";", " ").split()
        if not fields or fields[0].startswith("#"):
            continue
        try:
            if len(fields) != 2:
                raise ValueError
            pts.append((float(fields[0]), float(fields[1])))
        except ValueError:
            shown = line.strip()[:40]
            raise InvalidContourError(
                f"Line {i} of the {what} is '{shown}'; expected two numbers 'x y' per line "
                "(Sunnybrook contour format, x = column, y = row)."
            ) from None
    if not pts:
        raise InvalidContourError(f"The {what} holds no points; expected one 'x y' point per line.")
    return np.asarray(pts, dtype=np.float64)


def read_contour_text(
    endo_path: str | os.PathLike[str],
    epi_path: str | os.PathLike[str],
    *,
    image_shape: tuple[int, int] | None = None,
    validate: bool = True,
    max_bytes: int = 20_000_000,
) -> ContourSet:
    """Read a pair of Sunnybrook text contour files (one ``x y`` point per line) as a contour set.

    Parameters
    ----------
    endo_path, epi_path : str or PathLike
        The endocardium (``i-contour``) and epicardium (``o-contour``) files; pixel coordinates, x = column,
        y = row, implicitly closed. Blank lines and ``#`` comments are skipped; commas are accepted as separators.
    image_shape : (rows, columns) or None
        For validation (points inside the image, endocardium inside epicardium).
    validate : bool
        Run :func:`~backend.cmr.contours.validate_contour_set` when ``image_shape`` is given.
    max_bytes : int
        Largest file accepted, in bytes.

    Returns
    -------
    ContourSet
        ``endocardium`` and ``epicardium`` as ``(N, 2)`` float64 ``(x, y)`` polygons.

    Raises
    ------
    InvalidContourError
        A file too big, not text, a line that is not two numbers, too few points, or failed validation.

    Notes
    -----
    Format: ``../shared/data/scd-sunnybrook/README.md`` (Radau et al. 2009, Sunnybrook Cardiac Data).
    """
    walls = []
    for path, wall in ((endo_path, "endocardium"), (epi_path, "epicardium")):
        what = f"{wall} text file {Path(path).name}"
        pts = _parse_points_text(_read_limited(path, max_bytes, what), what)
        walls.append(as_polygon(pts, name=f"{wall} ({Path(path).name})"))
    cs = ContourSet(
        walls[0], walls[1], source=f"Sunnybrook text contours ({Path(endo_path).name}; {Path(epi_path).name})"
    )
    if validate and image_shape is not None:
        validate_contour_set(cs, (image_shape[0], image_shape[1]))
    return cs


_DTYPE_WORDS = {
    "c": "complex numbers",
    "U": "text",
    "S": "text",
    "M": "dates",
    "m": "time spans",
    "V": "records of several fields",
    "O": "Python objects",
}


def _mask_file_set(
    arr: np.ndarray, what: str, image_shape: tuple[int, int] | None, validate: bool, source: str
) -> ContourSet:
    if arr.dtype.kind not in "biuf":
        held = _DTYPE_WORDS.get(arr.dtype.kind, "values that are not numbers")
        raise InvalidContourError(
            f"The {what} holds {held}; expected a 2-D mask of numbers (0/1, 0/255, or labels 0/1/2)."
        )
    myo, cavity, kind = _mask_arrays(arr, what, image_shape, as_labels=False)
    cs = ContourSet(None, None, myocardium_mask=myo, cavity_mask=cavity, source=f"{source} {kind}")
    if validate and image_shape is not None:
        validate_contour_set(cs, (image_shape[0], image_shape[1]))
    return cs


def _read_npy(
    path: Path, image_shape: tuple[int, int] | None, validate: bool, max_uncompressed_bytes: int
) -> ContourSet:
    # Check the header first: np.load allocates what the header declares before reading the data.
    try:
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise InvalidContourError(
                    f"The .npy file {path.name} has format version {version[0]}.{version[1]}; save the mask with "
                    "numpy.save as a plain numeric 2-D array."
                )
            data_bytes = os.fstat(f.fileno()).st_size - f.tell()
    except InvalidContourError:
        raise
    except (ValueError, OSError, EOFError):  # numpy's messages name its parser ("EOF: reading array header")
        raise InvalidContourError(
            f"The .npy file {path.name} is truncated or damaged: its header cannot be read; save the mask again "
            "with numpy.save and upload the complete file."
        ) from None
    if dtype.hasobject:
        raise InvalidContourError(
            "The .npy file holds Python objects; a mask must be a plain numeric 2-D array (rows x columns)."
        )
    declared = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if declared > max_uncompressed_bytes:
        raise InvalidContourError(
            f"The .npy mask declares {_mb(declared)} of data ({'x'.join(map(str, shape))} {dtype.name}), over the "
            f"{_mb(max_uncompressed_bytes)} limit."
        )
    if declared > data_bytes:
        raise InvalidContourError(
            f"The .npy file is truncated: its header declares {declared} bytes of data but only {data_bytes} follow."
        )
    damaged = (
        f"The .npy file {path.name} is truncated or damaged: its data cannot be read; save the mask again with "
        "numpy.save and upload the complete file."
    )
    try:
        arr = np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise InvalidContourError(
                "The .npy file holds Python objects; a mask must be a plain numeric 2-D array (rows x columns)."
            ) from None
        raise InvalidContourError(damaged) from None
    except (OSError, EOFError):
        raise InvalidContourError(damaged) from None
    return _mask_file_set(np.asarray(arr), f"mask in {path.name}", image_shape, validate, f"NumPy mask {path.name}:")


def _read_png(
    path: Path, image_shape: tuple[int, int] | None, validate: bool, max_uncompressed_bytes: int
) -> ContourSet:
    from PIL import Image, UnidentifiedImageError

    what = f"mask in {path.name}"
    try:
        with Image.open(path) as img:
            rows, cols = img.size[1], img.size[0]
            _check_mask_shape((rows, cols), what, image_shape)  # before decoding the pixels
            if rows * cols * max(len(img.getbands()), 1) * 2 > max_uncompressed_bytes:
                raise InvalidContourError(
                    f"The PNG mask is {cols}x{rows} pixels, too large to decode (limit {_mb(max_uncompressed_bytes)})."
                )
            mode = img.mode
            band = img.getchannel(0) if mode in ("LA", "PA") else img
            mode = band.mode
            arr = np.asarray(band)
    except InvalidContourError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        # Pillow's messages name the file by its path on the server: say what is wrong in the trainee's words.
        raise InvalidContourError(
            f"The PNG mask {path.name} is truncated or damaged: its pixels cannot be decoded; save it again as a PNG "
            "image and upload the complete file."
        ) from None
    if arr.ndim == 3:
        colour = arr[..., :3]
        if not (np.array_equal(colour[..., 0], colour[..., 1]) and np.array_equal(colour[..., 0], colour[..., 2])):
            raise InvalidContourError(
                "The PNG mask is in colour; expected a greyscale or palette image with 0/1, 0/255 or 0/1/2 "
                "(labels) values."
            )
        arr = colour[..., 0]
    return _mask_file_set(arr, what, image_shape, validate, f"PNG mask {path.name} ({mode}):")


def read_contours(
    path: str | os.PathLike[str],
    *,
    image_shape: tuple[int, int] | None,
    names: Mapping[str, str | Iterable[str]] | None = None,
    max_bytes: int = 20_000_000,
    max_uncompressed_bytes: int = 100_000_000,
    timeout_s: float = 10.0,
    validate: bool = True,
    geometry: ImageGeometry | None = None,
    uid_alias: Callable[[str], str] | None = None,
    dicom_names: Mapping[str, str | Iterable[str]] | None = None,
) -> ContourSet:
    """Read one rater's LV contours from an uploaded file: IDL SAV, DICOM SEG / RTSTRUCT, JSON polygons, or a mask.

    The one reader entry point. The format is recognised from the first bytes, not the file name: ``SR`` (IDL SAV,
    plain or compressed), ``DICM`` at byte 128 (DICOM SEG or RTSTRUCT, :mod:`backend.cmr.dicom_contours`), ``{``
    (JSON polygons, :mod:`backend.cmr.contour_json`), ``\\x93NUMPY`` (.npy), ``\\x89PNG`` (.png). A Sunnybrook text
    contour (``x y`` lines) holds a single wall and is refused with a message asking for both files (read them with
    :func:`read_contour_text`).

    Parameters
    ----------
    path : str or PathLike
        The uploaded file.
    image_shape : (rows, columns) or None
        Shape of the image the contours were drawn on. Given, a mask must have exactly this shape and the
        contours are validated against it; ``None`` skips those checks (e.g. to inspect a file).
    names : mapping of str to str or list of str, optional
        The site's own variable names, merged over :data:`DEFAULT_NAME_PATTERNS` by
        :func:`merge_name_patterns`: keys ``endo_x, endo_y, epi_x, epi_y, endo, epi, contours, mask, labels``,
        values one name or a list, e.g. ``{"endo": "LV_INNER", "epi": "LV_OUTER"}``.
    max_bytes : int
        Largest file accepted, in bytes.
    max_uncompressed_bytes : int
        Bound on the inflated size of a compressed SAV file (and on a decoded PNG), in bytes.
    timeout_s : float
        Wall-clock limit of the SAV parse, in seconds (see the module docstring).
    validate : bool
        Run :func:`~backend.cmr.contours.validate_contour_set` (points inside the image, endocardium inside the
        epicardium, non-empty mask) when ``image_shape`` is given.
    geometry : ImageGeometry, optional
        The image's geometry and UIDs, for a DICOM SEG / RTSTRUCT (checked to reference this image; an RTSTRUCT
        needs it to map patient coordinates to pixels).
    uid_alias : callable, optional
        Maps an original (scanner) UID to the stored image's de-identified UID, so that a DICOM contour file made on
        the original image matches.
    dicom_names : mapping, optional
        The site's segment / ROI names, merged over
        :data:`backend.cmr.dicom_contours.DEFAULT_DICOM_NAMES`.

    Returns
    -------
    ContourSet
        Polygons ``(N, 2)`` float64 in ``(x, y)`` pixel coordinates (x = column, y = row), or a myocardium mask
        ``(rows, columns)`` (plus the cavity for labels); ``source`` names the layout and variables.

    Raises
    ------
    InvalidContourError
        One line for the trainee: not a contour file (says what it starts with), too big, decompresses past
        ``max_uncompressed_bytes``, damaged or truncated, parse over ``timeout_s``, no contour variables (lists the
        variables found with types and shapes, and the names expected), only one wall or only x or y, a point
        array or mask of the wrong shape (rows x columns), unexpected mask values, too few points, points outside
        the image, endocardium outside the epicardium, an empty mask.
    ValueError
        ``names`` has an unknown key (configuration error).
    """
    merge_name_patterns(names)  # a configuration error surfaces before any file is read
    p = Path(path)
    size, head = _size_and_head(p)
    if size > max_bytes:
        raise InvalidContourError(
            f"The contour file is {_mb(size)}, over the {_mb(max_bytes)} limit; an IDL SAV contour file is usually "
            "a few kB (a 256x256 mask about 70 kB)."
        )
    if head[:2] == b"SR":
        variables = read_sav_variables(
            p, max_bytes=max_bytes, max_uncompressed_bytes=max_uncompressed_bytes, timeout_s=timeout_s
        )
        return contours_from_variables(variables, image_shape=image_shape, names=names, validate=validate, label="SAV")
    if head[128:132] == b"DICM":
        return read_dicom_contours(
            p,
            image_shape=image_shape,
            geometry=geometry,
            uid_alias=uid_alias,
            names=dicom_names,
            max_uncompressed_bytes=max_uncompressed_bytes,
            validate=validate,
        )
    if head[:6] == b"\x93NUMPY":
        return _read_npy(p, image_shape, validate, max_uncompressed_bytes)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        from .contour_json import read_contour_json

        return read_contour_json(
            _read_limited(p, max_bytes, "JSON contour file"), image_shape=image_shape, validate=validate, name=p.name
        )
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return _read_png(p, image_shape, validate, max_uncompressed_bytes)
    first = next((ln for ln in head.splitlines() if ln.strip()), b"")
    if first and _NUMBER_LINE.match(first):
        pts = _parse_points_text(_read_limited(p, max_bytes, "contour text file"), "contour text file")
        raise InvalidContourError(
            f"This is a single text contour ({len(pts)} 'x y' points, Sunnybrook format), i.e. one wall only; "
            "upload the endocardium (i-contour) and the epicardium (o-contour) files together, or an IDL SAV file "
            "with both."
        )
    if size == 0:
        raise InvalidContourError("The contour file is empty (0 bytes); upload the IDL SAV file again.")
    raise InvalidContourError(
        f"The file is not a contour file: it starts with {_starts_with(head)}; expected an IDL SAV file (starts with "
        "'SR', written in IDL with SAVE), a DICOM SEG or RTSTRUCT, JSON polygons, a .npy or .png mask, or "
        "Sunnybrook text contours."
    )
