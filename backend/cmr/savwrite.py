"""A small pure-Python writer of IDL SAVE (``.sav``) files: numeric arrays, scalars and flat structures.

Purpose: the demo-case generator and the tests write real SAV files without IDL or GDL, and the application can
export (consensus) contours in the format the lab's IDL tools ``RESTORE``.

What it writes (uncompressed by default, format 9, big-endian XDR, the layout ``scipy.io.readsav`` and GDL read):

* ``SR\\x00\\x04`` signature, then the records ``TIMESTAMP`` (10), ``VERSION`` (14), one ``VARIABLE`` (2) per
  variable, ``END_MARKER`` (6). Each record starts with ``RECTYPE`` (int32), ``NEXTREC`` (absolute offset of the
  next record, two uint32: low, high) and 4 unused bytes.
* A variable is ``VARNAME`` (string), ``TYPEDESC`` (typecode, flags: 4 = array, 32 = structure), an ``ARRAY_DESC``
  for arrays and structures (``ARRSTART`` = 8, bytes per element, nbytes, nelements, ndims, 0, 0, ``NMAX`` = 8,
  eight dims padded with 1), a ``STRUCT_DESC`` for structures (``STRUCTSTART`` = 9, name, predef, ntags, nbytes,
  tag table, tag names, the array descriptors of the array tags), ``VARSTART`` = 7, then the data.
* With ``compress=True``, the signature is ``SR\\x00\\x06`` and each record body but the END marker's is a zlib
  stream (``SAVE, /COMPRESS``).
* Strings are an int32 length followed by the bytes padded to 4. Scalars occupy 4 bytes (8 for float64): a byte is
  preceded by an int32 1; an int16 is sign-extended to 32 bits. Byte arrays are preceded by their byte count;
  int16 arrays store each element in 4 bytes; all data are padded to 4 bytes.

Types: ``uint8`` (IDL BYTE, 1; ``bool`` is written as bytes), ``int16`` (INT, 2), ``int32`` (LONG, 3),
``float32`` (FLOAT, 4), ``float64`` (DOUBLE, 5); 1 to 8 dimensions, or scalars.

Axis order: IDL arrays are column-major, so a numpy ``(rows, columns)`` array is written as the IDL array
``(columns, rows)`` holding the same bytes: ``readsav`` (which reverses the dimensions) gives back the same numpy
array, and in IDL ``a[x, y]`` is numpy ``a[y, x]``. A contour ``(N, 2)`` of ``(x, y)`` points is IDL ``fltarr(2, N)``,
a ``(rows, columns)`` mask is IDL ``bytarr(columns, rows)``, as in ``../shared/tools/make_sav.py``.

Sources: C. Markwardt, "Unofficial format specification of the IDL SAVE file"
(http://cow.physics.wisc.edu/~craigm/idl/savefmt); ``scipy/io/_idl.py`` (the reader this must satisfy); files
written by GDL 1.0.1 in ``../shared/data/scd-sunnybrook-sav`` (records and descriptors mirrored byte for byte,
including the VERSION strings ``x86_64`` / ``linux`` / ``8.2`` that GDL writes).
"""

from __future__ import annotations

import os
import re
import struct
import time
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["IDL_TYPECODES", "sav_bytes", "write_sav"]

IDL_TYPECODES: dict[np.dtype, int] = {
    np.dtype(np.uint8): 1,
    np.dtype(np.int16): 2,
    np.dtype(np.int32): 3,
    np.dtype(np.float32): 4,
    np.dtype(np.float64): 5,
}
"""numpy dtype -> IDL type code of the types this writer supports."""

_BIG_ENDIAN = {1: ">u1", 2: ">i2", 3: ">i4", 4: ">f4", 5: ">f8"}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_$]*$")

_RECTYPE_VARIABLE = 2
_RECTYPE_END = 6
_RECTYPE_TIMESTAMP = 10
_RECTYPE_VERSION = 14

_FLAG_ARRAY = 4
_FLAG_STRUCT = 32

Value = np.ndarray | float | int | Mapping[str, Any]


def _long(v: int) -> bytes:
    return struct.pack(">l", int(v))


def _pad4(b: bytes) -> bytes:
    return b + b"\0" * (-len(b) % 4)


def _string(s: str) -> bytes:
    raw = s.encode("latin-1")
    return _long(len(raw)) + _pad4(raw)


def _check_name(name: str, what: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"{what} {name!r} is not a valid IDL identifier (a letter, then letters, digits, _ or $)")
    return name.upper()


def _as_supported(value: Any, name: str) -> np.ndarray:
    """Convert to a numpy array of a supported dtype (bool -> uint8); refuse anything else."""
    arr = np.asarray(value)
    if arr.dtype == np.bool_:
        arr = arr.astype(np.uint8)
    dt = arr.dtype.newbyteorder("=") if arr.dtype.byteorder not in ("=", "|") else arr.dtype
    if dt not in IDL_TYPECODES:
        supported = ", ".join(d.name for d in IDL_TYPECODES)
        raise TypeError(f"{name}: dtype {arr.dtype} is not supported by the SAV writer (supported: {supported}, bool)")
    if arr.ndim > 8:
        raise ValueError(f"{name}: IDL arrays have at most 8 dimensions, got {arr.ndim}")
    if arr.ndim > 0 and arr.size == 0:
        raise ValueError(f"{name}: IDL has no empty arrays (shape {arr.shape})")
    return arr.astype(dt, copy=False)


def _array_desc(elsize: int, nbytes: int, nelements: int, idl_dims: list[int]) -> bytes:
    dims = list(idl_dims) + [1] * (8 - len(idl_dims))
    return b"".join(_long(v) for v in (8, elsize, nbytes, nelements, len(idl_dims), 0, 0, 8, *dims))


def _numeric_desc(arr: np.ndarray) -> bytes:
    """ARRAY_DESC of a numpy array: IDL dims are the numpy shape reversed (column-major)."""
    return _array_desc(arr.dtype.itemsize, arr.nbytes, arr.size, list(reversed(arr.shape)))


def _scalar_data(arr: np.ndarray) -> bytes:
    code = IDL_TYPECODES[arr.dtype]
    v = arr.item()
    if code == 1:
        return _long(1) + struct.pack(">B", v) + b"\0\0\0"
    if code in (2, 3):
        return struct.pack(">i", v)  # int16 is stored sign-extended to 32 bits
    if code == 4:
        return struct.pack(">f", v)
    return struct.pack(">d", v)


def _array_data(arr: np.ndarray) -> bytes:
    code = IDL_TYPECODES[arr.dtype]
    flat = np.ascontiguousarray(arr).reshape(-1)  # C order == IDL column-major with the dims reversed
    if code == 1:
        return _long(flat.size) + _pad4(flat.tobytes())
    if code == 2:
        return flat.astype(">i4").tobytes()  # each INT element occupies 4 bytes (value in the low half)
    return flat.astype(_BIG_ENDIAN[code]).tobytes()


def _data(arr: np.ndarray) -> bytes:
    return _scalar_data(arr) if arr.ndim == 0 else _array_data(arr)


def _variable_body(name: str, value: Value) -> bytes:
    if isinstance(value, Mapping):
        return _string(name) + _struct_typedesc_and_data(name, value)
    arr = _as_supported(value, name)
    code = IDL_TYPECODES[arr.dtype]
    typedesc = _long(code) + (_long(0) if arr.ndim == 0 else _long(_FLAG_ARRAY) + _numeric_desc(arr))
    return _string(name) + typedesc + _long(7) + _data(arr)


def _struct_typedesc_and_data(name: str, fields: Mapping[str, Any]) -> bytes:
    if not fields:
        raise ValueError(f"{name}: a structure needs at least one field")
    tags: list[tuple[str, np.ndarray]] = []
    for fname, fval in fields.items():
        if isinstance(fval, Mapping):
            raise TypeError(f"{name}.{fname}: nested structures are not supported by the SAV writer")
        tags.append((_check_name(fname, "field name"), _as_supported(fval, f"{name}.{fname}")))
    # In-memory layout of the IDL structure: each tag at an offset aligned to its element size.
    offset = 0
    tagtable = b""
    for _, arr in tags:
        align = arr.dtype.itemsize
        offset += -offset % align
        tagtable += _long(offset) + _long(IDL_TYPECODES[arr.dtype]) + _long(_FLAG_ARRAY if arr.ndim else 0)
        offset += arr.dtype.itemsize * max(arr.size, 1)
    struct_nbytes = offset
    structdesc = (
        _long(9)
        + _string("")
        + _long(0)
        + _long(len(tags))
        + _long(struct_nbytes)
        + tagtable
        + b"".join(_string(n) for n, _ in tags)
        + b"".join(_numeric_desc(a) for _, a in tags if a.ndim)
    )
    typedesc = (
        _long(8) + _long(_FLAG_ARRAY | _FLAG_STRUCT) + _array_desc(struct_nbytes, struct_nbytes, 1, [1]) + structdesc
    )
    return typedesc + _long(7) + b"".join(_data(a) for _, a in tags)


def _record(rectype: int, body: bytes, start: int) -> bytes:
    nextrec = start + 16 + len(body)
    return struct.pack(">lIIl", rectype, nextrec & 0xFFFFFFFF, nextrec >> 32, 0) + body


def sav_bytes(
    variables: Mapping[str, Value],
    *,
    date: str | None = None,
    user: str = "",
    host: str = "myoqa",
    compress: bool = False,
) -> bytes:
    """Encode variables as the bytes of an IDL SAV file.

    Parameters
    ----------
    variables : mapping of str to ndarray, scalar or mapping of str to ndarray
        Variable name (an IDL identifier; written upper-case) to value. A value is a numpy array of 1 to 8 dims or
        a scalar, of dtype uint8/bool, int16, int32, float32 or float64; or a mapping of field name to such arrays
        or scalars, written as one anonymous IDL structure (``{ENDO: fltarr(2, N), EPI: fltarr(2, M)}``).
        A numpy ``(rows, columns)`` array becomes the IDL array ``(columns, rows)``, so ``readsav`` returns it
        unchanged.
    date : str, optional
        The TIMESTAMP date string; default: now, as ``time.ctime()`` (IDL's format).
    user, host : str
        The TIMESTAMP user and host strings.
    compress : bool
        Write a compressed file as IDL's ``SAVE, /COMPRESS`` does (signature ``SR\\x00\\x06``, every record body
        but the END marker's a zlib stream; ``NEXTREC`` offsets refer to the compressed file).

    Returns
    -------
    bytes

    Raises
    ------
    ValueError
        A name is not an IDL identifier, an array is empty or has more than 8 dims, a structure is empty.
    TypeError
        A dtype is not supported, or a structure is nested.
    """
    if not variables:
        raise ValueError("a SAV file needs at least one variable")
    seen: set[str] = set()
    out = bytearray(b"SR\x00\x04")
    stamp = b"\0" * 1024 + _string(date or time.ctime()) + _string(user) + _string(host)
    out += _record(_RECTYPE_TIMESTAMP, stamp, len(out))
    out += _record(_RECTYPE_VERSION, _long(9) + _string("x86_64") + _string("linux") + _string("8.2"), len(out))
    for name, value in variables.items():
        idl_name = _check_name(name, "variable name")
        if idl_name in seen:
            raise ValueError(f"variable {idl_name} given twice (IDL names are case-insensitive)")
        seen.add(idl_name)
        out += _record(_RECTYPE_VARIABLE, _variable_body(idl_name, value), len(out))
    out += struct.pack(">lIIl", _RECTYPE_END, 0, 0, 0)
    return _compress(bytes(out)) if compress else bytes(out)


def _compress(plain: bytes) -> bytes:
    """Re-encode an uncompressed SAV file with each record body zlib-compressed (``SAVE, /COMPRESS`` layout)."""
    out = bytearray(b"SR\x00\x06")
    pos = 4
    while True:
        rectype, lo, hi, unknown = struct.unpack(">lIIl", plain[pos : pos + 16])
        if rectype == _RECTYPE_END:
            out += plain[pos : pos + 16]
            return bytes(out)
        nextrec = lo + (hi << 32)
        body = zlib.compress(plain[pos + 16 : nextrec])
        start = len(out)
        out += (
            struct.pack(
                ">lIIl", rectype, (start + 16 + len(body)) & 0xFFFFFFFF, (start + 16 + len(body)) >> 32, unknown
            )
            + body
        )
        pos = nextrec


def write_sav(path: str | os.PathLike[str], variables: Mapping[str, Value], **kwargs: Any) -> None:
    """Write variables to an IDL SAV file that IDL/GDL ``RESTORE`` and ``scipy.io.readsav`` read.

    Parameters
    ----------
    path : str or PathLike
        Output file (overwritten).
    variables : mapping
        As for :func:`sav_bytes`. Example, the ``points`` and ``struct`` contour layouts::

            write_sav("c.sav", {"ENDO_X": endo[:, 0], "ENDO_Y": endo[:, 1], "EPI_X": epi[:, 0], "EPI_Y": epi[:, 1]})
            write_sav("c.sav", {"CONTOURS": {"ENDO": endo.astype(np.float32), "EPI": epi.astype(np.float32)}})
    **kwargs
        ``date``, ``user``, ``host``, ``compress`` as for :func:`sav_bytes`.

    Raises
    ------
    ValueError, TypeError
        As for :func:`sav_bytes`; nothing is written then.
    """
    data = sav_bytes(variables, **kwargs)
    with open(path, "wb") as f:
        f.write(data)
