"""Synthetic, plausible report data: for the tests, the benchmark and trying the layout without a database.

Numbers improve with the attempt on a case (Dice up, distances and deltas down), vary with a per-trainee skill,
and the myocardial T1 of a case is around 1026 ms (native T1 at 1.5 T, ``../shared/docs/domain.md``). Overlays are
small matplotlib drawings of two rings (trainee yellow, consensus blue dashed), not real images.
"""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import numpy as np

from backend.cmr.summary import DEFAULT_TOLERANCES as SUMMARY_TOLERANCES
from backend.cmr.summary import verdict_for

from .data import AccreditationRule, Attempt, CohortReportData, Tolerances, TraineeReportData

DEFAULT_TOLERANCES = Tolerances.for_quantity(SUMMARY_TOLERANCES, "t1_ms")
DEFAULT_RULE = AccreditationRule(last_n=3, min_cases=3)
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@lru_cache(maxsize=16)
def overlay_png(variant: int = 0, size_px: int = 240) -> bytes:
    """A small PNG that looks like a discrepancy overlay: a grey map with two rings offset by ``variant``.

    Parameters
    ----------
    variant : int
        Changes the trainee ring's offset and size (0..15 give different pictures).
    size_px : int
        Width and height of the PNG.

    Returns
    -------
    bytes
    """
    from matplotlib.figure import Figure

    rng = np.random.default_rng(variant)
    yy, xx = np.mgrid[0:96, 0:96]
    r = np.hypot(xx - 48, yy - 48)
    img = 1200 + 200 * np.exp(-r / 30) + rng.normal(0, 40, r.shape)
    img[(r > 18) & (r < 26)] = 1000 + rng.normal(0, 25, int(((r > 18) & (r < 26)).sum()))
    fig = Figure(figsize=(size_px / 100, size_px / 100), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.imshow(img, cmap="gray", vmin=900, vmax=1500)
    t = np.linspace(0, 2 * np.pi, 200)
    dx, dy, dr = 1.5 + 0.6 * variant % 4, -1.0 + 0.4 * (variant % 5), 0.3 * (variant % 3)
    for rad in (18, 26):
        ax.plot(48 + rad * np.cos(t), 48 + rad * np.sin(t), "--", color="#56B4E9", lw=1.4)
        ax.plot(48 + dx + (rad + dr) * np.cos(t), 48 + dy + (rad + dr) * np.sin(t), color="#F0E442", lw=1.4)
    ax.set_axis_off()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def sample_trainee(
    name: str,
    username: str,
    *,
    n_cases: int = 4,
    n_attempts: int = 3,
    skill: float = 0.0,
    seed: int = 0,
    n_overlays: int = 3,
    cohort_names: list[str] | None = None,
    quantity: str = "t1_ms",
    tolerances: Tolerances = DEFAULT_TOLERANCES,
    rule: AccreditationRule = DEFAULT_RULE,
    case_t1: np.ndarray | None = None,
) -> TraineeReportData:
    """One trainee's synthetic report data: ``n_cases`` cases x ``n_attempts`` attempts, improving.

    Parameters
    ----------
    name, username : str
    n_cases, n_attempts : int
    skill : float
        About -2..2: better trainees have higher Dice and smaller deltas.
    seed : int
    n_overlays : int
        Overlays are attached to this many lowest-Dice attempts (as the application does).
    quantity : str
        Map quantity of every case.
    case_t1 : ndarray, optional, shape (n_cases,)
        The consensus myocardial means per case (ms); shared between trainees of a class.

    Returns
    -------
    TraineeReportData
    """
    rng = np.random.default_rng(seed)
    if case_t1 is None:
        case_t1 = np.random.default_rng(12345).normal(1026, 45, n_cases)
    bias = rng.normal(0.0, 3.0) - 1.5 * skill
    attempts: list[Attempt] = []
    t = START + timedelta(hours=int(rng.integers(0, 48)))
    for k in range(1, n_attempts + 1):
        for c in range(n_cases):
            t += timedelta(hours=float(rng.uniform(2, 30)))
            difficulty = 0.02 * ((c * 7) % 5 - 2)
            dice = float(np.clip(0.80 + 0.035 * k + 0.025 * skill - difficulty + rng.normal(0, 0.02), 0.3, 0.97))
            hd95 = float(max(0.6, 7.5 - 1.4 * k - 0.5 * skill + 30 * difficulty + rng.normal(0, 0.6)))
            hd = hd95 * float(rng.uniform(1.15, 1.5))
            msd = hd95 * float(rng.uniform(0.25, 0.4))
            cons = float(case_t1[c])
            dmap = float(bias / k + rng.normal(0, 9.0 / k))
            dwt = float(rng.normal(0.25 * (3 - skill) / k, 1.2 / k))
            verdict = verdict_for(
                quantity=quantity,
                dice=round(dice, 4),
                delta_map=round(round(cons + dmap, 1) - round(cons, 1), 1),
                delta_map_percent=100.0 * dmap / cons,
                delta_wall_thickness_mm=round(dwt, 2),
                hd95_mm=hd95,
                tolerances=SUMMARY_TOLERANCES,
            )
            attempts.append(
                Attempt(
                    case_id=c + 1,
                    case_title=f"Case {c + 1:02d}",
                    attempt=k,
                    created_at=t,
                    dice=round(dice, 4),
                    hd_mm=round(hd, 2),
                    hd95_mm=round(hd95, 2),
                    msd_mm=round(msd, 2),
                    map_quantity=quantity,
                    trainee_map_ms=round(cons + dmap, 1),
                    consensus_map_ms=round(cons, 1),
                    delta_map_ms=round(round(cons + dmap, 1) - round(cons, 1), 1),
                    delta_wall_thickness_mm=round(dwt, 2),
                    verdict=verdict["result"],
                    verdict_message=verdict["message"],
                    consensus_source="Gold standard",
                )
            )
    for i, a in enumerate(sorted(attempts, key=lambda a: math.inf if a.dice is None else a.dice)[:n_overlays]):
        a.overlay_png = overlay_png((seed + i) % 16)
    return TraineeReportData(
        trainee_name=name,
        username=username,
        cohort_names=cohort_names or ["Cardiology fellows 2025"],
        dataset_names=["Native T1 MOLLI 1.5 T"],
        consensus_sources=["Gold standard"],
        period=None,
        tolerances=tolerances,
        rule=rule,
        attempts=attempts,
        generated_at=datetime(2025, 6, 30, 14, 5, tzinfo=UTC),
    )


FIRST = [
    "Ada",
    "Bjørn",
    "Chiara",
    "Dmitri",
    "Eva",
    "Farah",
    "Gustav",
    "Hanna",
    "Ivan",
    "Jun",
    "Kari",
    "Lars",
    "Maja",
    "Nils",
    "Olga",
    "Pål",
    "Quentin",
    "Rania",
    "Sigrid",
    "Tomás",
    "Ulla",
    "Vera",
    "William",
    "Xenia",
    "Yusuf",
    "Zofia",
    "Amir",
    "Birgit",
    "Carlos",
    "Dagny",
    "Emil",
    "Frida",
]
LAST = [
    "Lovelace",
    "Østergaard",
    "Rossi",
    "Ivanov",
    "Nilsson",
    "Haddad",
    "Berg",
    "Müller",
    "Petrov",
    "Tanaka",
    "Hansen",
    "Lund",
    "Kowalska",
    "Dahl",
    "Smirnova",
    "Solberg",
    "Martin",
    "Aziz",
    "Undset",
    "García-Márquez",
    "Virtanen",
    "Novak",
    "Okafor",
    "Popescu",
    "Demir",
    "Wiśniewska",
    "Karimi",
    "Fischer",
    "Silva",
    "Eide",
    "Johansen",
    "Holm",
]


def sample_cohort(
    n_trainees: int = 3,
    n_cases: int = 4,
    n_attempts: int = 3,
    *,
    seed: int = 0,
    n_overlays: int = 3,
    cohort_name: str = "Cardiology fellows 2025",
) -> CohortReportData:
    """A class of synthetic trainees on the same cases (the same consensus T1 per case).

    Parameters
    ----------
    n_trainees, n_cases, n_attempts : int
    seed : int
    n_overlays : int
        Overlays per trainee.
    cohort_name : str

    Returns
    -------
    CohortReportData
    """
    rng = np.random.default_rng(seed)
    case_t1 = rng.normal(1026, 45, n_cases)
    trainees = []
    for i in range(n_trainees):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}" + (
            f" {i // len(FIRST) + 1}" if i >= len(FIRST) else ""
        )
        skill = float(rng.normal(0, 1)) if i else -1.5
        trainees.append(
            sample_trainee(
                name,
                f"trainee{i + 1:02d}",
                n_cases=n_cases,
                n_attempts=n_attempts,
                skill=skill,
                seed=seed * 1000 + i,
                n_overlays=n_overlays,
                cohort_names=[cohort_name],
                case_t1=case_t1,
            )
        )
    return CohortReportData(
        cohort_name=cohort_name,
        supervisor_name="Dr. Ingrid Supervisor",
        dataset_names=["Native T1 MOLLI 1.5 T"],
        tolerances=DEFAULT_TOLERANCES,
        rule=DEFAULT_RULE,
        trainees=trainees,
        generated_at=datetime(2025, 6, 30, 14, 5, tzinfo=UTC),
    )
