"""DICOM ingestion: a parametric map (T1, T2), a magnitude frame, or a multi-echo T2* series -> :class:`CMRImage`.

One entry point, :func:`load_image`, takes what a user uploads (one file, a folder, a ``.zip``, or a list of
them), reads every file once with pydicom, validates it and returns ``float64`` pixels with their geometry. Every
refusal is an :class:`~backend.cmr.errors.InvalidImageError` whose message says what was wrong and what was expected.

Kind detection (when ``kind`` is not given)
-------------------------------------------
The text searched is ImageType, SeriesDescription, ImageComments and, when present, the Real World Value Mapping
(RWVM) LUT label/explanation and unit; it is upper-cased and every character other than ``A-Z``, ``0-9`` and ``*``
becomes a space (``ShMOLLI_192i_e11_T1MAP`` -> ``SHMOLLI 192I E11 T1MAP``).

1. More than one distinct Echo Time among the magnitude images of the chosen slice (across files, or across the
   frames of one multi-frame file) -> ``T2STAR_SERIES``.
2. Otherwise one image is expected, and:

   * ``T1 MAP`` / ``T1MAP`` / ``T1 MAPS`` as a word -> ``T1_MAP``;
   * ``T2 MAP`` / ``T2MAP`` as a word -> ``T2_MAP``. ``T2*``, ``T2 *``, ``T2STAR`` (and ``R2*``) never count: a
     ``T2*`` in the text is not a T2 map;
   * a T1-mapping sequence name (``MOLLI``, ``ShMOLLI``, ``SASHA``, ``T1 MAPPING``) counts only on a computed image:
     ImageType DERIVED or an RWVM in ms/s, and no Inversion Time (the raw inversion-recovery images of a MOLLI
     series carry the sequence name too, and an Inversion Time). Likewise ``T2 MAPPING``/``T2 PREP`` -> ``T2_MAP``;
   * labelled both T1 and T2 map -> refused as ambiguous;
   * a scanner T2*/R2* *map* (``T2* MAP``, ``T2STAR MAP``, ``R2* MAP``) -> refused: MyoQA fits T2* from the echoes;
   * anything else -> ``MAGNITUDE`` (a cine or magnitude frame, e.g. Sunnybrook).

An explicit ``kind`` overrides a ``MAGNITUDE`` (unlabelled) detection, but a contradiction is refused: a T2 map
when a T1 map is expected, a series when one map is expected, one image when a series is expected.

Magnitude selection
-------------------
GE stores magnitude, real and imaginary images in one series, told apart only by the private tag (0043,102F)
(creator ``GEMS_PARM_01``): 0 = magnitude, 1 = phase, 2 = real, 3 = imaginary. Without it, ImageType values ``M`` /
``MAGNITUDE`` vs ``P``/``PHASE``/``R``/``REAL``/``I``/``IMAGINARY`` (or an enhanced file's Complex Image Component)
decide. When the input holds several images the non-magnitude ones are dropped; a single labelled map is never
dropped (Siemens labels its ShMOLLI T1 map ``ORIGINAL\\PRIMARY\\P``).

Pixel values
------------
Maps: the RWVM Sequence (0040,9096) when present (the item whose unit is ms or s, else the first; slope/intercept
or LUT; a unit of s is converted to ms), else Rescale Slope/Intercept; units ``"ms"``. Other images: Rescale
Slope/Intercept; units ``"a.u."``. Enhanced multi-frame files: the per-frame or shared functional groups.

Bounds (checked before anything large is allocated)
---------------------------------------------------
Every upload is read once (:func:`read_image`); the same pydicom datasets serve validation, de-identification and
storage. Its bytes are bounded as a whole (``max_bytes``): file sizes, the declared uncompressed size of *every* zip
member (``__MACOSX/`` and ``.DS_Store`` included: a name is never exempt), and the inflated size of a Deflated
Explicit VR Little Endian file (inflated in chunks and counted before pydicom inflates it). Each file's declared
pixel data, Number of Frames x Rows x Columns x Samples per Pixel x Bits Allocated / 8, must be present in the file
(native transfer syntaxes) or fit in the same budget (compressed ones), and the upload holds at most ``max_frames``
frames, before any frame is described or decoded. Any exception raised while parsing or describing a file becomes
an :class:`~backend.cmr.errors.InvalidImageError` naming the file.

Geometry and value sanity: Pixel Spacing within :data:`PIXEL_SPACING_RANGE_MM` per axis, Rows and Columns within
:data:`MATRIX_RANGE`, finite Rescale Slope/Intercept and RWVM values and finite pixel values after them, a
numeric Echo Time when one is given, no File Meta (group 0002) element inside the dataset, and no Burned In
Annotation = YES (text burned into the pixels cannot be de-identified).

Sources: DICOM PS3.3 C.7.6.16 (functional groups), C.8.13 (Enhanced MR, MR Echo Sequence EffectiveEchoTime),
C.7.6.16.2.11 (RWVM); pydicom 3 ``dcmread``/``pixel_array``; GE private dictionary (pydicom ``_private_dict``,
``GEMS_PARM_01`` (0043,xx2F) "Image Type (real, imaginary, phase, magnitude)"); ``../shared/docs/domain.md``.
"""

from __future__ import annotations

import io
import math
import os
import re
import stat
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.filereader import _read_file_meta_info
from pydicom.uid import DeflatedExplicitVRLittleEndian, ImplicitVRLittleEndian

from .errors import InvalidImageError

__all__ = [
    "MATRIX_RANGE",
    "MAX_FRAMES",
    "PIXEL_SPACING_RANGE_MM",
    "CMRImage",
    "ImageKind",
    "ImageRead",
    "image_with_header_of",
    "load_image",
    "read_image",
]

PathLike = str | os.PathLike

#: Names inside a folder or zip that are skipped silently (file-system and viewer clutter, DICOMDIR indexes).
_HARMLESS_NAMES = {"dicomdir", "thumbs.db", "desktop.ini", ".ds_store"}
_SLICE_TOL_MM = 0.01
_TE_DECIMALS = 3
_GE_COMPONENT = {0: "magnitude", 1: "phase", 2: "real", 3: "imaginary"}

#: Pixel Spacing accepted per axis, in mm. Clinical CMR acquires 0.6-3 mm in-plane (SCMR standardized protocols,
#: Kramer et al., JCMR 2020: cine 1.4-1.8 mm, mapping 1.4-2.2 mm); 0.05 mm still admits small-animal and
#: interpolated images, 10 mm admits the coarsest localiser. Outside this range a value is a corrupt or a unit error
#: (1e308 makes every area infinite, 1e-300 makes it zero).
PIXEL_SPACING_RANGE_MM = (0.05, 10.0)
#: Rows and Columns accepted (inclusive). CMR matrices are 128-512 (interpolated to at most 1024); 16 is below any
#: acquisition matrix, 4096 above any MR reconstruction. DICOM allows up to 65535 (US).
MATRIX_RANGE = (16, 4096)
#: Frames in one upload (all files and frames of multi-frame files together). One slice of a multi-echo series has
#: at most a few dozen echoes (GE: 12 x magnitude, real, imaginary); a whole enhanced multi-slice file a few
#: hundred. Bounds the per-frame work (functional groups, positions) before anything is decoded.
MAX_FRAMES = 2048


class ImageKind(str, Enum):
    """What an uploaded image is."""

    T1_MAP = "t1_map"
    T2_MAP = "t2_map"
    T2STAR_SERIES = "t2star_series"
    MAGNITUDE = "magnitude"

    @property
    def label(self) -> str:
        """Human-readable name for messages."""
        return {
            "t1_map": "T1 map",
            "t2_map": "T2 map",
            "t2star_series": "multi-echo T2* series",
            "magnitude": "magnitude image",
        }[self.value]


@dataclass(frozen=True, eq=False)
class CMRImage:
    """A validated image ready for analysis.

    Attributes
    ----------
    pixels : ndarray of float64, read-only
        Shape ``(rows, cols)`` for one frame; ``(n_echoes, rows, cols)`` for a T2* series, sorted by echo time.
        In ms for maps (after RWVM or rescale), in arbitrary units otherwise.
    pixel_spacing_mm : tuple of float
        ``(dy, dx)`` in mm, from Pixel Spacing ``[row spacing, column spacing]``.
    kind : ImageKind
    echo_times_ms : tuple of float or None
        Echo times in ms, ascending, one per echo; only for a series.
    field_strength_t : float or None
        Magnetic Field Strength (0018,0087) in tesla.
    units : str
        ``"ms"`` for T1/T2 maps, ``"a.u."`` otherwise.
    manufacturer : str
    description : str
        SeriesDescription and ImageComments, joined by `` / `` when both are present.
    series_instance_uid : str
    sop_instance_uids : tuple of str
        One per echo for a series of single-frame files (same order as ``pixels``); one for a single file.
    slice_location_mm : float or None
        Slice Location (or the position along the slice normal) of the image.
    """

    pixels: np.ndarray
    pixel_spacing_mm: tuple[float, float]
    kind: ImageKind
    echo_times_ms: tuple[float, ...] | None
    field_strength_t: float | None
    units: str
    manufacturer: str
    description: str
    series_instance_uid: str
    sop_instance_uids: tuple[str, ...]
    slice_location_mm: float | None = None
    source_names: tuple[str, ...] = field(default=())

    @property
    def rows(self) -> int:
        """Number of rows (image height in pixels)."""
        return int(self.pixels.shape[-2])

    @property
    def columns(self) -> int:
        """Number of columns (image width in pixels)."""
        return int(self.pixels.shape[-1])

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, columns)`` of one frame."""
        return (self.rows, self.columns)

    @property
    def n_echoes(self) -> int:
        """Number of echoes (1 for a single frame)."""
        return int(self.pixels.shape[0]) if self.pixels.ndim == 3 else 1

    def display_frame(self) -> np.ndarray:
        """The 2-D frame to show under contours: the image itself, or the first (shortest TE) echo of a series.

        Returns
        -------
        ndarray of float64, shape (rows, cols), read-only
        """
        return self.pixels if self.pixels.ndim == 2 else self.pixels[0]


@dataclass(frozen=True, eq=False)
class ImageRead:
    """An image together with the parsed DICOM datasets it was built from (one reading, shared by every step).

    Attributes
    ----------
    image : CMRImage
    datasets : tuple of pydicom Dataset
        The datasets actually used, one per SOP instance, in the order of ``image.sop_instance_uids`` (echo order
        for a series of files; one dataset for a single or multi-frame file). Pixel data is kept as bytes.
    names : tuple of str
        The display name of each dataset's file (``'series.zip:echo1.dcm'`` for a zip member), for messages.
    """

    image: CMRImage
    datasets: tuple[Dataset, ...]
    names: tuple[str, ...]

    @property
    def by_sop_instance_uid(self) -> dict[str, Dataset]:
        """The datasets keyed by their SOP Instance UID (as read, before any de-identification)."""
        return {str(ds.get("SOPInstanceUID", "") or ""): ds for ds in self.datasets}


# --------------------------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------------------------
def load_image(
    source: PathLike | Sequence[PathLike],
    *,
    kind: ImageKind | None = None,
    slice_location: float | None = None,
    max_bytes: int = 200_000_000,
    max_files: int = 512,
    max_frames: int = MAX_FRAMES,
) -> CMRImage:
    """Read and validate an uploaded DICOM image, map or multi-echo series.

    Parameters
    ----------
    source, kind, slice_location, max_bytes, max_files, max_frames
        As for :func:`read_image`.

    Returns
    -------
    CMRImage
        The image of :func:`read_image`, without its datasets.

    Raises
    ------
    InvalidImageError
        As :func:`read_image` does.
    TypeError
        ``source`` is neither a path nor an iterable of paths.
    """
    return read_image(
        source,
        kind=kind,
        slice_location=slice_location,
        max_bytes=max_bytes,
        max_files=max_files,
        max_frames=max_frames,
    ).image


def read_image(
    source: PathLike | Sequence[PathLike],
    *,
    kind: ImageKind | None = None,
    slice_location: float | None = None,
    max_bytes: int = 200_000_000,
    max_files: int = 512,
    max_frames: int = MAX_FRAMES,
) -> ImageRead:
    """Read and validate an uploaded DICOM image, map or multi-echo series, once, within bounds.

    Parameters
    ----------
    source : path or sequence of paths
        A DICOM file, a folder (searched recursively), a ``.zip`` archive (read in memory), or a list of those.
    kind : ImageKind, optional
        The kind expected. ``None`` detects it (see the module docstring). A given kind overrides an unlabelled
        (magnitude) detection; a contradicting label or structure is refused.
    slice_location : float, optional
        Slice Location in mm to keep when the input holds several slices (nearest within 0.01 mm).
    max_bytes : int
        Bound on the total bytes read, in bytes: file sizes, the declared uncompressed size of every zip member,
        the inflated size of deflated DICOM files, and the decoded size of compressed pixel data. The web
        application passes ``MYOQA_MAX_UPLOAD_BYTES``.
    max_files : int
        Bound on the number of files (zip members included).
    max_frames : int
        Bound on the number of frames, all files together (see :data:`MAX_FRAMES`).

    Returns
    -------
    ImageRead
        ``image.pixels`` float64 read-only: ``(rows, cols)`` for a map or magnitude frame, ``(n_echoes, rows,
        cols)`` sorted by echo time for a T2* series; ``datasets``: the pydicom datasets used, in that order.

    Raises
    ------
    InvalidImageError
        Not DICOM, no pixel data, colour image, missing or invalid Pixel Spacing, undecodable pixel data, mixed
        series, no magnitude images, several slices without ``slice_location``, duplicate or missing echo times,
        mismatched geometry across echoes, a multi-frame file that is not multi-echo, too many files, too many
        bytes, an unsafe or corrupt zip, an empty folder, or a detected kind contradicting ``kind``; declared pixel
        data larger than the file holds, too many frames, a deflated file inflating past ``max_bytes``, Pixel
        Spacing, Rows or Columns out of range, a non-finite rescale, a non-numeric Echo Time, File Meta elements
        inside the dataset, Burned In Annotation = YES; any header pydicom cannot parse (naming the file).
    TypeError
        ``source`` is neither a path nor an iterable of paths (a programming error, not the user's).
    """
    with warnings.catch_warnings():
        # Real vendor files often carry non-conformant values (e.g. UIDs with leading zeros); pydicom warns lazily.
        warnings.simplefilter("ignore", UserWarning)
        return _load(source, kind, slice_location, max_bytes, max_files, max_frames)


def image_with_header_of(image: CMRImage, datasets: Sequence[Dataset]) -> CMRImage:
    """The image with its identifying header fields re-read from ``datasets`` (e.g. their de-identified copies).

    Parameters
    ----------
    image : CMRImage
        As built by :func:`read_image`.
    datasets : sequence of pydicom Dataset
        One per SOP instance, in the order of ``image.sop_instance_uids`` (:attr:`ImageRead.datasets`, after
        de-identification).

    Returns
    -------
    CMRImage
        The same pixels and geometry; ``series_instance_uid`` and ``sop_instance_uids`` from ``datasets``,
        ``description`` = their Series Description only (no Image Comments), ``manufacturer`` from them.

    Raises
    ------
    ValueError
        ``datasets`` does not hold one dataset per SOP instance of the image (a programming error).
    """
    if len(datasets) != len(image.sop_instance_uids) or not datasets:
        raise ValueError(f"expected {len(image.sop_instance_uids)} datasets, got {len(datasets)}")
    first = datasets[0]
    return replace(
        image,
        series_instance_uid=str(first.get("SeriesInstanceUID", "") or ""),
        sop_instance_uids=tuple(str(ds.get("SOPInstanceUID", "") or "") for ds in datasets),
        description=str(first.get("SeriesDescription", "") or "").strip(),
        manufacturer=str(first.get("Manufacturer", "") or ""),
    )


def _load(
    source: Any, kind: ImageKind | None, slice_location: float | None, max_bytes: int, max_files: int, max_frames: int
) -> ImageRead:
    if kind is not None and not isinstance(kind, ImageKind):
        kind = ImageKind(kind)
    budget = _Budget(max_bytes=max_bytes, max_files=max_files, max_frames=max_frames)
    blobs = _collect(source, budget)
    datasets = [(name, _parse(name, data, budget)) for name, data in blobs]
    del blobs

    frames: list[_Frame] = []
    seen_sops: set[str] = set()
    for name, ds in datasets:
        sop = str(ds.get("SOPInstanceUID", "") or "")
        n_frames = _n_frames(ds)
        if sop and n_frames == 1 and sop in seen_sops:
            continue  # the same file twice (e.g. in a folder and a zip): harmless
        seen_sops.add(sop)
        try:
            frames.extend(_frames_of(name, ds, budget))
        except InvalidImageError:
            raise
        except Exception:  # noqa: BLE001 -- a header value of the wrong type or size raises anything; name the file
            raise InvalidImageError(_damaged_header(name)) from None
    try:
        return _select_and_build(frames, kind, slice_location)
    except InvalidImageError:
        raise
    except Exception:  # noqa: BLE001 -- the last line of defence: whatever a header held, the user gets a sentence
        names = ", ".join(f"'{n}'" for n in list(dict.fromkeys(f.name for f in frames))[:3])
        raise InvalidImageError(
            f"The images ({names}) could not be combined: their headers hold values that cannot be read as an MR "
            f"image (echo times, positions, rescale); export the series again from the scanner."
        ) from None


def _damaged_header(name: str) -> str:
    return (
        f"'{name}' is a damaged DICOM file: it is truncated or its header cannot be read; export it again from "
        f"the scanner and upload the complete file."
    )


def _select_and_build(frames: list[_Frame], kind: ImageKind | None, slice_location: float | None) -> ImageRead:
    _check_one_series(frames)
    first = frames[0]
    text_kind = _text_kind(first.ds, first.name)

    # Magnitude selection ---------------------------------------------------------------------------------------
    if text_kind not in ("t1_map", "t2_map", "ambiguous"):
        keep = [f for f in frames if f.component in (None, "magnitude")]
        explicit_single = len(frames) == 1 and kind is not None
        if not keep and not explicit_single:
            found = sorted({f.component for f in frames if f.component})
            ex = frames[0]
            raise InvalidImageError(
                f"The upload holds no magnitude images, only {'/'.join(found)} images (e.g. '{ex.name}': "
                f"{ex.component_source}); upload the magnitude images (or the scanner's map itself)."
            )
        frames = keep or frames

    # Slice selection -------------------------------------------------------------------------------------------
    frames = _select_slice(frames, slice_location)

    # Echo structure ---------------------------------------------------------------------------------------------
    if len(frames) > 1:
        frames = _sort_echoes(frames)
        detected = ImageKind.T2STAR_SERIES
    else:
        f = frames[0]
        if f.n_frames_in_file > 1:
            _refuse_multiframe(f)
        if text_kind == "ambiguous":
            raise InvalidImageError(
                f"'{f.name}' is labelled both as a T1 map and as a T2 map ({_describe(f.ds)!r}); upload a file "
                f"whose ImageType or description names one map."
            )
        if text_kind == "t2star_map" and kind is None:
            raise InvalidImageError(
                f"'{f.name}' is a scanner-computed T2*/R2* map ({_describe(f.ds)!r}); MyoQA fits T2* itself: upload "
                f"the multi-echo images (one per echo time) instead."
            )
        detected = {"t1_map": ImageKind.T1_MAP, "t2_map": ImageKind.T2_MAP}.get(text_kind or "", ImageKind.MAGNITUDE)

    final = _reconcile(kind, detected, frames)
    image = _build(final, frames)
    used: dict[int, tuple[Dataset, str]] = {}
    for f in frames:
        used.setdefault(id(f.ds), (f.ds, f.name))
    return ImageRead(image, tuple(d for d, _ in used.values()), tuple(n for _, n in used.values()))


# --------------------------------------------------------------------------------------------------------------
# Collecting bytes
# --------------------------------------------------------------------------------------------------------------
def _collect(source: Any, budget: _Budget) -> list[tuple[str, bytes]]:
    """Expand paths into ``(display name, bytes)`` pairs, bounded in count and size."""
    if isinstance(source, (str, os.PathLike)):
        paths = [Path(source)]
    elif isinstance(source, Iterable):
        paths = [Path(p) for p in source]
    else:
        raise TypeError(f"load_image takes a path or a list of paths, not {type(source).__name__}")
    if not paths:
        raise InvalidImageError("No file was given; upload a DICOM file, a folder of DICOM files or a .zip.")

    out: list[tuple[str, bytes]] = []
    for p in paths:
        if not p.exists():
            raise InvalidImageError(f"'{p.name}' does not exist.")
        if p.is_dir():
            files = sorted(q for q in p.rglob("*") if q.is_file() and not _harmless(q.relative_to(p).as_posix()))
            if not files:
                raise InvalidImageError(
                    f"The folder '{p.name}' holds no files; upload a folder with the DICOM images of one series."
                )
            budget.add_files(len(files))
            budget.add_bytes(sum(q.stat().st_size for q in files))
            for q in files:
                out.extend(_file_or_zip(q, q.relative_to(p).as_posix(), budget))
        else:
            budget.add_files(1)
            budget.add_bytes(p.stat().st_size)
            out.extend(_file_or_zip(p, p.name, budget))
    return out


@dataclass
class _Budget:
    max_bytes: int
    max_files: int
    max_frames: int = MAX_FRAMES
    n_files: int = 0
    n_bytes: int = 0
    n_frames: int = 0

    def add_frames(self, n: int, name: str) -> None:
        self.n_frames += n
        if self.n_frames > self.max_frames:
            raise InvalidImageError(
                f"The upload holds more than {self.max_frames} images (frames){_of_file(name, n)}; upload the images "
                f"of one series (one slice) only."
            )

    def add_files(self, n: int) -> None:
        self.n_files += n
        if self.n_files > self.max_files:
            raise InvalidImageError(
                f"The upload holds {self.n_files} files, more than the {self.max_files} allowed; upload the images "
                f"of one series (one slice) only."
            )

    def add_decoded(self, n: int, name: str) -> None:
        """Compressed pixel data: its decoded size counts in the byte budget (PixelData bytes were counted already)."""
        if self.n_bytes + n > self.max_bytes:
            raise InvalidImageError(
                f"'{name}' declares compressed pixel data that decodes to {n / 1e6:.1f} MB, more than the upload's "
                f"{self.max_bytes / 1e6:.1f} MB allowed; upload the images of one series (one slice) only."
            )
        self.n_bytes += n

    def add_bytes(self, n: int) -> None:
        self.n_bytes += n
        if self.n_bytes > self.max_bytes:
            raise InvalidImageError(
                f"The upload is {self.n_bytes / 1e6:.1f} MB (uncompressed), more than the "
                f"{self.max_bytes / 1e6:.1f} MB allowed; upload the images of one series (one slice) only."
            )


def _of_file(name: str, n: int) -> str:
    return f" ('{name}' alone declares {n} frames)" if n > 1 else ""


def _harmless(rel: str) -> bool:
    parts = PurePosixPath(rel).parts
    if any(part == "__MACOSX" or part.startswith(".") for part in parts):
        return True
    return bool(parts) and parts[-1].lower() in _HARMLESS_NAMES


def _file_or_zip(path: Path, name: str, budget: _Budget) -> list[tuple[str, bytes]]:
    with open(path, "rb") as fh:
        head = fh.read(132)
        # Decided by content, never by name: a DICOM file named '.zip' (or '.ZIP') is a DICOM file, and a zip is a
        # zip whatever its name (a DICOM preamble may hold anything, so "DICM" at 128 wins).
        if head[:4] in (b"PK\x03\x04", b"PK\x05\x06") and head[128:132] != b"DICM":
            fh.seek(0)
            budget.n_files -= 1  # the archive itself does not count; its members do
            budget.n_bytes -= path.stat().st_size
            return _read_zip(fh, name, budget)
        fh.seek(0)
        return [(name, fh.read())]


def _read_zip(fh: Any, name: str, budget: _Budget) -> list[tuple[str, bytes]]:
    """Read a zip archive's members in memory, refusing unsafe paths and bounding the uncompressed size."""
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError):
        raise InvalidImageError(
            f"'{name}' is not a readable zip archive (it is damaged, or not a zip file); re-create the archive."
        ) from None
    out: list[tuple[str, bytes]] = []
    with zf:
        members = []
        infos = zf.infolist()
        # Every member counts, whatever its name (``__MACOSX/``, ``.DS_Store``): declared sizes, before inflating.
        budget.add_files(sum(1 for i in infos if not i.is_dir()))
        budget.add_bytes(sum(i.file_size for i in infos))
        for info in infos:
            member = info.filename
            if _unsafe_member(member):
                raise InvalidImageError(
                    f"The zip archive '{name}' holds an unsafe path '{member}' (absolute, or with '..'); re-create "
                    f"the archive with plain relative file names."
                )
            if info.is_dir() or _harmless(member):
                continue  # counted above, never read
            if stat.S_ISLNK(info.external_attr >> 16):
                raise InvalidImageError(
                    f"The zip archive '{name}' holds a symbolic link '{member}'; re-create the archive with the "
                    f"image files themselves."
                )
            if info.flag_bits & 0x1:
                raise InvalidImageError(
                    f"The zip archive '{name}' is encrypted ('{member}'); upload it without a password."
                )
            members.append(info)
        if not members:
            raise InvalidImageError(
                f"The zip archive '{name}' holds no files; upload a zip of the DICOM images of one series."
            )
        for info in members:
            try:
                with zf.open(info) as m:
                    data = m.read(info.file_size + 1)  # zipfile stops at the declared size; CRC checked at the end
            except Exception:  # noqa: BLE001 -- zipfile raises zlib.error, BadZipFile, EOFError, ... on damage
                raise InvalidImageError(
                    f"The file '{info.filename}' in the zip archive '{name}' cannot be extracted (it is damaged, or "
                    f"compressed with a method other than the standard one); re-create the archive."
                ) from None
            if len(data) > info.file_size:  # pragma: no cover - zipfile already stops at the declared size
                raise InvalidImageError(f"The member '{info.filename}' of '{name}' is larger than declared.")
            out.append((f"{name}:{info.filename}", data))
    return out


def _unsafe_member(member: str) -> bool:
    m = member.replace("\\", "/")
    if m.startswith("/") or re.match(r"^[A-Za-z]:", m):
        return True
    return ".." in PurePosixPath(m).parts


# --------------------------------------------------------------------------------------------------------------
# Parsing and per-file validation
# --------------------------------------------------------------------------------------------------------------
def _sniff(data: bytes) -> str:
    if data.startswith(b"%PDF"):
        return "a PDF document"
    if data.startswith(b"\x89PNG"):
        return "a PNG picture"
    if data.startswith(b"\xff\xd8\xff"):
        return "a JPEG picture"
    if data.startswith(b"PK"):
        return "a zip or Office document"
    if data.startswith((b"IDL", b"SR\x00\x04")):
        return "an IDL SAV file (contours go in the contour upload)"
    if not data:
        return "an empty file"
    sample = data[:2048]
    try:
        sample.decode("utf-8")
        return "a text file"
    except UnicodeDecodeError:
        return "some other binary format"


def _parse(name: str, data: bytes, budget: _Budget) -> Dataset:
    """Parse a DICOM file from bytes, once: every header value converted here (pixel data kept as bytes; decoded
    later, once), so that no later step meets a value pydicom cannot read. Refusals name the file."""
    ds = None
    try:
        _check_inflated_size(name, data, budget)
        ds = pydicom.dcmread(io.BytesIO(data))
    except InvalidDicomError:
        pass
    except InvalidImageError:
        raise
    except Exception:  # noqa: BLE001 -- pydicom raises anything (struct.error, KeyError, ...) on a damaged header
        raise InvalidImageError(_damaged_header(name)) from None
    # No 128-byte preamble: accept a bare dataset only when it starts like one (group 0x0008, little endian).
    if ds is None and data[:2] == b"\x08\x00":
        try:
            bare = pydicom.dcmread(io.BytesIO(data), force=True)
            if "Rows" in bare and ("SOPClassUID" in bare or "Modality" in bare):
                if not getattr(bare, "file_meta", None) or "TransferSyntaxUID" not in bare.file_meta:
                    bare.file_meta = getattr(bare, "file_meta", None) or pydicom.dataset.FileMetaDataset()
                    bare.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
                ds = bare
        except Exception:  # noqa: BLE001 -- not a bare dataset after all: refused below as "not a DICOM file"
            ds = None
    if ds is not None:
        try:
            _convert_all(ds)
        except Exception:  # noqa: BLE001 -- a garbage VR byte (NotImplementedError), odd-length US, ...: any type
            raise InvalidImageError(_damaged_header(name)) from None
        if any(elem.tag.group in (0x0000, 0x0002) for elem in ds):
            raise InvalidImageError(
                f"'{name}' has file meta or command elements (group 0002 or 0000) inside its image data set, which "
                f"DICOM does not allow (the file was written by a faulty tool); export it again from the scanner or PACS."
            )
        return ds
    raise InvalidImageError(
        f"'{name}' is not a DICOM file (it looks like {_sniff(data)}); upload the scanner's DICOM export: a .dcm "
        f"file, a folder of them or a .zip."
    )


def _check_inflated_size(name: str, data: bytes, budget: _Budget) -> None:
    """For a Deflated Explicit VR Little Endian file, inflate in chunks (kept nowhere) and count the inflated size
    in the upload's budget before pydicom inflates it (pydicom's ``zlib.decompress`` has no bound)."""
    if data[128:132] != b"DICM":
        return
    fp = io.BytesIO(data)
    fp.seek(132)
    meta = _read_file_meta_info(fp)
    if str(meta.get("TransferSyntaxUID", "") or "") != DeflatedExplicitVRLittleEndian:
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    rest, size, chunk = memoryview(data)[fp.tell() :], 0, 1 << 20
    room = budget.max_bytes - budget.n_bytes + len(data)  # the file's own size is already counted
    try:
        for start in range(0, len(rest), chunk):
            pending = bytes(rest[start : start + chunk])
            while pending:
                size += len(inflater.decompress(pending, chunk))
                pending = inflater.unconsumed_tail
                if size > room:
                    raise InvalidImageError(
                        f"'{name}' is a deflated DICOM file that inflates to more than {budget.max_bytes / 1e6:.1f} MB "
                        f"(the upload's limit, counted uncompressed); upload the images of one series (one slice) "
                        f"only, exported uncompressed."
                    )
        size += len(inflater.flush())
    except zlib.error:
        raise InvalidImageError(
            f"'{name}' is a deflated DICOM file whose compressed data is damaged; export it again from the scanner "
            f"(uncompressed) and upload the complete file."
        ) from None
    budget.add_bytes(size - len(rest))


def _convert_all(ds: Dataset, depth: int = 0) -> None:
    """Convert every element of ``ds`` (and of its sequence items) from its raw bytes now, so that a value pydicom
    cannot read raises here, at the parse boundary, rather than in a later step."""
    if depth > 16:
        raise ValueError("sequences nested too deeply")
    for elem in ds:  # iterating converts each raw element
        if elem.VR == "SQ":
            for item in elem.value:
                _convert_all(item, depth + 1)


def _n_frames(ds: Dataset) -> int:
    try:
        return max(1, int(ds.get("NumberOfFrames", 1) or 1))
    except (TypeError, ValueError):
        return 1


@dataclass
class _Frame:
    name: str
    ds: Dataset
    index: int | None
    n_frames_in_file: int
    echo_time: float | None
    slice_loc: float | None
    component: str | None
    component_source: str
    rows: int
    cols: int
    spacing: tuple[float, float]
    slope: float
    intercept: float
    series_uid: str
    sop_uid: str
    inversion_time: float | None


def _float(v: Any) -> float | None:
    if v is None or v == "":
        return None
    if isinstance(v, (list, tuple)) or type(v).__name__ == "MultiValue":
        if len(v) == 0:
            return None
        v = v[0]
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


def _fg(ds: Dataset, index: int | None, seq: str, attr: str) -> Any:
    """Attribute from the per-frame functional group of frame ``index``, else the shared group, else None."""
    places = []
    if index is not None:
        pf = ds.get("PerFrameFunctionalGroupsSequence")
        if pf is not None and index < len(pf):
            places.append(pf[index])
    sh = ds.get("SharedFunctionalGroupsSequence")
    if sh:
        places.append(sh[0])
    for item in places:
        s = item.get(seq)
        if s:
            v = s[0].get(attr)
            if v is not None and v != "":
                return v
    return None


def _int_attr(name: str, ds: Dataset, keyword: str, label: str, default: int) -> int:
    """A whole-number header value (US/IS, one value); a missing or empty one is ``default``."""
    v = ds.get(keyword)
    if v is None or v == "":
        return default
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return int(v)
    try:
        f = float(str(v))
    except (TypeError, ValueError):
        f = math.nan
    if not math.isfinite(f) or f != int(f):
        shown = "several values" if type(v).__name__ == "MultiValue" or isinstance(v, (list, tuple)) else repr(v)
        raise InvalidImageError(
            f"'{name}' has an invalid {label} ({shown}); expected one whole number. Export the image again from "
            f"the scanner."
        )
    return int(f)


def _finite_attr(name: str, where: Any, keyword: str, label: str) -> float | None:
    """A number that, when present, must be finite (Rescale Slope, RWVM Slope, ...); None when absent or empty."""
    v = where.get(keyword) if where is not None else None
    if v is None or v == "" or (type(v).__name__ == "MultiValue" and len(v) == 0):
        return None
    raw = v[0] if type(v).__name__ == "MultiValue" or isinstance(v, (list, tuple)) else v
    try:
        f = float(raw)
    except (TypeError, ValueError):
        f = math.nan
    if not math.isfinite(f):
        raise InvalidImageError(
            f"'{name}' has an invalid {label} ({str(raw)[:40]!r}); expected a finite number. Export the image again "
            f"from the scanner."
        )
    return f


def _check_pixel_bytes(name: str, ds: Dataset, n: int, rows: int, cols: int, budget: _Budget) -> None:
    """Declared frames x rows x columns x bits/8 (Samples per Pixel is 1: colour was refused before) against the
    bytes present (native transfer syntaxes) or against the upload's byte budget (compressed ones: the decoded
    size), before any frame is described or decoded."""
    key = next(k for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData") if k in ds)
    bits = {"FloatPixelData": 32, "DoubleFloatPixelData": 64}.get(key) or _int_attr(
        name, ds, "BitsAllocated", "Bits Allocated", 16
    )
    if bits not in (1, 8, 16, 32, 64):
        raise InvalidImageError(
            f"'{name}' declares {bits} bits per pixel; expected 8, 16, 32 or 64 (a greyscale MR image)."
        )
    need = (n * rows * cols * bits + 7) // 8
    ts = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
    value = ds[key].value
    if bool(getattr(ts, "is_encapsulated", False)) or ds[key].is_undefined_length:
        budget.add_decoded(need, name)
        return
    have = len(value or b"")
    if have < need:
        what = f"{rows} x {cols} pixels" + (f" in {n} frames" if n > 1 else "")
        raise InvalidImageError(
            f"'{name}' is truncated: its pixel data holds {have} of the {need} bytes that {what} need; upload the "
            f"complete file."
        )


def _frames_of(name: str, ds: Dataset, budget: _Budget) -> list[_Frame]:
    """Validate one dataset and describe each of its frames (one for a single-frame file)."""
    if not any(k in ds for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
        sop = ds.get("SOPClassUID")
        what = getattr(sop, "name", None) or str(sop or "")
        if not what:  # no SOP class either: most likely a file cut short before its image
            raise InvalidImageError(
                f"'{name}' is a DICOM file without pixel data, probably cut short; upload the complete image file "
                f"(an MR image with Pixel Data)."
            )
        raise InvalidImageError(
            f"'{name}' is a DICOM file without pixel data ({what}); upload the image itself (an MR image with "
            f"Pixel Data)."
        )
    if str(ds.get("BurnedInAnnotation", "") or "").strip().upper() == "YES":
        raise InvalidImageError(
            f"'{name}': this image has text burned into its pixels (Burned In Annotation = YES), which may identify "
            f"the patient; export it without annotations."
        )
    spp = _int_attr(name, ds, "SamplesPerPixel", "Samples per Pixel", 1)
    photometric = str(ds.get("PhotometricInterpretation", "") or "")
    if spp != 1 or photometric.startswith(("RGB", "YBR", "HSV", "ARGB", "CMYK")):
        raise InvalidImageError(
            f"'{name}' is a colour image ({photometric or 'colour'}, {spp} samples per pixel), e.g. a screenshot or "
            f"secondary capture; upload the original greyscale scanner image."
        )
    rows = _int_attr(name, ds, "Rows", "number of Rows", 0)
    cols = _int_attr(name, ds, "Columns", "number of Columns", 0)
    lo, hi = MATRIX_RANGE
    if not (lo <= rows <= hi and lo <= cols <= hi):
        raise InvalidImageError(
            f"'{name}' has an image of {rows} x {cols} pixels; expected an MR image of {lo} to {hi} rows and columns."
        )
    n = max(1, _int_attr(name, ds, "NumberOfFrames", "Number of Frames", 1))
    budget.add_frames(n, name)
    _check_pixel_bytes(name, ds, n, rows, cols, budget)
    te_raw = ds.get("EchoTime")
    if te_raw not in (None, "") and _float(te_raw) is None:
        raise InvalidImageError(
            f"'{name}' has an Echo Time of {str(te_raw)[:40]!r}, which is not a number; expected the echo time in ms "
            f"(e.g. 2.3). Export the image again from the scanner."
        )
    base_slope = _finite_attr(name, ds, "RescaleSlope", "Rescale Slope")
    base_intercept = _finite_attr(name, ds, "RescaleIntercept", "Rescale Intercept")
    for item in _rwvm_items(ds):
        for kw, label in (
            ("RealWorldValueSlope", "Real World Value Slope"),
            ("RealWorldValueIntercept", "Real World Value Intercept"),
            ("RealWorldValueFirstValueMapped", "Real World Value First Value Mapped"),
        ):
            _finite_attr(name, item, kw, label)
        lut = item.get("RealWorldValueLUTData")
        if lut is not None and len(lut) > 0 and not np.all(np.isfinite(np.asarray(lut, dtype=np.float64))):
            raise InvalidImageError(
                f"'{name}' has a Real World Value lookup table with values that are not finite numbers; export the "
                f"map again from the scanner."
            )
    series_uid = str(ds.get("SeriesInstanceUID", "") or "")
    sop_uid = str(ds.get("SOPInstanceUID", "") or "")
    frames = []
    for i in range(n):
        idx = i if n > 1 or "PerFrameFunctionalGroupsSequence" in ds else None
        spacing = _spacing(name, ds, idx)
        te = _float(ds.get("EchoTime"))
        if idx is not None:
            te_fg = _float(_fg(ds, idx, "MREchoSequence", "EffectiveEchoTime"))
            te = te_fg if te_fg is not None else _per_frame_plain(ds, idx, "EchoTime", te)
        comp, comp_src = _component(ds, idx)
        slope, intercept = base_slope, base_intercept
        if idx is not None:
            slope = _frame_finite(name, ds, idx, "RescaleSlope", "Rescale Slope") or slope
            icpt = _frame_finite(name, ds, idx, "RescaleIntercept", "Rescale Intercept")
            intercept = icpt if icpt is not None else intercept
        frames.append(
            _Frame(
                name=name,
                ds=ds,
                index=i if n > 1 else None,
                n_frames_in_file=n,
                echo_time=te,
                slice_loc=_slice_location(ds, idx),
                component=comp,
                component_source=comp_src,
                rows=rows,
                cols=cols,
                spacing=spacing,
                slope=slope if slope not in (None, 0.0) else 1.0,
                intercept=intercept if intercept is not None else 0.0,
                series_uid=series_uid,
                sop_uid=sop_uid,
                inversion_time=_float(ds.get("InversionTime")),
            )
        )
    return frames


def _frame_finite(name: str, ds: Dataset, idx: int, keyword: str, label: str) -> float | None:
    v = _fg(ds, idx, "PixelValueTransformationSequence", keyword)
    holder = Dataset()
    if v is not None:
        setattr(holder, keyword, v)
    return _finite_attr(name, holder, keyword, label)


def _per_frame_plain(ds: Dataset, idx: int, keyword: str, default: float | None) -> float | None:
    """A plain attribute (e.g. EchoTime) placed directly in, or one sequence below, a per-frame item."""
    pf = ds.get("PerFrameFunctionalGroupsSequence")
    if pf is None or idx >= len(pf):
        return default
    item = pf[idx]
    v = _float(item.get(keyword))
    if v is not None:
        return v
    for elem in item:
        if elem.VR == "SQ" and elem.value:
            v = _float(elem.value[0].get(keyword))
            if v is not None:
                return v
    return default


def _spacing(name: str, ds: Dataset, idx: int | None) -> tuple[float, float]:
    raw = ds.get("PixelSpacing")
    if raw is None and idx is not None:
        raw = _fg(ds, idx, "PixelMeasuresSequence", "PixelSpacing")
    if raw is None or raw == "":
        raise InvalidImageError(
            f"'{name}' has no Pixel Spacing (0028,0030), so distances cannot be measured in mm; upload the original "
            f"scanner image, not a screenshot or secondary capture."
        )
    try:
        vals = [float(v) for v in (raw if not isinstance(raw, (str, bytes)) else str(raw).split("\\"))]
    except (TypeError, ValueError):
        vals = []
    if len(vals) != 2 or not all(np.isfinite(v) and v > 0 for v in vals):
        raise InvalidImageError(
            f"'{name}' has an invalid Pixel Spacing {_shown(raw)}; expected two positive numbers in mm (row, column)."
        )
    lo, hi = PIXEL_SPACING_RANGE_MM
    if not all(lo <= v <= hi for v in vals):
        raise InvalidImageError(
            f"'{name}' has a Pixel Spacing of {vals[0]:g} x {vals[1]:g} mm, outside the {lo:g} to {hi:g} mm per pixel "
            f"of an MR image; the value is damaged or in the wrong unit. Export the image again from the scanner."
        )
    return (vals[0], vals[1])


def _shown(raw: Any) -> str:
    """A header value as a user reads it: ``1.2\\1.2`` rather than pydicom's ``[1.2, 1.2]``, at most 40 characters."""
    if type(raw).__name__ == "MultiValue" or isinstance(raw, (list, tuple)):
        text = "\\".join(str(v) for v in raw)
    else:
        text = str(raw)
    return repr(text[:40])


def _slice_location(ds: Dataset, idx: int | None) -> float | None:
    """Slice position in mm: a frame's Plane Position projected on the slice normal (enhanced files), else Slice
    Location, else the Image Position (Patient) projected on the normal, else None."""
    if idx is not None:
        iop = _fg(ds, idx, "PlaneOrientationSequence", "ImageOrientationPatient") or ds.get("ImageOrientationPatient")
        v = _project(_fg(ds, idx, "PlanePositionSequence", "ImagePositionPatient"), iop)
        if v is not None:
            return v
    sl = _float(ds.get("SliceLocation"))
    if sl is not None:
        return sl
    return _project(ds.get("ImagePositionPatient"), ds.get("ImageOrientationPatient"))


def _project(ipp: Any, iop: Any) -> float | None:
    try:
        p = np.asarray([float(v) for v in ipp], dtype=float)
        o = np.asarray([float(v) for v in iop], dtype=float)
    except (TypeError, ValueError):
        return None
    if p.shape != (3,) or o.shape != (6,):
        return None
    normal = np.cross(o[:3], o[3:])
    norm = np.linalg.norm(normal)
    return float(p @ normal / norm) if norm > 0 else None


def _ge_image_type(ds: Dataset) -> int | None:
    """GE private (0043,102F) "Image Type": 0 magnitude, 1 phase, 2 real, 3 imaginary; None when absent/unreadable."""
    elem = None
    try:
        elem = ds.get_private_item(0x0043, 0x2F, "GEMS_PARM_01")
    except (KeyError, ValueError):
        elem = None
    if elem is None and (0x0043, 0x102F) in ds:
        elem = ds[0x0043, 0x102F]
    if elem is None:
        return None
    v = elem.value
    if isinstance(v, (list, tuple)) or type(v).__name__ == "MultiValue":
        v = v[0] if len(v) else None
    if isinstance(v, (bytes, bytearray)):
        b = bytes(v)
        if len(b) in (2, 4) and not b.strip(b"\x00 ").isdigit():
            return int.from_bytes(b[:2], "little", signed=True)
        v = b.decode("ascii", "ignore").strip("\x00 ")
    try:
        return int(str(v).strip()) if not isinstance(v, (int, np.integer)) else int(v)
    except (TypeError, ValueError):
        return None


def _component(ds: Dataset, idx: int | None) -> tuple[str | None, str]:
    """(``"magnitude"``/``"phase"``/``"real"``/``"imaginary"`` or None when unknown, where that came from)."""
    ge = _ge_image_type(ds)
    if ge is not None:
        return _GE_COMPONENT.get(ge, f"GE type {ge}"), f"GE private tag (0043,102F) = {ge}"
    if idx is not None:
        cc = _fg(ds, idx, "MRImageFrameTypeSequence", "ComplexImageComponent")
        if cc:
            c = str(cc).upper()
            comp = {"MAGNITUDE": "magnitude", "PHASE": "phase", "REAL": "real", "IMAGINARY": "imaginary"}.get(c)
            if comp:
                return comp, f"Complex Image Component = {c}"
    raw = ds.get("ImageType") or []
    it = [str(v).upper() for v in ([raw] if isinstance(raw, str) else raw)]
    src = "ImageType " + "\\".join(it)
    if any(v in ("M", "MAGNITUDE") for v in it):
        return "magnitude", src
    for tokens, comp in ((("P", "PHASE"), "phase"), (("R", "REAL"), "real"), (("I", "IMAGINARY"), "imaginary")):
        if any(v in tokens for v in it):
            return comp, src
    return None, src


# --------------------------------------------------------------------------------------------------------------
# Kind detection from text
# --------------------------------------------------------------------------------------------------------------
_T1_STRONG = re.compile(r"\bT1 ?MAPS?\b")
_T2_STRONG = re.compile(r"\bT2 ?MAPS?\b")
_T1_WEAK = re.compile(r"\b(?:SH)?MOLLI|\bSASHA\b|\bT1 ?MAPPING\b")
_T2_WEAK = re.compile(r"\bT2 ?MAPPING\b|\bT2 ?PREP")
_T2STAR_MAP = re.compile(r"\b[TR]2 ?(?:\*|STAR) ?MAPS?\b")


def _rwvm_items(ds: Dataset) -> list[Dataset]:
    seq = ds.get("RealWorldValueMappingSequence")
    if not seq:
        for grp in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
            g = ds.get(grp)
            if g and g[0].get("RealWorldValueMappingSequence"):
                seq = g[0].RealWorldValueMappingSequence
                break
    return list(seq or [])


def _rwvm_unit(item: Dataset) -> str:
    mu = item.get("MeasurementUnitsCodeSequence")
    if mu:
        return str(mu[0].get("CodeValue", "") or "").strip()
    return ""


def _describe(ds: Dataset) -> str:
    parts = [str(ds.get("SeriesDescription", "") or "").strip(), str(ds.get("ImageComments", "") or "").strip()]
    return " / ".join(p for p in parts if p)


def _text_kind(ds: Dataset, name: str) -> str | None:
    """``"t1_map"``, ``"t2_map"``, ``"t2star_map"``, ``"ambiguous"`` or None (see the module docstring)."""
    it = ds.get("ImageType") or []
    it = [it] if isinstance(it, str) else list(it)
    texts = [
        "\\".join(str(v) for v in it),
        str(ds.get("SeriesDescription", "") or ""),
        str(ds.get("ImageComments", "") or ""),
    ]
    rwvm = _rwvm_items(ds)
    time_units = False
    for item in rwvm:
        texts += [str(item.get("LUTLabel", "") or ""), str(item.get("LUTExplanation", "") or "")]
        unit = _rwvm_unit(item)
        time_units |= unit in ("ms", "s")
    text = re.sub(r"[^A-Z0-9*]+", " ", " ".join(texts).upper())
    t1, t2 = bool(_T1_STRONG.search(text)), bool(_T2_STRONG.search(text))
    if t1 and t2:
        return "ambiguous"
    if t1:
        return "t1_map"
    if t2:
        return "t2_map"
    computed = (bool(it) and str(it[0]).upper() == "DERIVED") or time_units
    no_ti = not (_float(ds.get("InversionTime")) or 0.0) > 0
    if computed and no_ti:
        w1, w2 = bool(_T1_WEAK.search(text)), bool(_T2_WEAK.search(text))
        if w1 and not w2:
            return "t1_map"
        if w2 and not w1:
            return "t2_map"
    if _T2STAR_MAP.search(text):
        return "t2star_map"
    return None


# --------------------------------------------------------------------------------------------------------------
# Series structure
# --------------------------------------------------------------------------------------------------------------
def _check_one_series(frames: list[_Frame]) -> None:
    groups: dict[str, list[_Frame]] = {}
    for f in frames:
        groups.setdefault(f.series_uid, []).append(f)
    if len(groups) > 1:
        desc = "; ".join(
            f"{str(fs[0].ds.get('SeriesDescription', '') or 'no description')!r} (UID {uid or 'missing'}, "
            f"{len({x.name for x in fs})} file(s), e.g. '{fs[0].name}')"
            for uid, fs in groups.items()
        )
        raise InvalidImageError(f"The upload mixes {len(groups)} series: {desc}; upload the files of one series only.")


def _cluster(values: list[float], tol: float) -> list[float]:
    centres: list[float] = []
    for v in sorted(values):
        if not centres or abs(v - centres[-1]) > tol:
            centres.append(v)
    return centres


def _select_slice(frames: list[_Frame], slice_location: float | None) -> list[_Frame]:
    locs = [f.slice_loc for f in frames if f.slice_loc is not None]
    centres = _cluster(locs, _SLICE_TOL_MM)
    listing = ", ".join(f"{c:.2f}" for c in centres)
    if slice_location is None:
        if len(centres) > 1:
            raise InvalidImageError(
                f"The upload holds {len(centres)} slice locations ({listing} mm); upload the images of one slice "
                f"only (for a T2* series, the echoes of that one slice)."
            )
        return frames
    if not locs:
        return frames  # no position information: nothing to choose between
    kept = [f for f in frames if f.slice_loc is not None and abs(f.slice_loc - slice_location) <= _SLICE_TOL_MM]
    if not kept:
        raise InvalidImageError(
            f"No image lies at slice location {slice_location:g} mm; the upload has slice location(s) {listing} mm."
        )
    return kept


def _fmt_ms(v: float | None) -> str:
    return "none" if v is None else f"{v:g} ms"


def _refuse_multiframe(f: _Frame) -> None:
    raise InvalidImageError(
        f"'{f.name}' is a multi-frame file with {f.n_frames_in_file} frames but not a multi-echo series (one echo "
        f"time); upload a single-frame map or image, or a multi-echo T2* series."
    )


def _sort_echoes(frames: list[_Frame]) -> list[_Frame]:
    """Sort the images of one slice by echo time; refuse missing or duplicate echo times and mismatched grids."""
    missing = [f for f in frames if f.echo_time is None]
    tes = {round(f.echo_time, _TE_DECIMALS) for f in frames if f.echo_time is not None}
    if len(tes) <= 1 and len({id(f.ds) for f in frames}) == 1 and frames[0].n_frames_in_file > 1:
        _refuse_multiframe(frames[0])
    if len(tes) <= 1:
        names = ", ".join(f"'{f.name}'" + (f" frame {f.index + 1}" if f.index is not None else "") for f in frames[:3])
        more = f" and {len(frames) - 3} more" if len(frames) > 3 else ""
        tis = {f.inversion_time for f in frames if f.inversion_time}
        hint = (
            " (they differ in inversion time: these look like the raw images of a T1-mapping sequence; upload the "
            "scanner's T1 map)"
            if len(tis) > 1
            else ""
        )
        te = f"echo time {next(iter(tes)):g} ms" if tes else "no echo time"
        raise InvalidImageError(
            f"The upload holds {len(frames)} images of one slice with {te} ({names}{more}){hint}; upload one map or "
            f"image file, or a multi-echo series with one image per echo time."
        )
    if missing:
        raise InvalidImageError(
            f"'{missing[0].name}' has no Echo Time (0018,0081) but the other images of the series do; every echo of a "
            f"T2* series needs its echo time."
        )
    by_te: dict[float, list[_Frame]] = {}
    for f in frames:
        by_te.setdefault(round(f.echo_time, _TE_DECIMALS), []).append(f)  # type: ignore[arg-type]
    for echo_ms, fs in sorted(by_te.items()):
        if len(fs) > 1:
            names = ", ".join(f"'{f.name}'" for f in fs[:3])
            raise InvalidImageError(
                f"{len(fs)} images share the echo time {echo_ms:g} ms at one slice ({names}); a T2* series needs exactly "
                f"one image per echo time."
            )
    ordered = sorted(frames, key=lambda f: f.echo_time)  # type: ignore[arg-type, return-value]
    ref = ordered[0]
    for f in ordered[1:]:
        if (f.rows, f.cols) != (ref.rows, ref.cols) or not np.allclose(f.spacing, ref.spacing, rtol=1e-4, atol=1e-6):
            raise InvalidImageError(
                f"The echoes do not share one image grid: TE {ref.echo_time:g} ms is {ref.rows} x {ref.cols} pixels at "
                f"{ref.spacing[0]:g} x {ref.spacing[1]:g} mm but TE {f.echo_time:g} ms ('{f.name}') is {f.rows} x "
                f"{f.cols} pixels at {f.spacing[0]:g} x {f.spacing[1]:g} mm; all echoes must come from one acquisition."
            )
    return ordered


def _reconcile(kind: ImageKind | None, detected: ImageKind, frames: list[_Frame]) -> ImageKind:
    if kind is None or kind == detected:
        return detected
    what = (
        f"a {detected.label} of {len(frames)} echoes"
        if detected is ImageKind.T2STAR_SERIES
        else f"a single {detected.label} ('{frames[0].name}', echo time {_fmt_ms(frames[0].echo_time)})"
    )
    if kind is ImageKind.T2STAR_SERIES or detected is ImageKind.T2STAR_SERIES:
        raise InvalidImageError(f"Expected a {kind.label} but the upload is {what}.")
    if detected is ImageKind.MAGNITUDE or kind is ImageKind.MAGNITUDE:
        return kind  # an unlabelled image taken as the map the caller expects, or a map shown as an image
    raise InvalidImageError(
        f"Expected a {kind.label} but '{frames[0].name}' is labelled as a {detected.label} "
        f"({_describe(frames[0].ds)!r}); upload the {kind.label}."
    )


# --------------------------------------------------------------------------------------------------------------
# Pixels
# --------------------------------------------------------------------------------------------------------------
def _decoded(f: _Frame, cache: dict[int, np.ndarray]) -> np.ndarray:
    key = id(f.ds)
    if key not in cache:
        try:
            cache[key] = np.asarray(f.ds.pixel_array)
        except Exception:  # noqa: BLE001 -- pydicom and its decoder plugins raise anything on bad pixel data
            raise InvalidImageError(_undecodable(f)) from None
    arr = cache[key]
    if f.index is not None:
        if arr.ndim != 3 or f.index >= arr.shape[0]:
            raise InvalidImageError(
                f"'{f.name}' declares {f.n_frames_in_file} frames but its pixel data does not hold them."
            )
        arr = arr[f.index]
    if arr.shape != (f.rows, f.cols):
        raise InvalidImageError(
            f"'{f.name}' has pixel data of shape {arr.shape} but declares {f.rows} rows x {f.cols} columns."
        )
    return arr


def _undecodable(f: _Frame) -> str:
    """Why ``f``'s pixel data cannot be decoded, in the user's words (pydicom's text names its internals)."""
    ts = getattr(getattr(f.ds, "file_meta", None), "TransferSyntaxUID", None)
    compressed = bool(getattr(ts, "is_compressed", False))
    if not compressed and "PixelData" in f.ds:
        bits = int(f.ds.get("BitsAllocated", 16) or 16)
        need = f.rows * f.cols * f.n_frames_in_file * max(bits // 8, 1)
        have = len(f.ds.PixelData or b"")
        if have < need:
            frames = f" in {f.n_frames_in_file} frames" if f.n_frames_in_file > 1 else ""
            return (
                f"'{f.name}' is truncated: its pixel data holds {have} of the {need} bytes that {f.rows} x {f.cols} "
                f"pixels{frames} need; upload the complete file."
            )
    if compressed:
        ts_name = getattr(ts, "name", None) or str(ts)
        return (
            f"The pixel data of '{f.name}' is compressed ({ts_name}) in a way that cannot be decoded here; export "
            f"the images uncompressed (Explicit VR Little Endian)."
        )
    return (
        f"The pixel data of '{f.name}' cannot be decoded with the image size, bit depth and pixel format that the "
        f"file declares; export the image again from the scanner."
    )


def _map_values(f: _Frame, stored: np.ndarray) -> np.ndarray:
    """Stored values -> ms for a map: the RWVM item in ms/s (else the first), else Rescale Slope/Intercept."""
    items = _rwvm_items(f.ds)
    if items:
        item = next((i for i in items if _rwvm_unit(i) in ("ms", "s")), items[0])
        scale = 1000.0 if _rwvm_unit(item) == "s" else 1.0
        lut = item.get("RealWorldValueLUTData")
        if lut is not None and len(lut) > 0:
            table = np.asarray(lut, dtype=np.float64)
            first = _float(item.get("RealWorldValueFirstValueMapped")) or 0.0
            idx = np.clip(np.rint(stored - first).astype(np.int64), 0, len(table) - 1)
            return table[idx] * scale
        slope = _float(item.get("RealWorldValueSlope"))
        intercept = _float(item.get("RealWorldValueIntercept"))
        if slope is not None:
            return (stored * slope + (intercept or 0.0)) * scale
    return stored * f.slope + f.intercept


def _field_strength(ds: Dataset) -> float | None:
    b0 = _float(ds.get("MagneticFieldStrength"))
    if b0 is None or b0 <= 0:
        return None
    return b0 / 10000.0 if b0 > 100 else b0  # some files store gauss (15000 -> 1.5 T)


def _build(kind: ImageKind, frames: list[_Frame]) -> CMRImage:
    cache: dict[int, np.ndarray] = {}
    planes = []
    for f in frames:
        stored = _decoded(f, cache).astype(np.float64)
        if kind in (ImageKind.T1_MAP, ImageKind.T2_MAP):
            planes.append(_map_values(f, stored))
        else:
            planes.append(stored * f.slope + f.intercept)
    pixels = np.ascontiguousarray(planes[0] if kind is not ImageKind.T2STAR_SERIES else np.stack(planes))
    if not np.all(np.isfinite(pixels)):
        raise InvalidImageError(
            f"The pixel values of '{frames[0].name}' are not all finite numbers after its rescale or value mapping "
            f"(the slope is too large, or the stored values are damaged); export the image again from the scanner."
        )
    pixels.flags.writeable = False
    first = frames[0]
    sops = list(dict.fromkeys(f.sop_uid for f in frames))
    return CMRImage(
        pixels=pixels,
        pixel_spacing_mm=first.spacing,
        kind=kind,
        echo_times_ms=(tuple(float(f.echo_time or 0.0) for f in frames) if kind is ImageKind.T2STAR_SERIES else None),
        field_strength_t=_field_strength(first.ds),
        units="ms" if kind in (ImageKind.T1_MAP, ImageKind.T2_MAP) else "a.u.",
        manufacturer=str(first.ds.get("Manufacturer", "") or ""),
        description=_describe(first.ds),
        series_instance_uid=first.series_uid,
        sop_instance_uids=tuple(sops),
        slice_location_mm=first.slice_loc,
        source_names=tuple(dict.fromkeys(f.name for f in frames)),
    )


def image_to_bytes(image: CMRImage) -> bytes:
    """Serialise a loaded image to ``.npz`` bytes (pixels and geometry), so a stored upload is parsed once.

    Parameters
    ----------
    image : CMRImage

    Returns
    -------
    bytes
        A compressed NumPy archive without pickles.
    """
    import io
    import json as _json

    meta = {
        "pixel_spacing_mm": list(image.pixel_spacing_mm),
        "kind": image.kind.value,
        "echo_times_ms": list(image.echo_times_ms) if image.echo_times_ms else None,
        "field_strength_t": image.field_strength_t,
        "units": image.units,
        "manufacturer": image.manufacturer,
        "description": image.description,
        "series_instance_uid": image.series_instance_uid,
        "sop_instance_uids": list(image.sop_instance_uids),
        "slice_location_mm": image.slice_location_mm,
    }
    buf = io.BytesIO()
    np.savez_compressed(buf, pixels=np.asarray(image.pixels), meta=np.array(_json.dumps(meta)))
    return buf.getvalue()


def image_from_bytes(data: bytes) -> CMRImage:
    """Inverse of :func:`image_to_bytes`.

    Parameters
    ----------
    data : bytes

    Returns
    -------
    CMRImage
        With read-only pixels.
    """
    import io
    import json as _json

    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        pixels = np.array(z["pixels"])
        meta = _json.loads(str(z["meta"]))
    pixels.setflags(write=False)
    return CMRImage(
        pixels=pixels,
        pixel_spacing_mm=tuple(meta["pixel_spacing_mm"]),
        kind=ImageKind(meta["kind"]),
        echo_times_ms=tuple(meta["echo_times_ms"]) if meta["echo_times_ms"] else None,
        field_strength_t=meta["field_strength_t"],
        units=meta["units"],
        manufacturer=meta["manufacturer"],
        description=meta["description"],
        series_instance_uid=meta["series_instance_uid"],
        sop_instance_uids=tuple(meta["sop_instance_uids"]),
        slice_location_mm=meta["slice_location_mm"],
    )
