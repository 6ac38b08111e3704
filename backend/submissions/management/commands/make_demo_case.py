"""``python manage.py make_demo_case --out DIR``: a synthetic T1-map case to try MyoQA on.

Writes ``t1map.dcm`` (a MOLLI-like native T1 map at 1.5 T with realistic headers, fully synthetic), the consensus
contours ``consensus.sav`` (IDL SAV, a ``CONTOURS`` structure) and a trainee's attempt ``trainee.sav`` (IDL SAV,
``ENDO_X/ENDO_Y/EPI_X/EPI_Y`` vectors) whose epicardium strays outward by about 2 pixels on the lateral wall
(epicardial fat included) and whose endocardium wobbles a little.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand

from backend.cmr.phantom import lv_phantom, t1_map_pixels, write_map_dicom
from backend.cmr.savwrite import write_sav


def trainee_attempt(
    endo: np.ndarray,
    epi: np.ndarray,
    centre: tuple[float, float],
    *,
    seed: int = 7,
    epi_out_px: float = 2.0,
    noise_px: float = 0.3,
) -> tuple[np.ndarray, np.ndarray]:
    """A plausible trainee error: epicardium pushed outward (most on the lateral wall), endocardium jittered.

    Parameters
    ----------
    endo, epi : ndarray, shape (N, 2)
        Consensus polygons, ``(x, y)`` pixels.
    centre : (x, y)
    seed : int
    epi_out_px : float
        Largest radial outward offset of the epicardium, pixels.
    noise_px : float
        SD of a smooth radial jitter of the endocardium, pixels.

    Returns
    -------
    (endo, epi) : ndarrays, shape (N, 2)
    """
    rng = np.random.default_rng(seed)
    c = np.asarray(centre)

    def radial(p: np.ndarray, offset: np.ndarray) -> np.ndarray:
        v = p - c
        r = np.hypot(v[:, 0], v[:, 1])
        return c + v * ((r + offset) / r)[:, None]

    ang = np.arctan2(-(epi[:, 1] - c[1]), epi[:, 0] - c[0])
    epi_t = radial(epi, epi_out_px * 0.5 * (1 + np.cos(ang)))  # lateral wall (3 o'clock) most
    t = np.linspace(0, 2 * np.pi, len(endo), endpoint=False)
    wobble = np.sum([rng.normal(0, noise_px) * np.cos(k * t + rng.uniform(0, 2 * np.pi)) for k in range(2, 6)], axis=0)
    return radial(endo, wobble), epi_t


class Command(BaseCommand):
    help = "Write a synthetic T1-map case (DICOM + consensus and trainee IDL SAV contours) to try MyoQA on."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", default="var/demo", help="output folder (created)")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **opt) -> None:
        out = Path(opt["out"])
        out.mkdir(parents=True, exist_ok=True)
        ph = lv_phantom(seed=opt["seed"])
        write_map_dicom(out / "t1map.dcm", t1_map_pixels(ph, seed=opt["seed"]), ph, quantity="t1")
        write_sav(
            out / "consensus.sav",
            {"CONTOURS": {"ENDO": ph.endocardium.astype(np.float32), "EPI": ph.epicardium.astype(np.float32)}},
        )
        endo_t, epi_t = trainee_attempt(ph.endocardium, ph.epicardium, ph.centre, seed=opt["seed"] + 6)
        write_sav(
            out / "trainee.sav",
            {
                "ENDO_X": endo_t[:, 0].astype(np.float32),
                "ENDO_Y": endo_t[:, 1].astype(np.float32),
                "EPI_X": epi_t[:, 0].astype(np.float32),
                "EPI_Y": epi_t[:, 1].astype(np.float32),
            },
        )
        self.stdout.write(f"Demo case written to {out}/: t1map.dcm, consensus.sav, trainee.sav")
