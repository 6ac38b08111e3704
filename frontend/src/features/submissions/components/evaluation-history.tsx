import type { Submission } from '../api/get-submission';

const VERDICT_LABEL: Record<string, string> = { within: 'within', outside: 'outside', not_assessed: 'not assessed' };

function fmt(v: number | null | undefined, digits: number): string {
  return v == null ? '–' : v.toFixed(digits);
}

/**
 * The attempt's earlier results: each was evaluated against an older consensus version (the supervisor replaced the
 * case's gold standard since) and is kept as it was; the result above is against the current one.
 */
export function EvaluationHistory({ submission }: { submission: Submission }) {
  const history = submission.history ?? [];
  if (history.length === 0) return null;
  return (
    <section className="card" aria-labelledby="history-heading" data-testid="evaluation-history">
      <h2 id="history-heading">Earlier results of this attempt</h2>
      <p className="muted small">
        The case’s consensus was replaced after this attempt was evaluated; the result above is against consensus
        version {submission.consensus?.version ?? '–'}. The earlier ones are kept as they were.
      </p>
      <table className="table">
        <thead>
          <tr><th className="num-col">Consensus version</th><th className="num-col">Dice</th><th className="num-col">HD95 (mm)</th><th>Verdict</th><th>Replaced</th></tr>
        </thead>
        <tbody>
          {history.map((h, i) => (
            <tr key={i}>
              <td className="num-col">{h.consensus_version ?? '–'}</td>
              <td className="num-col">{fmt(h.dice, 3)}</td>
              <td className="num-col">{fmt(h.hd95_mm, 1)}</td>
              <td>{h.verdict ? VERDICT_LABEL[h.verdict] ?? h.verdict : '–'}</td>
              <td>{new Date(h.superseded_at).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
