"""Synthetic, plausible report data: for the tests, the benchmark and trying the layout without a database.

Numbers improve with the attempt on a case (Dice up, distances and deltas down), vary with a per-trainee skill,
and the myocardial T1 of a case is around 1026 ms (native T1 at 1.5 T, ``../shared/docs/domain.md``). Overlays are
small matplotlib drawings of two rings (trainee yellow, consensus blue dashed), not real images.

Error classes and bullseye segments (:func:`sample_error_classes`) follow a per-trainee habit (trabeculae included,
epicardial fat included, a shifted ring, a missed region, a wobbly line) that fades with the attempt on a case, in
the words of ``backend.cmr.error_classes``; the segment values are consistent with the classes (an endocardium
inside is a negative endocardial distance in its sectors, and raises T1 there: blood pool; epicardial fat lowers it).
"""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import numpy as np

from backend.cmr.error_classes import KINDS as ERROR_KINDS
from backend.cmr.summary import DEFAULT_TOLERANCES as SUMMARY_TOLERANCES
from backend.cmr.summary import verdict_for

from .data import AccreditationRule, Attempt, CohortReportData, Tolerances, TraineeReportData

AHA_NAMES = ("anterior", "anteroseptal", "inferoseptal", "inferior", "inferolateral", "anterolateral")
"""The six mid-ventricular segments, in the stored order (``backend.cmr.segments``)."""

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


def _where(sectors: list[str]) -> str:
    if len(sectors) == 6:
        return "all the way round"
    if len(sectors) == 1:
        return f"in the {sectors[0]} segment"
    return f"in the {', '.join(sectors[:-1])} and {sectors[-1]} segments"


def _effect(effect: float, quantity: str) -> str:
    return f"; here it changes your myocardial {quantity} by {effect:+.0f} ms"


def sample_error_classes(
    rng: np.random.Generator, k: int, habits: dict[str, float], quantity: str = "T1"
) -> tuple[list[dict], list[dict]]:
    """Plausible stored error classes and bullseye segments of one attempt.

    Parameters
    ----------
    rng : numpy Generator
    k : int
        Attempt on the case (1, 2, ...): errors are likelier and larger on early attempts.
    habits : dict
        ``{kind: probability on a first attempt}`` of the trainee.
    quantity : str
        Name of the map quantity in the sentences.

    Returns
    -------
    (error_classes, segments) : list of dict, list of dict
        Shaped as ``backend.cmr.summary`` stores them.
    """
    endo = rng.normal(0.0, 0.25, 6)
    epi = rng.normal(0.0, 0.3, 6)
    dmap = rng.normal(0.0, 2.0, 6)
    classes: list[dict] = []
    fade = 0.75 ** (k - 1)

    def occurs(kind: str) -> bool:
        return bool(rng.uniform() < habits.get(kind, 0.0) * fade)

    def sectors_around(n: int) -> list[int]:
        start = int(rng.integers(0, 6))
        return sorted((start + i) % 6 for i in range(n))

    if occurs("shift"):
        size = round(float(rng.uniform(1.2, 2.8)) * fade + 0.6, 2)
        towards = int(rng.integers(0, 6))
        along = np.cos(np.radians(60.0 * (np.arange(6) - towards)))
        endo += size * along
        epi += size * along
        effect = float(rng.normal(0, 6))
        dmap += effect * along
        classes.append(
            {
                "structure": "both",
                "kind": "shift",
                "size_mm": size,
                "sectors": [AHA_NAMES[towards]],
                "explanation": f"Both of your contours are shifted by {size:.1f} mm (towards the {AHA_NAMES[towards]}): "
                "check the whole ring against the image, not each wall alone" + _effect(effect, quantity) + ".",
                "map_effect": round(effect, 1),
            }
        )
    if occurs("endocardium_inside"):
        size = round(float(rng.uniform(1.0, 2.6)) * fade + 0.5, 2)
        idx = sectors_around(int(rng.integers(2, 7)))
        names = [AHA_NAMES[i] for i in idx]
        endo[idx] -= size
        effect = 7.0 * size * len(idx) / 6.0
        dmap[idx] += 9.0 * size
        classes.append(
            {
                "structure": "endocardium",
                "kind": "endocardium_inside",
                "size_mm": size,
                "sectors": names,
                "explanation": f"Your endocardium lies inside the consensus by {size:.1f} mm {_where(names)}: "
                "trabeculae, papillary muscle or blood pool are included in your myocardium"
                + _effect(effect, quantity)
                + ".",
                "map_effect": round(effect, 1),
            }
        )
    if occurs("epicardium_outside"):
        size = round(float(rng.uniform(0.8, 2.2)) * fade + 0.5, 2)
        idx = sectors_around(int(rng.integers(2, 5)))
        names = [AHA_NAMES[i] for i in idx]
        epi[idx] += size
        effect = -8.0 * size * len(idx) / 6.0
        dmap[idx] -= 11.0 * size
        classes.append(
            {
                "structure": "epicardium",
                "kind": "epicardium_outside",
                "size_mm": size,
                "sectors": names,
                "explanation": f"Your epicardium lies outside the consensus by {size:.1f} mm {_where(names)}: "
                "epicardial fat or pericardium is included in your myocardium" + _effect(effect, quantity) + ".",
                "map_effect": round(effect, 1),
            }
        )
    if occurs("missed_region"):
        size = round(float(rng.uniform(2.5, 4.5)) * fade + 1.0, 2)
        i = int(rng.integers(0, 6))
        epi[i] -= size
        effect = float(rng.normal(-3, 2))
        classes.append(
            {
                "structure": "epicardium",
                "kind": "missed_region",
                "size_mm": size,
                "sectors": [AHA_NAMES[i]],
                "explanation": f"In the {AHA_NAMES[i]} segment your epicardium lies inside the consensus by up to "
                f"{size:.1f} mm: the outer part of the myocardium is left out there" + _effect(effect, quantity) + ".",
                "map_effect": round(effect, 1),
            }
        )
    if occurs("irregular"):
        rms = round(float(rng.uniform(0.6, 1.2)) * fade + 0.4, 2)
        classes.append(
            {
                "structure": "endocardium",
                "kind": "irregular",
                "size_mm": rms,
                "sectors": list(AHA_NAMES),
                "explanation": f"Your endocardium is irregular (it wobbles by {rms:.1f} mm RMS around the consensus "
                "line): follow the wall with a smooth line and fewer, well-placed points.",
                "map_effect": None,
            }
        )
    classes.sort(key=lambda c: ERROR_KINDS.index(c["kind"]))
    segments = [
        {
            "name": AHA_NAMES[i],
            "signed_distance_mm": round(float(endo[i] + epi[i]) / 2.0, 2),
            "myocardium_excess_mm": round(float(epi[i] - endo[i]), 2),
            "endocardium_mm": round(float(endo[i]), 2),
            "epicardium_mm": round(float(epi[i]), 2),
            "delta_map": round(float(dmap[i]), 1),
        }
        for i in range(6)
    ]
    return classes, segments


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
    # Error classes from a separate generator, so the numbers above do not change with them.
    erng = np.random.default_rng(seed + 7919)
    habits = {
        "endocardium_inside": float(erng.uniform(0.3, 0.95)),
        "epicardium_outside": float(erng.uniform(0.1, 0.7)),
        "shift": float(erng.uniform(0.0, 0.4)),
        "missed_region": float(erng.uniform(0.0, 0.35)),
        "irregular": float(erng.uniform(0.0, 0.5)),
    }
    qname = {"t1_ms": "T1", "t2_ms": "T2", "t2star_ms": "T2*"}.get(quantity, "T1")
    for a in attempts:
        classes, segments = sample_error_classes(erng, a.attempt, habits, qname)
        a.error_classes, a.segments = classes, segments
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
