"""``python manage.py assess``: evaluate one trainee contour file against a reference on one image.

Exit status 0 on success, 2 on bad input (one line on stderr saying what was wrong).
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


def _fmt(v, digits: int = 2, unit: str = "") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    if isinstance(v, int):
        return f"{v}{unit}"
    return f"{v:.{digits}f}{unit}"


def render_table(p: dict) -> str:
    """Human-readable summary of an assessment payload (plain text, fixed-width columns)."""
    img = p["image"]
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
    a = p["agreement"]
    if a:
        lines += ["", f"{'Agreement':<14}{'Dice':>8}{'Jaccard':>9}{'HD mm':>9}{'HD95 mm':>9}{'MSD mm':>9}"]
        for s in ("myocardium", "endocardium", "epicardium"):
            m = a[s]
            lines.append(
                f"{s:<14}{_fmt(m.get('dice'), 3):>8}{_fmt(m.get('jaccard'), 3):>9}"
                f"{_fmt(m.get('hausdorff_mm')):>9}{_fmt(m.get('hd95_mm')):>9}"
                f"{_fmt(m.get('mean_surface_distance_mm')):>9}"
            )
        m = a["myocardium"]
        lines.append(
            f"{'':<14}sensitivity {_fmt(m['sensitivity'], 3)}, specificity {_fmt(m['specificity'], 4)}, "
            f"PPV {_fmt(m['ppv'], 3)}, NPV {_fmt(m['npv'], 4)} (TN counted over the whole image)"
        )
    cols = ["trainee"] + (["reference", "delta"] if p["reference"] else [])
    lines += ["", f"{'Value':<30}" + "".join(f"{c:>12}" for c in cols)]

    def row(label, get, digits=1):
        vals = [get(p["trainee"]), *([get(p["reference"])] if p["reference"] else [])]
        if p["reference"]:
            d = None if any(v is None or not math.isfinite(v) for v in vals) else vals[0] - vals[1]
            vals.append(d)
        lines.append(f"{label:<30}" + "".join(f"{_fmt(v, digits):>12}" for v in vals))

    row("myocardial area (mm2)", lambda r: r["myocardium_area_mm2"], 0)
    row("wall thickness, mean (mm)", lambda r: r["wall_thickness_mm"]["mean"], 2)
    names = p["trainee"]["wall_thickness_mm"]["sector_names"]
    for i, n in enumerate(names):
        row(f"  {n} (mm)", lambda r, i=i: r["wall_thickness_mm"]["sectors"][i], 2)
    mp = p["trainee"]["map"]
    if mp:
        unit = "a.u." if mp["quantity"] == "signal" else "ms"
        label = {"t1_ms": "T1", "t2_ms": "T2", "t2star_ms": "T2*", "signal": "signal"}[mp["quantity"]]
        row(f"myocardial {label} mean ({unit})", lambda r: r["map"]["mean"], 1)
        row(f"myocardial {label} SD ({unit})", lambda r: r["map"]["sd"], 1)
        row(f"myocardial {label} median ({unit})", lambda r: r["map"]["median"], 1)
        row("pixels in myocardium", lambda r: float(r["map"]["n_pixels"]), 0)
        if mp["quantity"] == "t2star_ms":
            row("R2* (1/s)", lambda r: r["map"]["r2star_per_s"], 1)
            for who in cols[:2]:
                iron = p[who]["map"]["iron"]
                lines.append(
                    f"iron overload ({who}): {iron['grade'] or 'not graded'}"
                    + (f" ({iron['reason']})" if iron.get("reason") else "")
                )
    return "\n".join(lines)


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
        parser.add_argument("--trainee", required=True, metavar="FILE", help="trainee contours (IDL SAV, .npy, .png)")
        parser.add_argument("--reference", required=True, metavar="FILE", help="reference (consensus) contours")
        parser.add_argument("--map", default="auto", choices=MAP_CHOICES, help="quantity measured in the myocardium")
        parser.add_argument(
            "--slice-location",
            type=float,
            default=None,
            help="slice to use when the image files hold several slice locations",
        )
        parser.add_argument("--json", metavar="OUT.json", help="write the full result as JSON")
        parser.add_argument("--overlay", metavar="OUT.png", help="write the discrepancy overlay PNG")

    def handle(self, *args, **opt) -> None:
        from backend.cmr.dicom import load_image
        from backend.cmr.overlay import render_overlay
        from backend.cmr.sav import read_contours

        try:
            paths = [Path(p) for p in opt["image"]]
            for p in [*paths, Path(opt["trainee"]), Path(opt["reference"])]:
                if not p.exists():
                    raise CMRError(f"File not found: {p}")
            image = load_image(
                paths if len(paths) > 1 else paths[0],
                slice_location=opt["slice_location"],
                max_bytes=settings.CMR_MAX_UPLOAD_BYTES,
            )
            shape = (image.rows, image.columns)
            kw = {"image_shape": shape, "names": settings.CMR_SAV_NAMES, "timeout_s": settings.CMR_PARSE_TIMEOUT_S}
            try:
                trainee = read_contours(opt["trainee"], **kw)
            except CMRError as exc:
                raise type(exc)(f"Trainee contours ({Path(opt['trainee']).name}): {exc}") from None
            try:
                reference = read_contours(opt["reference"], **kw)
            except CMRError as exc:
                raise type(exc)(f"Reference contours ({Path(opt['reference']).name}): {exc}") from None
            result = assess(image, trainee, reference, map_choice=opt["map"], iron_table=iron_table_from_settings())
        except CMRError as exc:
            self.stderr.write(f"error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            sys.exit(2)
        payload = to_json_ready(result.payload)
        self.stdout.write(render_table(payload))
        if opt["json"]:
            Path(opt["json"]).write_text(json.dumps(payload, indent=2, allow_nan=False))
            self.stdout.write(f"\nJSON written to {opt['json']}")
        if opt["overlay"]:
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
