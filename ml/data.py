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
    labelled : {"myocardium", "cavity"}
        ``"myocardium"``: both walls are given. ``"cavity"``: only the endocardium is (the epicardium is None); such a
        case teaches where the cavity is, through a loss masked to what is known (:func:`cavity_target`).
    """

    frame: np.ndarray
    pixel_spacing_mm: tuple[float, float]
    experts: tuple[ContourSet, ...]
    patient: str
    name: str
    source: str = ""
    consensus: ContourSet | None = None
    labelled: str = "myocardium"

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
    w : ndarray of float32, shape (n, 224, 224), optional
        Per-pixel loss weight (0 = not labelled); None = 1 everywhere.
    """

    x: np.ndarray
    y: np.ndarray
    patient: np.ndarray
    case: np.ndarray
    kind: np.ndarray
    geometry: list = field(default_factory=list)
    w: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def subset(self, idx: np.ndarray) -> Samples:
        """The samples at ``idx`` (an index or boolean array)."""
        idx = np.asarray(idx)
        if idx.dtype == bool:
            idx = np.nonzero(idx)[0]
        return Samples(
            self.x[idx],
            self.y[idx],
            self.patient[idx],
            self.case[idx],
            self.kind[idx],
            [self.geometry[i] for i in idx],
            None if self.w is None else self.w[idx],
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
    expert: ContourSet, kind: str, rng: np.random.Generator, *, image_shape: tuple[int, int], scale: float = 1.0
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
    scale : float
        Multiplies every amplitude (1 = the ranges of the table; training also draws large errors, up to 3x).

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
        a, ang = scale * rng.uniform(1.5, 3.0), rng.uniform(0, 2 * np.pi)
        d = np.array([a * np.cos(ang), a * np.sin(ang)])
        return ContourSet(
            endocardium=endo + d, epicardium=epi + d, source=f"simulated:shift dx={d[0]:.2f} dy={d[1]:.2f}"
        )
    if kind == "epi_out":
        a = scale * rng.uniform(1.5, 3.0)
        return ContourSet(endocardium=endo, epicardium=_radial(epi, c, a), source=f"simulated:epi_out {a:.2f}px")
    if kind == "endo_in":
        a = scale * rng.uniform(1.5, 3.0)
        return ContourSet(endocardium=_radial(endo, c, -a), epicardium=epi, source=f"simulated:endo_in {a:.2f}px")
    if kind == "rough":
        s = scale * rng.uniform(0.5, 1.0)
        e1, e2 = resample_contour(endo, 1.0), resample_contour(epi, 1.0)
        return ContourSet(
            endocardium=e1 + rng.normal(0, s, e1.shape),
            epicardium=e2 + rng.normal(0, s, e2.shape),
            source=f"simulated:rough sd={s:.2f}px",
        )
    if kind == "trabeculae":
        a, width = scale * rng.uniform(2.0, 4.0), np.deg2rad(rng.uniform(60, 120))
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
    amp = scale * rng.uniform(2.0, 3.0)
    field_at = _smooth_field(rng, scale=max(image_shape) / 4.0)
    d1, d2 = field_at(endo), field_at(epi)
    m = max(np.abs(d1).max(), np.abs(d2).max(), 1e-9)
    return ContourSet(
        endocardium=endo + d1 * amp / m, epicardium=epi + d2 * amp / m, source=f"simulated:warp {amp:.2f}px"
    )


def valid_trainee(
    expert: ContourSet,
    kind: str,
    rng: np.random.Generator,
    *,
    image_shape: tuple[int, int],
    tries: int = 5,
    scale: float = 1.0,
) -> ContourSet | None:
    """A simulated trainee (:func:`simulate_trainee`) that passes the upload validation, or None after ``tries``.

    A large error on a thin wall can push the endocardium through the epicardium, which an upload would refuse;
    such draws are redrawn.
    """
    for _ in range(tries):
        t = simulate_trainee(expert, kind, rng, image_shape=image_shape, scale=scale)
        try:
            validate_contour_set(t, image_shape)
            return t
        except CMRError:
            continue
    return None


# ------------------------------------------------------------------------------------------------------------------
# Arrays
# ------------------------------------------------------------------------------------------------------------------
HINT_EMPTY_P = 0.08
"""Training: fraction of samples whose 4th channel is empty (the model must find the myocardium from the image)."""
HINT_RANDOM_P = 0.12
"""Training: fraction whose 4th channel is an unrelated ring (random size and place near the heart)."""
HINT_LARGE_P = 0.4
"""Training: fraction of the simulated errors drawn 1.5-3x larger than the table's ranges."""
HINT_RESIZE_P = 0.3
"""Training: fraction of hints also scaled about their centre by 0.8-1.25 (a contour drawn too big or too small)."""
CAVITY_BAND_MM = 2.0
"""Cavity-labelled cases: the band just outside the endocardium taken as myocardium (an LV wall is thicker)."""
CAVITY_FAR_MM = 30.0
"""Cavity-labelled cases: pixels farther than this from the endocardium are taken as not LV myocardium."""


def _augment(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Intensity augmentation for MR (the contours are unchanged).

    Percentile normalisation, a random monotone tone curve (contrast changes such as the lower blood / myocardium
    ratio of a T1 or T2 map against cine SSFP), a gamma, a smooth multiplicative bias field (coil sensitivity) and
    Gaussian noise.
    """
    lo, hi = np.percentile(frame, (1, 99))
    f = np.clip((np.asarray(frame, float) - lo) / max(hi - lo, 1e-9), 0, 1.2)
    knots = np.linspace(0, 1, 5)
    values = np.sort(np.clip(knots + rng.normal(0, 0.08, 5), 0, 1))
    values[0], values[-1] = 0.0, 1.0
    f = np.interp(f, knots, values) + np.clip(f - 1, 0, None)
    f = f ** rng.uniform(0.6, 1.6)
    rows, cols = f.shape
    yy, xx = np.mgrid[0:rows, 0:cols].astype(float)
    bias = _smooth_field(rng, scale=max(rows, cols) / 2.0, n_waves=2)(np.column_stack([xx.ravel(), yy.ravel()]))
    f = f * np.exp(rng.uniform(0, 0.3) * np.tanh(bias[:, 0].reshape(rows, cols)))
    f = f + rng.normal(0, rng.uniform(0, 0.05), f.shape)
    return f * rng.uniform(0.8, 1.2)


def _geometric(
    frame: np.ndarray, sets: Sequence[ContourSet], rng: np.random.Generator
) -> tuple[np.ndarray, list[ContourSet]]:
    """Rotation (-45..45 degrees about the heart) and a smooth elastic warp (up to 2.5 px) of image and contours.

    The image is resampled (bilinear) at ``R (p - c) + c + d(p)``; each contour point is moved to the ``q`` that maps
    onto it (three fixed-point steps, exact to a few hundredths of a pixel for this smooth a field).
    """
    from scipy import ndimage

    shape = np.shape(frame)
    walls = [w for s in sets for w in (s.endocardium, s.epicardium) if w is not None]
    c = np.concatenate(walls).mean(axis=0) if walls else np.array([shape[1] / 2, shape[0] / 2])
    th = np.deg2rad(rng.uniform(-45, 45)) if rng.random() < 0.8 else 0.0
    rot = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    amp = rng.uniform(0, 2.5)
    field_at = _smooth_field(rng, scale=max(shape) / 6.0)
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]].astype(float)
    p = np.column_stack([xx.ravel(), yy.ravel()])
    d0 = field_at(p)
    norm = max(np.abs(d0).max(), 1e-9)

    def disp(q: np.ndarray) -> np.ndarray:
        return field_at(q) * amp / norm

    src = (p - c) @ rot.T + c + d0 * amp / norm
    out = ndimage.map_coordinates(
        np.asarray(frame, float), [src[:, 1], src[:, 0]], order=1, mode="constant", cval=0.0
    ).reshape(shape)

    def move(pts: np.ndarray | None) -> np.ndarray | None:
        if pts is None:
            return None
        q = (pts - c) @ rot + c
        for _ in range(3):
            q = (pts - c - disp(q)) @ rot + c
        return q

    moved = [ContourSet(endocardium=move(s.endocardium), epicardium=move(s.epicardium), source=s.source) for s in sets]
    return out, moved


def _ellipse(centre: np.ndarray, a: float, b: float, phi: float, n: int = 90) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    pts = np.column_stack([a * np.cos(t), b * np.sin(t)])
    rot = np.array([[np.cos(phi), -np.sin(phi)], [np.sin(phi), np.cos(phi)]])
    return pts @ rot.T + centre


def random_ring(centre_xy: np.ndarray, pixel_spacing_mm: tuple[float, float], rng: np.random.Generator) -> ContourSet:
    """An unrelated ring near the heart: a training hint that carries no information about the wall.

    Centre within 15 mm of ``centre_xy``; endocardial semi-axes 10-35 mm; wall 4-12 mm (image pixel coordinates).
    """
    px = float(np.mean(pixel_spacing_mm))
    ang = rng.uniform(0, 2 * np.pi)
    c = np.asarray(centre_xy, float) + rng.uniform(0, 15) / px * np.array([np.cos(ang), np.sin(ang)])
    a = rng.uniform(10, 35) / px
    b = a * rng.uniform(0.75, 1.0)
    w = rng.uniform(4, 12) / px
    phi = rng.uniform(0, np.pi)
    return ContourSet(endocardium=_ellipse(c, a, b, phi), epicardium=_ellipse(c, a + w, b + w, phi), source="random")


def _resize(cs: ContourSet, f: float) -> ContourSet:
    assert cs.endocardium is not None and cs.epicardium is not None  # simulated trainees are polygons
    c = cs.epicardium.mean(axis=0)
    return ContourSet(
        endocardium=(cs.endocardium - c) * f + c, epicardium=(cs.epicardium - c) * f + c, source=cs.source + " resized"
    )


def _with_epicardium(endo: np.ndarray, pixel_spacing_mm: tuple[float, float], rng: np.random.Generator) -> ContourSet:
    """A plausible epicardium for a cavity-only case (endocardium moved out by a 5-11 mm wall), for the hint."""
    px = float(np.mean(pixel_spacing_mm))
    c = endo.mean(axis=0)
    return ContourSet(endocardium=endo, epicardium=_radial(endo, c, rng.uniform(5, 11) / px), source="cavity+wall")


def cavity_target(endocardium: np.ndarray, g: Geometry) -> tuple[np.ndarray, np.ndarray]:
    """Target and weight on the input grid for a case labelled with the endocardium only.

    What is known: the cavity is not myocardium (target 0); a partly covered boundary pixel is myocardium for the
    part outside the endocardium (1 - covered fraction); the band up to :data:`CAVITY_BAND_MM` outside the
    endocardium is myocardium (an LV wall is thicker than that); pixels farther than :data:`CAVITY_FAR_MM` from the
    endocardium are not LV myocardium. Everything else has weight 0 (not labelled).

    Parameters
    ----------
    endocardium : ndarray, shape (N, 2)
        Image pixel coordinates.
    g : Geometry

    Returns
    -------
    y, w : ndarray of float32, shape (224, 224)
    """
    from scipy import ndimage

    from .preprocess import SUPERSAMPLE, fill_polygon

    k = SUPERSAMPLE
    fine_pts = (g.to_input(endocardium) + 0.5) * k - 0.5
    cov = coverage(fill_polygon(fine_pts, (g.size * k, g.size * k)))
    px_mm = g.fov_mm / g.size
    dist = ndimage.distance_transform_edt(cov < 0.5) * px_mm
    y = np.zeros(cov.shape, np.float32)
    w = np.zeros(cov.shape, np.float32)
    inside = cov >= 0.999
    w[inside] = 1
    edge = (cov > 0.001) & ~inside
    y[edge], w[edge] = 1 - cov[edge], 1
    band = (cov <= 0.001) & (dist <= CAVITY_BAND_MM)
    y[band], w[band] = 1, 1
    w[dist > CAVITY_FAR_MM] = 1
    return y, w


def build_samples(
    cases: Sequence[Case],
    *,
    variants: int = 8,
    kinds: Sequence[str] = ERROR_KINDS,
    seed: int = 0,
    augment: bool = True,
    flips: bool = True,
    heavy_hints: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Samples:
    """Training samples: for each case, ``variants`` trainee-like contours (cycling through ``kinds``).

    Parameters
    ----------
    cases : sequence of Case
        Myocardium-labelled and cavity-labelled cases (:attr:`Case.labelled`).
    variants : int
        Samples per case (at least 1).
    kinds : sequence of str
        Error kinds to cycle through (see :data:`ERROR_KINDS`).
    seed : int
    augment : bool
        Intensity augmentation of the image (:func:`_augment`) and, with ``heavy_hints``, rotation and an elastic
        warp of image and contours together (:func:`_geometric`).
    flips : bool
        Random left-right and up-down flips of input and target together (after preprocessing).
    heavy_hints : bool
        The training mix of the 4th channel, so that the model cannot learn to copy it: :data:`HINT_EMPTY_P` empty,
        :data:`HINT_RANDOM_P` unrelated rings, the rest simulated errors of which :data:`HINT_LARGE_P` are 1.5-3x
        larger than the table and :data:`HINT_RESIZE_P` also resized. Off: the table's errors only (evaluation).
    progress : callable (done, total), optional

    Returns
    -------
    Samples
        ``w`` holds the per-pixel loss weight (1 everywhere for myocardium-labelled cases).

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
    n = len(cases) * variants
    xs = np.zeros((n, 224, 224, 4), np.float32)
    ys = np.zeros((n, 224, 224), np.float32)
    ws = np.ones((n, 224, 224), np.float32)
    pats, idxs, ks, geoms = [], [], [], []
    i = 0
    for ci, case in enumerate(cases):
        shape = np.shape(case.frame)
        for v in range(variants):
            kind = kinds[(ci + v) % len(kinds)]
            expert = case.experts[int(rng.integers(len(case.experts)))]
            frame, targets = case.frame, list(case.targets())
            if heavy_hints and augment:
                frame, moved = _geometric(frame, [expert, *targets], rng)
                expert, targets = moved[0], moved[1:]
            endo = expert.endocardium
            if endo is None:
                raise ValueError(f"{case.name}: a training case needs an endocardial polygon")
            # A cavity-only case gets a plausible epicardium for the hint (its target stays the cavity).
            hint_base = _with_epicardium(endo, case.pixel_spacing_mm, rng) if case.labelled == "cavity" else expert
            mode = "kind"
            if heavy_hints:
                r = rng.random()
                mode = "empty" if r < HINT_EMPTY_P else "random" if r < HINT_EMPTY_P + HINT_RANDOM_P else "kind"
            scale = rng.uniform(1.5, 3.0) if heavy_hints and rng.random() < HINT_LARGE_P else 1.0
            trainee = None
            if mode == "kind":
                trainee = valid_trainee(hint_base, kind, rng, image_shape=shape, scale=scale)
                if trainee is not None and heavy_hints and rng.random() < HINT_RESIZE_P:
                    trainee = _resize(trainee, rng.uniform(0.8, 1.25))
                if trainee is None:
                    kind, trainee = "exact", simulate_trainee(hint_base, "exact", rng, image_shape=shape)
            elif mode == "random":
                centre = (hint_base.epicardium if hint_base.epicardium is not None else endo).mean(axis=0)
                kind, trainee = "random", random_ring(centre, case.pixel_spacing_mm, rng)
            else:
                kind = "empty"
                trainee = _resize(simulate_trainee(hint_base, "shift", rng, image_shape=shape), rng.uniform(0.8, 1.25))
            img = _augment(frame, rng) if augment else frame
            x, g = model_input(img, trainee, pixel_spacing_mm=case.pixel_spacing_mm)
            if mode == "empty":
                x[..., 3] = 0
            if case.labelled == "cavity":
                y, w = cavity_target(endo, g)
            else:
                y, w = consensus_target(targets, g), None
            if flips:
                if rng.random() < 0.5:
                    x, y = x[:, ::-1], y[:, ::-1]
                    w = w[:, ::-1] if w is not None else None
                if rng.random() < 0.5:
                    x, y = x[::-1], y[::-1]
                    w = w[::-1] if w is not None else None
            xs[i], ys[i] = x, y
            if w is not None:
                ws[i] = w
            pats.append(case.patient)
            idxs.append(ci)
            ks.append(kind)
            geoms.append(g)
            i += 1
            if progress:
                progress(i, n)
    return Samples(xs, ys, np.array(pats), np.array(idxs), np.array(ks), geoms, ws)


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
