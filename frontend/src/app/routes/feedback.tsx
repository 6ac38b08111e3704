import { Link, useParams } from 'react-router';
import { ErrorBox, Loading, Note } from '@/components/error-box';
import { VerdictPanel } from '@/components/verdict';
import { useSubmission, type EvaluationSummary, type Submission } from '@/features/submissions/api/get-submission';
import { AttemptsSection } from '@/features/submissions/components/attempts-section';
import { Bullseye } from '@/features/submissions/components/bullseye';
import { ConsensusInfo } from '@/features/submissions/components/consensus-info';
import { EvaluationHistory } from '@/features/submissions/components/evaluation-history';
import { MetricsTable } from '@/features/submissions/components/metrics-table';
import { SubmissionStatusLine } from '@/features/submissions/components/submission-status';
import { ValuesTable } from '@/features/submissions/components/values-table';
import { ImageViewer } from '@/features/viewer/components/image-viewer';
import { errorMessage } from '@/lib/api-client';
import { fmtDate } from '@/lib/format';
import { personName, type ContourPair, type Point } from '@/lib/vocabulary';
import { useCurrentUser } from '../layout';

export const SCORE_ONLY_NOTE =
  'Score-only mode: the consensus contours are not shown for this dataset. Your numbers are still compared with the consensus.';
export const NO_CONSENSUS_NOTE = 'No consensus is available for this image: only your own values are shown.';

/** Why no consensus contours are drawn; the server says why there is no consensus when it knows. */
function referenceNote(s: Submission): string | null {
  if (s.feedback_mode === 'score_only') return SCORE_ONLY_NOTE;
  if (!s.consensus) return s.consensus_note || NO_CONSENSUS_NOTE;
  return null;
}

/** The note above the viewer; the server's consensus_note is shown by ConsensusInfo instead. */
function pageNote(s: Submission): string | null {
  if (s.feedback_mode === 'score_only') return SCORE_ONLY_NOTE;
  if (!s.consensus && !s.consensus_note) return NO_CONSENSUS_NOTE;
  return null;
}

/** The contours as the viewer draws them: [x = column, y = row] points. */
function contourPair(c: Submission['contours'] | null): ContourPair | null {
  if (!c) return null;
  const pts = (p: number[][] | null): Point[] | null => (p ? p.map((q) => [q[0], q[1]] as Point) : null);
  return { endocardium: pts(c.endocardium), epicardium: pts(c.epicardium) };
}

/** What the trainee should read beside the numbers (e.g. a thin wall where the contours touch), in their words. */
function Warnings({ summary }: { summary: EvaluationSummary }) {
  if (summary.warnings.length === 0) return null;
  return (
    <div className="note note-warn" role="note" data-testid="summary-warnings">
      <strong>Please note</strong>
      <ul className="plain-list">
        {summary.warnings.map((w) => <li key={w.code} data-testid={`warning-${w.code}`}>{w.message}</li>)}
      </ul>
    </div>
  );
}

const ERROR_KIND_LABELS: Record<EvaluationSummary['error_classes'][number]['kind'], string> = {
  shift: 'Shifted contours',
  epicardium_outside: 'Epicardium outside',
  epicardium_inside: 'Epicardium inside',
  endocardium_inside: 'Endocardium inside',
  endocardium_outside: 'Endocardium outside',
  irregular: 'Irregular contour',
  missed_region: 'Missed region',
  extra_region: 'Extra region',
};

/** What kind of error the trainee made and where (the stored error classes), each with its consequence. */
function ErrorClasses({ summary }: { summary: EvaluationSummary }) {
  if (!summary.agreement) return null;
  return (
    <section className="card" aria-labelledby="errors-heading" data-testid="error-classes">
      <h2 id="errors-heading">What kind of error, and where</h2>
      {summary.error_classes.length === 0 ? (
        <p className="muted">No systematic error: your contours follow the consensus within about 1 mm.</p>
      ) : (
        <ul className="plain-list">
          {summary.error_classes.map((e) => (
            <li key={`${e.kind}-${e.structure}`} data-testid={`error-${e.kind}`}>
              <strong>{ERROR_KIND_LABELS[e.kind]}</strong> ({e.size_mm.toFixed(1)} mm): {e.explanation}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The numbers behind the verdict: agreement metrics and quantitative values. */
function Details({ summary }: { summary: EvaluationSummary }) {
  return (
    <>
      {summary.agreement ? (
        <section className="card" aria-labelledby="metrics-heading">
          <h2 id="metrics-heading">Agreement metrics</h2>
          <MetricsTable agreement={summary.agreement} />
          <p className="hint">
            Dice and Jaccard: overlap, 1 is perfect. Hausdorff distance: the largest distance between your contour and the
            consensus; HD95: its 95th percentile; mean surface distance: the average distance between the contours.
          </p>
        </section>
      ) : null}
      <section className="card" aria-labelledby="values-heading">
        <h2 id="values-heading">Quantitative values</h2>
        <ValuesTable summary={summary} />
      </section>
    </>
  );
}

/** Feedback on one attempt; polls every second while it is queued or running. */
export default function FeedbackRoute() {
  const { submissionId } = useParams();
  const id = Number(submissionId);
  const user = useCurrentUser();
  const sub = useSubmission(id);

  if (!Number.isInteger(id)) return <ErrorBox>This address is not valid.</ErrorBox>;
  if (sub.isPending) return <Loading what="Loading your feedback" />;
  if (sub.isError) return <ErrorBox title="The feedback could not be opened">{errorMessage(sub.error)}</ErrorBox>;

  const s = sub.data;
  const note = referenceNote(s);
  const shownNote = pageNote(s);
  const showReference = s.feedback_mode === 'reveal' && !!s.consensus_contours;
  const summary = s.status === 'done' ? s.summary : null;
  const isSupervisor = user.role === 'supervisor';
  const withBullseye = !!summary && summary.segments.length === 6;

  return (
    <div className="stack">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/">Home</Link>
        {!s.practice ? <> › <Link to={`/cases/${s.case_id}`}>{s.case_title}</Link></> : null}
        {isSupervisor ? <> › <Link to={`/trainees/${s.trainee.id}`}>{personName(s.trainee)}</Link></> : null}
      </nav>
      <div className="page-head">
        <h1>{s.practice ? 'Practice feedback' : `Feedback: ${s.case_title}`}</h1>
        <span className="muted">
          {s.practice ? '' : `Attempt ${s.attempt} · `}{fmtDate(s.created_at)}
          {isSupervisor ? ` · ${personName(s.trainee)}` : ''}
        </span>
      </div>
      <SubmissionStatusLine submission={s} />
      {summary ? <VerdictPanel verdict={summary.verdict} /> : null}
      {s.status === 'done' && !summary ? <Note>No results were recorded for this attempt.</Note> : null}
      {summary ? <Warnings summary={summary} /> : null}
      <EvaluationHistory submission={s} />
      <div className={`feedback-figures${withBullseye ? ' with-bullseye' : ''}`}>
        {summary?.agreement ? <div className="feedback-errors"><ErrorClasses summary={summary} /></div> : null}
        {withBullseye ? <div className="feedback-bullseye"><Bullseye summary={summary} /></div> : null}
        <div className="feedback-image stack">
          <ConsensusInfo submission={s} />
          {shownNote ? <Note>{shownNote}</Note> : null}
          <ImageViewer caseId={s.case_id} trainee={contourPair(s.contours)}
            reference={showReference ? contourPair(s.consensus_contours) : null} referenceNote={note} />
        </div>
      </div>
      {summary ? <Details summary={summary} /> : null}
      <p className="button-row">
        {s.overlay_url && s.status === 'done' ? (
          <a className="btn" href={s.overlay_url} download={`myoqa-overlay-${s.id}.png`} data-testid="overlay-link">
            Download the overlay (PNG)
          </a>
        ) : null}
        {!s.practice && !isSupervisor && (s.status === 'done' || s.status === 'failed') ? (
          <Link className="btn" to={`/cases/${s.case_id}/draw?from=${s.id}`} data-testid="edit-contours">
            Edit these contours and resubmit
          </Link>
        ) : null}
      </p>
      {s.status === 'done' || s.status === 'failed' ? (
        <section className="card" aria-labelledby="dicom-heading" data-testid="dicom-exports">
          <h2 id="dicom-heading">Download as DICOM</h2>
          <p className="muted small">
            For OHIF, 3D Slicer or a PACS: they refer to this case’s de-identified image (its UIDs and frame of reference).
          </p>
          <div className="button-row">
            <a className="btn btn-small" href={`/api/submissions/${s.id}/contours.seg.dcm`} download data-testid="export-contours-seg">
              {isSupervisor ? 'Trainee' : 'Your'} contours: DICOM SEG
            </a>
            <a className="btn btn-small" href={`/api/submissions/${s.id}/contours.rtstruct.dcm`} download data-testid="export-contours-rtstruct">
              {isSupervisor ? 'Trainee' : 'Your'} contours: RTSTRUCT
            </a>
            {showReference ? (
              <>
                <a className="btn btn-small" href={`/api/submissions/${s.id}/consensus.seg.dcm`} download data-testid="export-consensus-seg">
                  Consensus: DICOM SEG
                </a>
                <a className="btn btn-small" href={`/api/submissions/${s.id}/consensus.rtstruct.dcm`} download data-testid="export-consensus-rtstruct">
                  Consensus: RTSTRUCT
                </a>
              </>
            ) : null}
          </div>
        </section>
      ) : null}
      {!s.practice ? (
        <AttemptsSection caseId={s.case_id} traineeId={isSupervisor ? s.trainee.id : null}
          toleranceDice={summary?.tolerances.dice} currentId={s.id}
          title={isSupervisor ? `${personName(s.trainee)}: attempts on this case` : 'Your attempts on this case'} />
      ) : null}
    </div>
  );
}
