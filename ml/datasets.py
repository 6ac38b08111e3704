"""Training cases from the shared Sunnybrook folders, and synthetic T1 / T2 maps made from their real anatomy.

Three layouts (each folder's README gives source and licence):

* :func:`load_text_contour_layout`: ``link.csv`` (patient_id, original_id), ``dicoms/<patient_id>/<n>.dcm`` and
  ``contourfiles/<original_id>/{i,o}-contours/IM-0001-<nnnn>-{i,o}contour-manual.txt`` (the SCD text contours:
  ``x y`` per line, pixel coordinates, x = column). Used for ``scd-sunnybrook`` and ``scd-sunnybrook-more/sc-hf-i-6-fix``.
* :func:`load_png_layout`: ``scd-sunnybrook-more``: ``manifest.csv``, ``images/<patient>/<n>.png`` (8-bit, the DICOM
  frame min-max scaled), ``endo_masks/<patient>/<n>.png`` (the expert endocardium as a filled 0/255 mask) and the
  expert epicardium as SCD text contours on the end-diastolic frames. **No pixel spacing is stored**: the loader
  assumes :data:`ASSUMED_SPACING_MM` (the SCD DICOMs we hold have 1.29-1.37 mm; the README expects 1.25-1.4 mm).
* Frames with an endocardium only become *cavity-labelled* cases (``Case.labelled == "cavity"``): they teach where
  the cavity is (a loss masked to what is labelled, :func:`ml.data.build_samples`).

The SegNetCMR endocardial masks were made by setting pixel ``[int(y), int(x)]`` for each expert point and filling
the holes (scd-sunnybrook-more README). :func:`mask_to_endocardium` undoes that rasterisation's bias, calibrated on
expert polygons we hold as text (``tests/ml/test_datasets.py`` re-derives it on SC-HF-I-1).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from scipy import ndimage

from backend.cmr.contours import ContourSet, polygon_to_mask

from .data import Case

ASSUMED_SPACING_MM = 1.32
"""Pixel spacing assumed for the PNG frames of scd-sunnybrook-more (mid-range of the SCD DICOMs: 1.29-1.37 mm)."""
MASK_BIAS_PX = (0.5, 0.5)
"""``int()`` floors both coordinates, so a SegNetCMR mask sits half a pixel up-left of the expert polygon."""
MASK_DILATION_PX = 0.5
"""The boundary pixels are included, so the mask's iso-0.5 line lies about half a pixel outside the polygon."""

_TXT = re.compile(r"IM-0001-(\d{4})-([io])contour-manual\.txt$")


def read_text_contour(path: str | Path) -> np.ndarray:
    """An SCD text contour: ``x y`` per line (pixel coordinates, x = column), implicitly closed.

    Parameters
    ----------
    path : path

    Returns
    -------
    ndarray of float64, shape (N, 2)

    Raises
    ------
    ValueError
        Fewer than 3 points or not two columns.
    """
    pts = np.loadtxt(path, dtype=np.float64, ndmin=2)
    if pts.shape[1] != 2 or len(pts) < 3:
        raise ValueError(f"{path}: expected at least 3 lines of 'x y', got shape {pts.shape}")
    return pts


def mask_to_endocardium(mask: np.ndarray) -> np.ndarray | None:
    """The endocardial polygon of a SegNetCMR-style filled mask (boundary pixels included, floored coordinates).

    The mask's iso-0.5 line (marching squares) is shifted by :data:`MASK_BIAS_PX` and moved inward by
    :data:`MASK_DILATION_PX` along the normal, which undoes the rasterisation described in the module docstring.

    Parameters
    ----------
    mask : ndarray of bool, shape (rows, columns)

    Returns
    -------
    ndarray of float64, shape (N, 2), ``(x, y)`` pixel coordinates, or None when the mask is empty
    """
    from skimage import measure

    m = ndimage.binary_fill_holes(np.asarray(mask, bool))
    lab, n = ndimage.label(m)
    if n == 0:
        return None
    sizes = ndimage.sum(m, lab, range(1, n + 1))
    m = lab == (1 + int(np.argmax(sizes)))
    padded = np.pad(m.astype(float), 1)
    cs = measure.find_contours(padded, 0.5)
    if not cs:
        return None
    c = max(cs, key=len)[:, ::-1] - 1.0  # (row, col) -> (x, y), undo the pad
    c = c + np.asarray(MASK_BIAS_PX)
    centre = c.mean(axis=0)
    v = c - centre
    r = np.hypot(v[:, 0], v[:, 1])
    c = c - v / np.where(r == 0, 1, r)[:, None] * MASK_DILATION_PX
    return c[:-1] if np.allclose(c[0], c[-1]) else c


def load_text_contour_layout(folder: str | Path, *, patients: Iterable[str] | None = None) -> list[Case]:
    """Cases from DICOM frames with SCD text contours (``scd-sunnybrook``, ``sc-hf-i-6-fix``).

    Frames with both an i- and an o-contour give a myocardium case; frames with an i-contour only give a
    cavity-labelled case.

    Parameters
    ----------
    folder : path
        Holds ``link.csv``, ``dicoms/`` and ``contourfiles/``.
    patients : iterable of str, optional
        Original ids to keep (e.g. ``SC-HF-I-6``).

    Returns
    -------
    list of Case
        ``patient`` = the original id; pixel spacing from the DICOM.

    Raises
    ------
    FileNotFoundError
        ``link.csv`` or ``contourfiles/`` is missing.
    """
    from backend.cmr.dicom import load_image

    folder = Path(folder)
    link = folder / "link.csv"
    if not link.exists() or not (folder / "contourfiles").is_dir():
        raise FileNotFoundError(f"{folder}: expected link.csv, dicoms/ and contourfiles/ (the scd-sunnybrook layout)")
    keep = set(patients) if patients is not None else None
    cases: list[Case] = []
    for row in csv.DictReader(link.open()):
        pid, oid = row["patient_id"], row["original_id"]
        if keep is not None and oid not in keep:
            continue
        base = folder / "contourfiles" / oid
        found: dict[int, dict[str, Path]] = {}
        for p in base.glob("*-contours/*.txt"):
            m = _TXT.search(p.name)
            if m:
                found.setdefault(int(m[1]), {})[m[2]] = p
        for n in sorted(found):
            dcm = folder / "dicoms" / pid / f"{n}.dcm"
            if "i" not in found[n] or not dcm.exists():
                continue
            img = load_image(dcm)
            endo = read_text_contour(found[n]["i"])
            epi = read_text_contour(found[n]["o"]) if "o" in found[n] else None
            cases.append(
                Case(
                    frame=np.asarray(img.display_frame(), dtype=np.float64),
                    pixel_spacing_mm=img.pixel_spacing_mm,
                    experts=(ContourSet(endocardium=endo, epicardium=epi, source=f"scd text {oid} {n}"),),
                    patient=oid,
                    name=f"{oid} frame {n}",
                    source="sunnybrook",
                    labelled="myocardium" if epi is not None else "cavity",
                )
            )
    return cases


def load_png_layout(
    folder: str | Path,
    *,
    patients: Iterable[str] | None = None,
    pixel_spacing_mm: float = ASSUMED_SPACING_MM,
    cavity_frames: bool = True,
) -> list[Case]:
    """Cases from ``scd-sunnybrook-more`` (PNG frames, endocardial masks, epicardial text contours).

    Only the ``good`` subset of ``manifest.csv`` is read (``known_defect/`` is never used as truth).

    Parameters
    ----------
    folder : path
        Holds ``manifest.csv``, ``images/``, ``endo_masks/`` and ``contourfiles/``.
    patients : iterable of str, optional
        Case names to keep (``SC-HF-I-7`` style).
    pixel_spacing_mm : float
        The spacing assumed for every frame (none is stored), mm.
    cavity_frames : bool
        Also return the frames with an endocardium only (cavity-labelled).

    Returns
    -------
    list of Case

    Raises
    ------
    FileNotFoundError
        ``manifest.csv`` is missing.
    """
    from PIL import Image

    folder = Path(folder)
    manifest = folder / "manifest.csv"
    if not manifest.exists():
        raise FileNotFoundError(f"{manifest} not found: expected the scd-sunnybrook-more layout")
    keep = set(patients) if patients is not None else None
    cases: list[Case] = []
    for row in csv.DictReader(manifest.open()):
        if row["subset"] != "good" or (keep is not None and row["case"] not in keep):
            continue
        has_epi = bool(row["o_contour"])
        if not has_epi and not cavity_frames:
            continue
        frame = np.asarray(Image.open(folder / row["image"]).convert("L"), dtype=np.float64)
        mask = np.asarray(Image.open(folder / row["endo_mask"]).convert("L")) > 127
        endo = mask_to_endocardium(mask)
        if endo is None or len(endo) < 3:
            continue
        epi = read_text_contour(folder / row["o_contour"]) if has_epi else None
        cases.append(
            Case(
                frame=frame,
                pixel_spacing_mm=(pixel_spacing_mm, pixel_spacing_mm),
                experts=(
                    ContourSet(endocardium=endo, epicardium=epi, source=f"scd png {row['case']} {row['instance']}"),
                ),
                patient=row["case"],
                name=f"{row['case']} frame {row['instance']}",
                source="sunnybrook-png",
                labelled="myocardium" if has_epi else "cavity",
            )
        )
    return cases


# Native 1.5 T values (domain.md: median T1 about 1026 ms and T2 about 51 ms in myocardium; blood T1 1500-1700 ms).
_T1 = {"myocardium": (950.0, 1100.0), "blood": (1450.0, 1700.0), "fat": (250.0, 400.0), "other": (700.0, 1300.0)}
_T2 = {"myocardium": (45.0, 57.0), "blood": (150.0, 260.0), "fat": (60.0, 90.0), "other": (35.0, 70.0)}


def synthetic_map_from_anatomy(case: Case, kind: str, rng: np.random.Generator) -> Case:
    """A T1 or T2 map drawn from a real frame's anatomy: expert contours -> tissue classes -> relaxation times.

    The expert's myocardium and cavity get myocardial and blood values (1.5 T ranges of domain.md); outside the
    epicardium, the cine frame's own intensity decides the tissue (bright = blood pool or fat, dark = lung / air /
    muscle), with a smooth random field of values; then partial volume (Gaussian point-spread, sigma 0.5-0.9 px)
    and Gaussian noise (1.5-4 % of the myocardial value). The contours are unchanged.

    Parameters
    ----------
    case : Case
        A myocardium-labelled case (both walls).
    kind : {"t1_map", "t2_map"}
    rng : numpy Generator

    Returns
    -------
    Case
        Same contours and patient; ``frame`` in ms; ``source`` ``"synthetic-<kind>"``.

    Raises
    ------
    ValueError
        Unknown kind, or the case has no epicardium.
    """
    if kind not in ("t1_map", "t2_map"):
        raise ValueError(f"unknown map kind {kind!r}")
    cs = case.experts[0]
    if cs.endocardium is None or cs.epicardium is None:
        raise ValueError("a synthetic map needs both walls")
    table = _T1 if kind == "t1_map" else _T2
    shape = np.shape(case.frame)
    cav = polygon_to_mask(cs.endocardium, shape)
    myo = polygon_to_mask(cs.epicardium, shape) & ~cav
    f = np.asarray(case.frame, dtype=np.float64)
    lo, hi = np.percentile(f, (1, 99))
    f = np.clip((f - lo) / max(hi - lo, 1e-9), 0, 1)
    v = {k: rng.uniform(*r) for k, r in table.items()}
    smooth = ndimage.gaussian_filter(rng.normal(size=shape), 8)
    smooth = smooth / max(np.abs(smooth).max(), 1e-9)
    # Outside the heart: dark cine pixels -> "other" tissue (0 where there is no signal at all: lung, air), bright ->
    # blood or fat, chosen by a smooth random field (cine SSFP shows both bright).
    bright_is_blood = smooth > rng.uniform(-0.3, 0.3)
    bright_value = np.where(bright_is_blood, v["blood"], v["fat"])
    out = v["other"] * (1 + 0.15 * smooth) * np.clip(f * 3, 0, 1)
    out = np.where(f > 0.55, bright_value, out)
    out[myo] = v["myocardium"]
    out[cav] = v["blood"]
    out = ndimage.gaussian_filter(out, rng.uniform(0.5, 0.9))
    out = out + rng.normal(0, rng.uniform(0.015, 0.04) * v["myocardium"], shape)
    return Case(
        frame=np.clip(out, 0, None),
        pixel_spacing_mm=case.pixel_spacing_mm,
        experts=case.experts,
        patient=case.patient,
        name=f"{case.name} ({kind.replace('_', ' ')}, synthetic)",
        source=f"synthetic-{kind}",
        labelled=case.labelled,
    )


def shared_training_cases(
    shared: str | Path,
    *,
    exclude: Iterable[str] = (),
    synthetic_maps: bool = True,
    cavity_frames: bool = True,
    seed: int = 0,
) -> list[Case]:
    """Every usable Sunnybrook case of ``../shared/data`` (36 patients), plus synthetic maps of their anatomy.

    Parameters
    ----------
    shared : path
        The ``shared/data`` folder.
    exclude : iterable of str
        Patients (original ids) to leave out (held-out patients).
    synthetic_maps : bool
        Add one synthetic T1 or T2 map (alternating) per myocardium-labelled frame.
    cavity_frames : bool
        Include the endocardium-only frames.
    seed : int

    Returns
    -------
    list of Case
    """
    shared = Path(shared)
    skip = set(exclude)
    cases: list[Case] = []
    sb = shared / "scd-sunnybrook"
    if (sb / "contourfiles").is_dir():
        # SC-HF-I-6 in this folder has a misregistered epicardium (known_defect): the fixed copy replaces it.
        cases += [c for c in load_text_contour_layout(sb) if c.patient != "SC-HF-I-6"]
    fix = shared / "scd-sunnybrook-more" / "sc-hf-i-6-fix"
    if (fix / "contourfiles").is_dir():
        cases += load_text_contour_layout(fix)
    more = shared / "scd-sunnybrook-more"
    if (more / "manifest.csv").exists():
        cases += load_png_layout(more, cavity_frames=cavity_frames)
    cases = [c for c in cases if c.patient not in skip and (cavity_frames or c.labelled == "myocardium")]
    if synthetic_maps:
        rng = np.random.default_rng(seed)
        full = [c for c in cases if c.labelled == "myocardium"]
        cases += [synthetic_map_from_anatomy(c, ("t1_map", "t2_map")[i % 2], rng) for i, c in enumerate(full)]
    return cases
