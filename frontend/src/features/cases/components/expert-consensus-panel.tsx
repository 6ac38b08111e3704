import { Num } from '@/components/num';
import type { ExpertConsensus } from '../api/get-case';

/**
 * The supervisor's view of a case's expert consensus: how it was fused (STAPLE of three or more experts, majority
 * vote of two) and each expert's sensitivity and specificity for the myocardium against it (STAPLE's estimates;
 * Warfield, Zou & Wells 2004): a low value points at the expert who disagrees with the others.
 */
export function ExpertConsensusPanel({ consensus }: { consensus: ExpertConsensus }) {
  const staple = consensus.method === 'staple';
  return (
    <section className="card" aria-labelledby="expert-consensus-heading" data-testid="expert-consensus">
      <h2 id="expert-consensus-heading">Expert consensus</h2>
      <p className="muted">
        Version {consensus.version}: {consensus.rater}.{' '}
        {staple
          ? 'STAPLE weighs each expert by how reliable they are; their sensitivity and specificity are below.'
          : 'With two experts the consensus is their majority vote (where both agree); add a third for STAPLE and each expert’s reliability.'}
      </p>
      {staple ? (
        <div className="table-scroll">
          <table className="table compact" data-testid="expert-reliability">
            <thead>
              <tr><th scope="col">Expert</th><th scope="col" className="num-col">Sensitivity</th><th scope="col" className="num-col">Specificity</th></tr>
            </thead>
            <tbody>
              {consensus.raters.map((r) => (
                <tr key={r.reference_id}>
                  <td>{r.rater}</td>
                  <td className="num-col"><Num value={r.sensitivity} decimals={3} /></td>
                  <td className="num-col"><Num value={r.specificity} decimals={3} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
