import type { ExpertAgreement, ProposedTolerances } from '../api/get-expert-agreement';

const PARTS: [keyof ProposedTolerances, (v: number) => string][] = [
  ['tolerance_dice', (v) => `Dice ≥ ${v}`],
  ['tolerance_t1_ms', (v) => `|ΔT1| ≤ ${v} ms`],
  ['tolerance_t2_ms', (v) => `|ΔT2| ≤ ${v} ms`],
  ['tolerance_t2star_percent', (v) => `|ΔT2*| ≤ ${v} %`],
  ['tolerance_wall_thickness_mm', (v) => `|ΔWT| ≤ ${v} mm`],
  ['tolerance_hd95_mm', (v) => `HD95 ≤ ${v} mm`],
];

/** "Dice ≥ 0.87, |ΔT1| ≤ 6.2 ms, ... from 2 experts on 8 cases", or null when no case has repeated expert contours. */
export function expertAgreementSentence(a: ExpertAgreement): string | null {
  const t = a.proposal.tolerances;
  const parts = PARTS.filter(([k]) => t[k] != null).map(([k, f]) => f(t[k] as number));
  if (!parts.length) return null;
  const n = a.proposal.n_cases;
  const experts = a.proposal.max_experts === 2 ? '2 experts' : `up to ${a.proposal.max_experts} experts`;
  return `${parts.join(', ')} from ${experts} on ${n} case${n === 1 ? '' : 's'} (${a.proposal.statistic})`;
}
