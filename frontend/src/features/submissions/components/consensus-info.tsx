import { CONSENSUS_SOURCE_LABEL } from '@/lib/vocabulary';
import type { Submission } from '../api/get-submission';

/**
 * What the attempt was compared with, and the server's note on it. An automatic consensus names its CNN model, and its note (the model's own
 * accuracy against experts) is always shown prominently: the trainee must know how far to trust it.
 */
export function ConsensusInfo({ submission }: { submission: Pick<Submission, 'consensus' | 'consensus_note'> }) {
  const { consensus, consensus_note: note } = submission;
  if (!consensus) {
    // Why there is none (e.g. no automatic consensus model is active yet), when the server says.
    return note ? <p className="note" data-testid="consensus-note">{note}</p> : null;
  }
  if (consensus.source === 'automatic') {
    return (
      <div className="consensus-auto" data-testid="consensus-info">
        <p className="muted small" data-testid="consensus-source">
          Compared with: Automatic consensus (CNN{consensus.model_version ? ` ${consensus.model_version}` : ''}).
        </p>
        <p className="note note-warn" data-testid="consensus-note" role="note">
          <strong>How accurate is the automatic consensus? </strong>
          {note || 'The model’s own accuracy against experts was not recorded for this attempt.'}
        </p>
      </div>
    );
  }
  return (
    <div data-testid="consensus-info">
      <p className="muted small" data-testid="consensus-source">
        Compared with: {consensus.label || (CONSENSUS_SOURCE_LABEL[consensus.source] ?? consensus.source)}
        {consensus.contributors ? ` (${consensus.contributors} contour set${consensus.contributors === 1 ? '' : 's'})` : ''}
        {consensus.version != null ? `, version ${consensus.version}` : ''}.
      </p>
      {note ? <p className="note" data-testid="consensus-note">{note}</p> : null}
    </div>
  );
}
