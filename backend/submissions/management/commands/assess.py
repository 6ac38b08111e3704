"""``python manage.py assess``: evaluate one trainee contour file against a reference on one image.

Prints the evaluation summary (:mod:`backend.cmr.summary`: agreement, values, deltas, the verdict tolerance by
tolerance) and writes it with ``--json``. Exit status 0 on success, 2 on bad input (one line on stderr saying what
was wrong).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from backend.cmr.assessment import MAP_CHOICES, assess, to_json_ready
from backend.cmr.errors import CMRError
from backend.cmr.summary import Tolerances, evaluation_summary


def _fmt(v, digits: int = 2, unit: str = "") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    if isinstance(v, int):
        return f"{v}{unit}"
    return f"{v:.{digits}f}{unit}"


def render_table(image: dict, summary: dict) -> str:
    """Human-readable form of an evaluation summary (plain text, fixed-width columns), the verdict last.

    Parameters
    ----------
    image : dict
        The ``image`` part of the assessment payload (kind, size, spacing, echo times, field strength).
    summary : dict
        :func:`backend.cmr.summary.evaluation_summary`; nothing is re-judged here.
    """
    img = image
    lines = [
        f"Image: {img['kind']}, {img['rows']} x {img['columns']} px, pixel spacing "
        f"{img['pixel_spacing_mm'][0]:.4g} x {img['pixel_spacing_mm'][1]:.4g} mm (dy x dx)"
        + (
            f", {len(img['echo_times_ms'])} echoes {img['echo_times_ms'][0]:.2f}-{img['echo_times_ms'][-1]:.2f} ms"
            if img["echo_times_ms"]
            else ""
        )
        + (f", {img['field_strength_t']:g} T" if img.get("field_strength_t") else "")
    ]
    a = summary["agreement"]
    if a:
        lines += ["", f"{'Agreement':<14}{'Dice':>8}{'Jaccard':>9}{'HD mm':>9}{'HD95 mm':>9}{'MSD mm':>9}"]
        for s in ("myocardium", "endocardium", "epicardium"):
            m = a[s]
            lines.append(
                f"{s:<14}{_fmt(m['dice'], 3):>8}{_fmt(m['jaccard'], 3):>9}"
                f"{_fmt(m['hausdorff_mm']):>9}{_fmt(m['hd95_mm']):>9}"
                f"{_fmt(m['mean_surface_distance_mm']):>9}"
            )
        m = a["myocardium"]
        lines.append(
            f"{'':<14}sensitivity {_fmt(m['sensitivity'], 3)}, specificity {_fmt(m['specificity'], 4)}, "
            f"PPV {_fmt(m['ppv'], 3)}, NPV {_fmt(m['npv'], 4)} (TN counted over the whole image)"
        )
    raters = [summary["trainee"], *([summary["consensus"]] if summary["consensus"] else [])]
    cols = ["trainee"] + (["consensus", "delta"] if summary["consensus"] else [])
    lines += ["", f"{'Value':<30}" + "".join(f"{c:>12}" for c in cols)]

    def row(label, get, delta=None, digits=1):
        vals = [get(r) for r in raters]
        if summary["consensus"]:
            vals.append(delta)
        lines.append(f"{label:<30}" + "".join(f"{_fmt(v, digits):>12}" for v in vals))

    d = summary["delta"] or {}
    row("myocardial area (mm2)", lambda r: r["myocardium_area_mm2"], d.get("myocardium_area_mm2"), 0)
    row("wall thickness, mean (mm)", lambda r: r["wall_thickness"]["mean_mm"], d.get("wall_thickness_mm"), 2)
    names = summary["trainee"]["wall_thickness"]["sector_names"]
    for i, n in enumerate(names):
        row(
            f"  {n} (mm)",
            lambda r, i=i: r["wall_thickness"]["sectors_mm"][i],
            (d.get("wall_thickness_sectors_mm") or [None] * 6)[i],
            2,
        )
    mp = summary["trainee"]["map"]
    if mp:
        unit = mp["unit"]
        label = {"t1_ms": "T1", "t2_ms": "T2", "t2star_ms": "T2*", "signal": "signal"}[mp["quantity"]]
        row(f"myocardial {label} mean ({unit})", lambda r: r["map"]["mean"], d.get("map"), 1)
        row(f"myocardial {label} SD ({unit})", lambda r: r["map"]["sd"], None, 1)
        row(f"myocardial {label} median ({unit})", lambda r: r["map"]["median"], None, 1)
        row("pixels in myocardium", lambda r: r["map"]["n_pixels"], None, 0)
        if mp["quantity"] == "t2star_ms":
            row("R2* (1/s)", lambda r: r["map"]["r2star_per_s"], None, 1)
            for who, r in zip(cols, raters, strict=False):  # cols has a delta column more
                lines.append(f"iron overload ({who}): {r['map']['iron_grade'] or 'not graded'}")
    for w in summary["warnings"]:
        lines.append(f"warning: {w['message']}")
    if summary["error_classes"]:
        lines += ["", "What kind of error, and where:"]
        for e in summary["error_classes"]:
            lines.append(
                f"  - {e['kind'].replace('_', ' ')} ({e['structure']}, {e['size_mm']:.1f} mm): {e['explanation']}"
            )
    v = summary["verdict"]
    lines += ["", f"Verdict: {v['result'].replace('_', ' ').upper()}"]
    for c in v["checks"]:
        mark = {True: "pass", False: "FAIL", None: "n/a "}[c["passed"]]
        lines.append(f"  [{mark}] {c['message']}")
    lines.append(v["message"])
    return "\n".join(lines)


def _tolerance_option(text: str) -> tuple[str, float | None]:
    name, sep, value = text.partition("=")
    if not sep:
        raise CMRError(f"--tolerance takes NAME=VALUE (e.g. dice=0.9 or t1_ms=10); got {text!r}.")
    if value.strip().lower() in ("none", "off", ""):
        return name.strip(), None
    try:
        return name.strip(), float(value)
    except ValueError:
        raise CMRError(f"--tolerance {name}: {value!r} is not a number.") from None


class Command(BaseCommand):
    help = (
        "Compare a trainee's LV contours with a reference on a DICOM image: Dice, Jaccard, Hausdorff, HD95, "
        "mean surface distance, wall thickness and myocardial T1/T2/T2*."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--image",
            nargs="+",
            required=True,
            metavar="PATH",
            help="DICOM file(s), a folder or a zip (all echoes of one slice for T2*)",
        )
        parser.add_argument(
            "--trainee",
            required=True,
            metavar="FILE",
            help="trainee contours (IDL SAV, DICOM SEG / RTSTRUCT, JSON polygons, .npy, .png)",
        )
        parser.add_argument("--reference", required=True, metavar="FILE", help="reference (consensus) contours")
        parser.add_argument("--map", default="auto", choices=MAP_CHOICES, help="quantity measured in the myocardium")
        parser.add_argument(
            "--slice-location",
            type=float,
            default=None,
            help="slice to use when the image files hold several slice locations",
        )
        parser.add_argument(
            "--tolerance",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help=(
                "override a default tolerance (repeatable): dice, t1_ms, t2_ms, t2star_percent, t2star_ms, "
                "wall_thickness_mm, hd95_mm (VALUE 'none' removes an optional one)"
            ),
        )
        parser.add_argument(
            "--json", metavar="OUT.json", help="write the evaluation summary (with the image and the verdict) as JSON"
        )
        parser.add_argument("--overlay", metavar="OUT.png", help="write the discrepancy overlay PNG")

    def handle(self, *args, **opt) -> None:
        from backend.cmr.dicom import read_image
        from backend.cmr.dicom_contours import geometry_from_datasets
        from backend.cmr.overlay import render_overlay
        from backend.cmr.sav import read_contours

        try:
            paths = [Path(p) for p in opt["image"]]
            for p in [*paths, Path(opt["trainee"]), Path(opt["reference"])]:
                if not p.exists():
                    raise CMRError(f"File not found: {p}")
            read = read_image(
                paths if len(paths) > 1 else paths[0],
                slice_location=opt["slice_location"],
                max_bytes=settings.CMR_MAX_UPLOAD_BYTES,
            )
            image = read.image
            shape = (image.rows, image.columns)
            kw = {
                "image_shape": shape,
                "names": settings.CMR_SAV_NAMES,
                "timeout_s": settings.CMR_PARSE_TIMEOUT_S,
                # A DICOM SEG / RTSTRUCT is checked against (and an RTSTRUCT mapped onto) the image read here.
                "geometry": geometry_from_datasets(read.datasets),
                "dicom_names": settings.CMR_DICOM_CONTOUR_NAMES,
            }
            try:
                trainee = read_contours(opt["trainee"], **kw)
            except CMRError as exc:
                raise type(exc)(f"Trainee contours ({Path(opt['trainee']).name}): {exc}") from None
            try:
                reference = read_contours(opt["reference"], **kw)
            except CMRError as exc:
                raise type(exc)(f"Reference contours ({Path(opt['reference']).name}): {exc}") from None
            try:
                tolerances = Tolerances.from_dict(dict(_tolerance_option(t) for t in opt["tolerance"]))
            except (TypeError, ValueError) as exc:
                raise CMRError(f"--tolerance: {exc}") from None
            result = assess(
                image,
                trainee,
                reference,
                map_choice=opt["map"],
                tolerances=tolerances,
                iron_table=iron_table_from_settings(),
            )
        except CMRError as exc:
            self.stderr.write(f"error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            sys.exit(2)
        payload = to_json_ready(result.payload)
        summary = evaluation_summary(payload, tolerances)
        self.stdout.write(render_table(payload["image"], summary))
        if opt["json"]:
            out = {"image": payload["image"], **summary}
            Path(opt["json"]).write_text(json.dumps(out, indent=2, allow_nan=False))
            self.stdout.write(f"\nJSON written to {opt['json']}")
        if opt["overlay"] and result.reference is not None:
            render_overlay(
                image.display_frame(),
                pixel_spacing_mm=image.pixel_spacing_mm,
                trainee=(result.trainee.endo, result.trainee.epi),
                trainee_regions=result.trainee.regions,
                reference=(result.reference.endo, result.reference.epi),
                reference_regions=result.reference.regions,
                units=image.units,
                title=f"{Path(opt['trainee']).name} vs {Path(opt['reference']).name}",
                out=opt["overlay"],
            )
            self.stdout.write(f"Overlay written to {opt['overlay']}")


def iron_table_from_settings():
    """The site's iron-overload threshold table (``MYOQA_IRON_THRESHOLDS``), or None for the defaults."""
    if settings.CMR_IRON_THRESHOLDS is None:
        return None
    from backend.cmr.relaxometry import iron_grade_table_from_dict

    return iron_grade_table_from_dict(settings.CMR_IRON_THRESHOLDS)
