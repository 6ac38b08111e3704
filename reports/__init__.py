"""MyoQA PDF reports: a trainee's training-progress report and a class (cohort) report, for accreditation.

Rendering only: the application fills the plain data objects of :mod:`reports.data` (no ORM access here) and calls
:func:`reports.trainee.render_trainee_report` or :func:`reports.cohort.render_cohort_report`, which return PDF bytes
(reportlab platypus, A4, selectable text; charts by matplotlib's Agg canvas). Statistics of agreement between
observers come from :mod:`backend.cmr.reliability` (pure NumPy/SciPy).
"""
