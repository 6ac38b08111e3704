"""Benchmark: the class report of a large class, and one trainee's report of the same size.

Run from the repository root::

    .venv/bin/python bench/bench_reports.py                  # 30 trainees x 40 cases x 3 attempts
    .venv/bin/python bench/bench_reports.py --trainees 10 --out /tmp/cohort.pdf

Data: :func:`reports.sample.sample_cohort` (plausible, improving numbers; overlays on each trainee's three
lowest-Dice attempts, as the application attaches them). Printed: the render time of the class report against
the 20 s goal, its page count and size; the anchor measured in the same run is one trainee's report (40 cases x
3 attempts), so the ratio says how many trainee reports a class report costs.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pypdf import PdfReader

from reports.cohort import render_cohort_report
from reports.sample import sample_cohort
from reports.trainee import render_trainee_report

GOAL_S = 20.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trainees", type=int, default=30)
    ap.add_argument("--cases", type=int, default=40)
    ap.add_argument("--attempts", type=int, default=3)
    ap.add_argument("--out", type=Path, default=None, help="also write the class report here")
    args = ap.parse_args()

    t0 = time.perf_counter()
    data = sample_cohort(args.trainees, args.cases, args.attempts, seed=7)
    t_data = time.perf_counter() - t0
    n_attempts = sum(len(t.attempts) for t in data.trainees)
    n_overlays = sum(1 for t in data.trainees for a in t.attempts if a.overlay_png)

    t0 = time.perf_counter()
    trainee_pdf = render_trainee_report(data.trainees[0])
    t_trainee = time.perf_counter() - t0

    t0 = time.perf_counter()
    pdf = render_cohort_report(data)
    t_cohort = time.perf_counter() - t0
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    if args.out:
        args.out.write_bytes(pdf)

    print(
        f"data: {args.trainees} trainees x {args.cases} cases x {args.attempts} attempts = {n_attempts} "
        f"attempts, {n_overlays} overlays (built in {t_data:.2f} s)"
    )
    print(
        f"anchor  trainee report ({len(data.trainees[0].attempts)} attempts): {t_trainee:6.2f} s, "
        f"{len(PdfReader(io.BytesIO(trainee_pdf)).pages)} pages, {len(trainee_pdf) / 1024:.0f} KiB"
    )
    print(f"class report: {t_cohort:6.2f} s, {pages} pages, {len(pdf) / 1024:.0f} KiB")
    print(
        f"ratio class / trainee report: {t_cohort / t_trainee:.2f}; class report / goal {GOAL_S:.0f} s: "
        f"{t_cohort / GOAL_S:.2f} ({'within' if t_cohort < GOAL_S else 'OVER'} the goal)"
    )


if __name__ == "__main__":
    main()
