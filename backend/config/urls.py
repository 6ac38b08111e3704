"""URL map: everything under /api/ (the Node proxy serves the front-end and forwards /api)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from backend.accounts import api as accounts
from backend.accounts import auth_api
from backend.audit import api as audit
from backend.cases import api as cases
from backend.cases import export_api as case_exports
from backend.cnn import api as cnn
from backend.core import docs
from backend.progress import api as progress
from backend.submissions import api as submissions
from backend.submissions import export_api as submission_exports

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI, its start-up script a file of its own (?script) and its assets from this server: the proxy's CSP
    # allows scripts from 'self' only.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    path("api/docs/assets/<path:path>", docs.sidecar_asset, name="docs-asset"),
    path("api/auth/me", accounts.MeView.as_view()),
    path("api/auth/login", accounts.LoginView.as_view()),
    path("api/auth/logout", accounts.LogoutView.as_view()),
    path("api/auth/password", auth_api.PasswordChangeView.as_view()),
    path("api/trainees/<int:trainee_id>/password", auth_api.TraineePasswordView.as_view()),
    path("api/trainees/<int:trainee_id>/account", auth_api.TraineeAccountView.as_view()),
    path("api/cohorts/", accounts.CohortListView.as_view()),
    path("api/cohorts/<int:cohort_id>", accounts.CohortDetailView.as_view()),
    path("api/cohorts/<int:cohort_id>/trainees", accounts.CohortTraineesView.as_view()),
    path("api/cohorts/<int:cohort_id>/trainees/<int:user_id>", accounts.CohortTraineeView.as_view()),
    path("api/cohorts/<int:cohort_id>/overview", submissions.CohortOverviewView.as_view()),
    path("api/trainees/<int:trainee_id>", accounts.TraineeDeleteView.as_view()),
    path("api/trainees/<int:trainee_id>/history", submissions.TraineeHistoryView.as_view()),
    path("api/trainees/<int:trainee_id>/repeatability", submissions.TraineeRepeatabilityView.as_view()),
    path("api/datasets/", cases.DatasetListView.as_view()),
    path("api/datasets/<int:dataset_id>", cases.DatasetDetailView.as_view()),
    path("api/datasets/<int:dataset_id>/cases", cases.DatasetCasesView.as_view()),
    path("api/datasets/<int:dataset_id>/expert-agreement", cases.DatasetExpertAgreementView.as_view()),
    path("api/cases/", cases.CaseListView.as_view()),
    path("api/cases/<int:case_id>", cases.CaseDetailView.as_view()),
    path("api/cases/<int:case_id>/dicom", cases.CaseDicomView.as_view()),
    path("api/cases/<int:case_id>/pixels", cases.CasePixelsView.as_view()),
    path("api/cases/<int:case_id>/reference", cases.CaseReferenceView.as_view()),
    path("api/cases/<int:case_id>/repeat", cases.CaseRepeatView.as_view()),
    path("api/cases/<int:case_id>/references", cases.CaseReferencesView.as_view()),
    path("api/cases/<int:case_id>/draft", submissions.ContourDraftView.as_view()),
    re_path(
        r"^api/cases/(?P<case_id>[0-9]+)/reference\.(?P<fmt>seg|rtstruct)\.dcm$",
        case_exports.CaseReferenceDicomView.as_view(),
    ),
    re_path(
        r"^api/submissions/(?P<submission_id>[0-9]+)/contours\.(?P<fmt>seg|rtstruct)\.dcm$",
        submission_exports.SubmissionContoursDicomView.as_view(),
    ),
    re_path(
        r"^api/submissions/(?P<submission_id>[0-9]+)/consensus\.(?P<fmt>seg|rtstruct)\.dcm$",
        submission_exports.SubmissionConsensusDicomView.as_view(),
    ),
    path("api/submissions/", submissions.SubmissionListView.as_view()),
    path("api/submissions/<int:submission_id>", submissions.SubmissionDetailView.as_view()),
    path("api/submissions/<int:submission_id>/status", submissions.SubmissionStatusView.as_view()),
    path("api/submissions/<int:submission_id>/overlay.png", submissions.SubmissionOverlayView.as_view()),
    path("api/practice/", submissions.PracticeView.as_view()),
    path("api/consensus-models/", cnn.ModelListView.as_view()),
    path("api/consensus-models/deactivate", cnn.ModelDeactivateView.as_view()),
    path("api/consensus-models/<int:model_id>", cnn.ModelDetailView.as_view()),
    path("api/consensus-models/<int:model_id>/activate", cnn.ModelActivateView.as_view()),
    path("api/training-runs/", cnn.TrainingRunListView.as_view()),
    path("api/training-runs/<int:run_id>", cnn.TrainingRunDetailView.as_view()),
    path("api/reports/", progress.ReportListView.as_view()),
    path("api/reports/<int:job_id>", progress.ReportDetailView.as_view()),
    path("api/reports/<int:job_id>/pdf", progress.ReportPdfView.as_view()),
    path("api/trainees/<int:trainee_id>/accreditation", progress.TraineeAccreditationView.as_view()),
    path("api/trainees/<int:trainee_id>/error-classes", progress.TraineeErrorClassesView.as_view()),
    path("api/cohorts/<int:cohort_id>/accreditation", progress.CohortAccreditationView.as_view()),
    path("api/exports/results.csv", progress.ResultsExportView.as_view()),
    path("api/audit/", audit.AuditListView.as_view()),
    path("api/audit/export.csv", audit.AuditExportView.as_view()),
]
