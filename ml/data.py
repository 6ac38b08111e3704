"""Training samples for the consensus CNN: real cases with expert contours, synthetic phantoms, simulated trainees.

A :class:`Case` is one image with one or more experts' contour sets and the patient it belongs to (folds are split
by patient, never by frame). Each training sample is built from a case by drawing a *trainee-like* contour for the
4th channel (:func:`simulate_trainee`): an expert's own contour or one with a simulated error of a known kind, and
the target is the experts' consensus (strict majority vote on the input grid, :func:`backend.cmr.consensus.majority_vote`).

Error kinds (the first five are those of ``../shared/data/scd-sunnybrook-sav/cases.csv``; amplitudes in image
pixels, as there):

=============  ==========================================================================================
``exact``      the expert's contour itself
``shift``      both walls translated by (dx, dy), 1.5-3 px
``epi_out``    the epicardium moved radially outward by 1.5-3 px (epicardial fat included)
``endo_in``    the endocardium moved radially inward by 1.5-3 px (trabeculae included)
``rough``      Gaussian noise of 0.5-1 px on every point (after resampling at 1 px)
``trabeculae`` the endocardium pulled inward by 2-4 px over one 60-120 degree arc (missed trabeculae)
``warp``       a smooth random (elastic) displacement of both walls, up to 2-3 px
=============  ==========================================================================================
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from backend.cmr.consensus import majority_vote
from backend.cmr.contours import ContourSet, resample_contour, validate_contour_set, wall_contours
from backend.cmr.errors import CMRError

from .preprocess import Geometry, coverage, model_input, ring_fine

ERROR_KINDS = ("exact", "shift", "epi_out", "endo_in", "rough", "trabeculae", "warp")
SAV_NAME = re.compile(r"^(?P<case>.+)-(?P<instance>\d{3,})\.sav$", re.IGNORECASE)


@dataclass(frozen=True)
class Case:
    """One image with its experts' contours.

    Attributes
    ----------
    frame : ndarray, shape (rows, columns)
        The display frame (any units).
    pixel_spacing_mm : (dy, dx), mm
    experts : tuple of ContourSet
        One or more experts' contours (polygons or masks).
    patient : str
        Patient identifier; folds never split a patient.
    name : str
        Case label (e.g. ``SC-HF-I-1 frame 59``).
    source : str
        ``"sunnybrook"``, ``"phantom"``, ``"app"`` ...
    consensus : ContourSet, optional
        The experts' consensus when it is given (a gold standard); default the majority vote of ``experts``.
    """

    frame: np.ndarray
    pixel_spacing_mm: tuple[float, float]
    experts: tuple[ContourSet, ...]
    patient: str
    name: str
    source: str = ""
    consensus: ContourSet | None = None

    def targets(self) -> tuple[ContourSet, ...]:
        """The contour sets whose majority vote is the training target."""
        return (self.consensus,) if self.consensus is not None else self.experts


@dataclass
class Samples:
    """Arrays of training samples.

    Attributes
    ----------
    x : ndarray of float32, shape (n, 224, 224, 4)
    y : ndarray of float32, shape (n, 224, 224), the consensus myocardium (0/1)
    patient : ndarray of str, shape (n,)
    case : ndarray of int, shape (n,), index of the source case
    kind : ndarray of str, shape (n,), the simulated error kind of the 4th channel
    geometry : list of Geometry, one per sample
    """

    x: np.ndarray
    y: np.ndarray
    patient: np.ndarray
    case: np.ndarray
    kind: np.ndarray
    geometry: list = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def subset(self, idx: np.ndarray) -> Samples:
        """The samples at ``idx`` (an index or boolean array)."""
        idx = np.asarray(idx)
        if idx.dtype == bool:
            idx = np.nonzero(idx)[0]
        return Samples(
            self.x[idx], self.y[idx], self.patient[idx], self.case[idx], self.kind[idx], [self.geometry[i] for i in idx]
        )


# ------------------------------------------------------------------------------------------------------------------
# Loading cases
# ------------------------------------------------------------------------------------------------------------------
def load_sunnybrook_layout(
    images_dir: str | Path, contours_dir: str | Path | None = None, *, patients: Iterable[str] | None = None
) -> list[Case]:
    """Cases from a folder in the layout of ``../shared/data/scd-sunnybrook`` and its ``-sav`` sibling.

    Layout::

        IMAGES/link.csv                 patient_id,original_id   (e.g. SCD0000101,SC-HF-I-1)
        IMAGES/dicoms/<patient_id>/<instance>.dcm
        CONTOURS/expert/<original_id>-<instance, 3 digits>.sav    (one expert per frame)

    Parameters
    ----------
    images_dir : path
        The DICOM folder (with ``link.csv``).
    contours_dir : path, optional
        The SAV folder; default ``images_dir`` + ``-sav``.
    patients : iterable of str, optional
        Keep only these original ids (e.g. ``["SC-HF-I-1"]``).

    Returns
    -------
    list of Case
        Sorted by name; patient = the original id.

    Raises
    ------
    FileNotFoundError
        A folder or ``link.csv`` is missing, or no expert SAV file matches a DICOM.
    """
    from backend.cmr.dicom import load_image
    from backend.cmr.sav import read_contours

    images_dir = Path(images_dir)
    contours_dir = Path(contours_dir) if contours_dir else images_dir.with_name(images_dir.name + "-sav")
    link = images_dir / "link.csv"
    if not link.exists():
        raise FileNotFoundError(f"{link} not found: expected link.csv (patient_id,original_id) in {images_dir}")
    if not (contours_dir / "expert").is_dir():
        raise FileNotFoundError(f"{contours_dir / 'expert'} not found: expected expert/<case>-<nnn>.sav")
    ids = {r["original_id"]: r["patient_id"] for r in csv.DictReader(link.open())}
    keep = set(patients) if patients is not None else None
    cases = []
    for sav in sorted((contours_dir / "expert").glob("*.sav")):
        m = SAV_NAME.match(sav.name)
        if not m or (keep is not None and m["case"] not in keep) or m["case"] not in ids:
            continue
        dcm = images_dir / "dicoms" / ids[m["case"]] / f"{int(m['instance'])}.dcm"
        if not dcm.exists():
            continue
        img = load_image(dcm)
        cs = read_contours(sav, image_shape=img.shape)
        cases.append(
            Case(
                frame=np.asarray(img.display_frame()),
                pixel_spacing_mm=img.pixel_spacing_mm,
                experts=(cs,),
                patient=m["case"],
                name=f"{m['case']} frame {int(m['instance'])}",
                source="sunnybrook",
            )
        )
    if not cases:
        raise FileNotFoundError(
            f"no expert SAV in {contours_dir / 'expert'} matched a DICOM in {images_dir}"
            + (f" for patients {sorted(keep)}" if keep else "")
        )
    return cases


def phantom_cases(n: int, *, seed: int = 0) -> list[Case]:
    """Synthetic short-axis cases from :mod:`backend.cmr.phantom`: T1 maps, T2 maps and cine-like frames.

    Random LV size (endocardial radius 15-35 mm), wall (5-14 mm), eccentricity, position, pixel spacing
    (1.0-2.0 mm, sometimes anisotropic) and grid; tissue values around the 1.5 T references of domain.md. Each
    phantom is its own "patient".

    Parameters
    ----------
    n : int
        Number of cases.
    seed : int

    Returns
    -------
    list of Case
    """
    from backend.cmr import phantom as ph

    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        for _attempt in range(20):
            dy = float(rng.uniform(1.0, 2.0))
            dx = dy * float(rng.choice([1.0, 1.0, rng.uniform(0.85, 1.15)]))
            rows, cols = int(rng.choice([160, 192, 224, 256])), int(rng.choice([192, 224, 256, 288]))
            r = float(rng.uniform(15, 35))
            w = float(rng.uniform(5, 14))
            cx = cols / 2 + rng.uniform(-0.15, 0.15) * cols
            cy = rows / 2 + rng.uniform(-0.15, 0.15) * rows
            try:
                lv = ph.lv_phantom(
                    (rows, cols),
                    (dy, dx),
                    centre=(cx, cy),
                    endo_radius_mm=r,
                    wall_mm=w,
                    eccentricity=float(rng.uniform(0, 0.2)),
                    seed=int(rng.integers(1 << 30)),
                )
            except ValueError:
                continue
            break
        else:  # pragma: no cover - the ranges above always fit within 20 draws
            raise RuntimeError("could not place a phantom")
        s = int(rng.integers(1 << 30))
        kind = i % 3
        if kind == 0:
            frame = ph.t1_map_pixels(
                lv,
                t1_myocardium_ms=float(rng.uniform(900, 1150)),
                t1_blood_ms=float(rng.uniform(1450, 1700)),
                noise_sd_ms=float(rng.uniform(15, 60)),
                seed=s,
            )
        elif kind == 1:
            frame = ph.t2_map_pixels(lv, seed=s)
        else:
            frame = ph.cine_frame_pixels(lv, noise_sd=float(rng.uniform(5, 25)), seed=s)
        cs = ContourSet(endocardium=lv.endocardium, epicardium=lv.epicardium, source="phantom")
        out.append(
            Case(
                frame=frame,
                pixel_spacing_mm=(dy, dx),
                experts=(cs,),
                patient=f"phantom-{seed}-{i}",
                name=f"phantom {i}",
                source="phantom",
            )
        )
    return out


# ------------------------------------------------------------------------------------------------------------------
# Simulated trainees
# ------------------------------------------------------------------------------------------------------------------
def _radial(points: np.ndarray, centre: np.ndarray, delta: np.ndarray | float) -> np.ndarray:
    """Move each point along the ray from ``centre`` by ``delta`` pixels (scalar or one value per point)."""
    v = points - centre
    r = np.hypot(v[:, 0], v[:, 1])
    return points + v / np.where(r == 0, 1.0, r)[:, None] * np.asarray(delta, dtype=float).reshape(-1, 1)


def _smooth_field(rng: np.random.Generator, scale: float, n_waves: int = 3) -> Callable[[np.ndarray], np.ndarray]:
    """A random smooth 2-D displacement field: a sum of ``n_waves`` plane waves of wavelength ~ 2 pi ``scale``."""
    w = rng.normal(size=(n_waves, 2)) / scale
    phase = rng.uniform(0, 2 * np.pi, size=(2, n_waves))
    amp = rng.normal(size=(2, n_waves))

    def field(p: np.ndarray) -> np.ndarray:
        arg = p @ w.T
        return np.stack([np.sin(arg + phase[0]) @ amp[0], np.sin(arg + phase[1]) @ amp[1]], axis=1)

    return field


def simulate_trainee(
    expert: ContourSet, kind: str, rng: np.random.Generator, *, image_shape: tuple[int, int]
) -> ContourSet:
    """A trainee-like contour set: the expert's, with a simulated error of one kind (see the module docstring).

    Parameters
    ----------
    expert : ContourSet
        Polygons or masks (masks are traced first).
    kind : str
        One of :data:`ERROR_KINDS`.
    rng : numpy Generator
    image_shape : (rows, columns)

    Returns
    -------
    ContourSet
        Polygons in image pixel coordinates; ``source`` names the kind and its parameters.

    Raises
    ------
    ValueError
        Unknown kind, or the expert has no wall to perturb.
    """
    if kind not in ERROR_KINDS:
        raise ValueError(f"unknown error kind {kind!r}; choose one of {', '.join(ERROR_KINDS)}")
    endo, epi = wall_contours(expert, image_shape)
    if endo is None or epi is None:
        raise ValueError("the expert contour set has no endocardium or no epicardium")
    endo, epi = np.asarray(endo, float), np.asarray(epi, float)
    if kind == "exact":
        return ContourSet(endocardium=endo, epicardium=epi, source="simulated:exact")
    c = epi.mean(axis=0)
    if kind == "shift":
        a, ang = rng.uniform(1.5, 3.0), rng.uniform(0, 2 * np.pi)
        d = np.array([a * np.cos(ang), a * np.sin(ang)])
        return ContourSet(
            endocardium=endo + d, epicardium=epi + d, source=f"simulated:shift dx={d[0]:.2f} dy={d[1]:.2f}"
        )
    if kind == "epi_out":
        a = rng.uniform(1.5, 3.0)
        return ContourSet(endocardium=endo, epicardium=_radial(epi, c, a), source=f"simulated:epi_out {a:.2f}px")
    if kind == "endo_in":
        a = rng.uniform(1.5, 3.0)
        return ContourSet(endocardium=_radial(endo, c, -a), epicardium=epi, source=f"simulated:endo_in {a:.2f}px")
    if kind == "rough":
        s = rng.uniform(0.5, 1.0)
        e1, e2 = resample_contour(endo, 1.0), resample_contour(epi, 1.0)
        return ContourSet(
            endocardium=e1 + rng.normal(0, s, e1.shape),
            epicardium=e2 + rng.normal(0, s, e2.shape),
            source=f"simulated:rough sd={s:.2f}px",
        )
    if kind == "trabeculae":
        a, width = rng.uniform(2.0, 4.0), np.deg2rad(rng.uniform(60, 120))
        mid = rng.uniform(-np.pi, np.pi)
        e1 = resample_contour(endo, 1.0)
        th = np.arctan2(e1[:, 1] - c[1], e1[:, 0] - c[0])
        dist = np.angle(np.exp(1j * (th - mid)))
        bump = a * np.clip(np.cos(np.pi * dist / width), 0, None) * (np.abs(dist) < width / 2)
        return ContourSet(
            endocardium=_radial(e1, c, -bump),
            epicardium=epi,
            source=f"simulated:trabeculae {a:.2f}px over {np.rad2deg(width):.0f} deg",
        )
    # warp: one smooth random displacement field applied to both walls, scaled to a maximum of 2-3 px
    amp = rng.uniform(2.0, 3.0)
    field_at = _smooth_field(rng, scale=max(image_shape) / 4.0)
    d1, d2 = field_at(endo), field_at(epi)
    m = max(np.abs(d1).max(), np.abs(d2).max(), 1e-9)
    return ContourSet(
        endocardium=endo + d1 * amp / m, epicardium=epi + d2 * amp / m, source=f"simulated:warp {amp:.2f}px"
    )


def valid_trainee(
    expert: ContourSet, kind: str, rng: np.random.Generator, *, image_shape: tuple[int, int], tries: int = 5
) -> ContourSet | None:
    """A simulated trainee (:func:`simulate_trainee`) that passes the upload validation, or None after ``tries``.

    A large error on a thin wall can push the endocardium through the epicardium, which an upload would refuse;
    such draws are redrawn.
    """
    for _ in range(tries):
        t = simulate_trainee(expert, kind, rng, image_shape=image_shape)
        try:
            validate_contour_set(t, image_shape)
            return t
        except CMRError:
            continue
    return None


# ------------------------------------------------------------------------------------------------------------------
# Arrays
# ------------------------------------------------------------------------------------------------------------------
def _augment(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Intensity augmentation: a random gamma and a small linear change (the contours are unchanged)."""
    lo, hi = np.percentile(frame, (1, 99))
    f = np.clip((frame - lo) / max(hi - lo, 1e-9), 0, None)
    return f ** rng.uniform(0.7, 1.4) * rng.uniform(0.8, 1.2)


def build_samples(
    cases: Sequence[Case],
    *,
    variants: int = 8,
    kinds: Sequence[str] = ERROR_KINDS,
    seed: int = 0,
    augment: bool = True,
    flips: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Samples:
    """Training samples: for each case, ``variants`` trainee-like contours (cycling through ``kinds``).

    Parameters
    ----------
    cases : sequence of Case
    variants : int
        Samples per case (at least 1).
    kinds : sequence of str
        Error kinds to cycle through (see :data:`ERROR_KINDS`).
    seed : int
    augment : bool
        Random gamma / contrast on the image (never on the target).
    flips : bool
        Random left-right and up-down flips of input and target together (after preprocessing).
    progress : callable (done, total), optional

    Returns
    -------
    Samples

    Raises
    ------
    ValueError
        No cases, ``variants < 1`` or an unknown kind.
    """
    if not cases:
        raise ValueError("no cases to build samples from")
    if variants < 1:
        raise ValueError("variants must be at least 1")
    for k in kinds:
        if k not in ERROR_KINDS:
            raise ValueError(f"unknown error kind {k!r}")
    rng = np.random.default_rng(seed)
    xs, ys, pats, idxs, ks, geoms = [], [], [], [], [], []
    total = len(cases) * variants
    for ci, case in enumerate(cases):
        shape = np.shape(case.frame)
        for v in range(variants):
            kind = kinds[(ci + v) % len(kinds)]
            expert = case.experts[int(rng.integers(len(case.experts)))]
            trainee = valid_trainee(expert, kind, rng, image_shape=shape)
            if trainee is None:
                kind, trainee = "exact", simulate_trainee(expert, "exact", rng, image_shape=shape)
            frame = _augment(case.frame, rng) if augment else case.frame
            x, g = model_input(frame, trainee, pixel_spacing_mm=case.pixel_spacing_mm)
            y = consensus_target(case.targets(), g)
            if flips:
                if rng.random() < 0.5:
                    x, y = x[:, ::-1], y[:, ::-1]
                if rng.random() < 0.5:
                    x, y = x[::-1], y[::-1]
            xs.append(np.ascontiguousarray(x))
            ys.append(np.ascontiguousarray(y))
            pats.append(case.patient)
            idxs.append(ci)
            ks.append(kind)
            geoms.append(g)
            if progress:
                progress(len(xs), total)
    return Samples(
        np.stack(xs).astype(np.float32),
        np.stack(ys).astype(np.float32),
        np.array(pats),
        np.array(idxs),
        np.array(ks),
        geoms,
    )


def consensus_target(experts: Sequence[ContourSet], g: Geometry) -> np.ndarray:
    """The experts' consensus myocardium on the input grid: strict majority vote of their rings.

    The vote is taken on the supersampled grid (:func:`ml.preprocess.ring_fine`), then each input pixel gets the
    fraction it covers, like the trainee's channel.

    Parameters
    ----------
    experts : sequence of ContourSet
    g : Geometry

    Returns
    -------
    ndarray of float32, shape (224, 224), values in 0..1
    """
    return coverage(majority_vote([ring_fine(e, g) for e in experts]))


def patient_folds(patients: Sequence[str] | np.ndarray, k: int, *, seed: int = 0) -> list[np.ndarray]:
    """Split sample indices into ``k`` folds by patient (all samples of a patient in one fold).

    Patients are shuffled, then dealt to folds so that the folds' sample counts are as even as possible (largest
    patient first). Real patients and phantoms are dealt separately, so each fold gets its share of real data.

    Parameters
    ----------
    patients : sequence of str, one per sample
    k : int, at least 2
    seed : int

    Returns
    -------
    list of k index arrays (the validation indices of each fold)

    Raises
    ------
    ValueError
        ``k < 2`` or fewer patients than folds.
    """
    ids = np.asarray(patients)
    uniq, counts = np.unique(ids, return_counts=True)
    if k < 2:
        raise ValueError("cross-validation needs at least 2 folds")
    if len(uniq) < k:
        raise ValueError(f"{len(uniq)} patient(s) cannot be split into {k} folds")
    rng = np.random.default_rng(seed)
    load = np.zeros(k)
    members: list[list[str]] = [[] for _ in range(k)]
    for group in (lambda p: not p.startswith("phantom-"), lambda p: p.startswith("phantom-")):
        sel = [i for i, p in enumerate(uniq) if group(p)]
        rng.shuffle(sel)
        sel.sort(key=lambda i: -counts[i])
        for i in sel:
            f = int(np.argmin(load + 1e-6 * np.arange(k)))
            members[f].append(uniq[i])
            load[f] += counts[i]
    return [np.nonzero(np.isin(ids, m))[0] for m in members]
