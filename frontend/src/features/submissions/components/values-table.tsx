import type { ReactNode } from 'react';
import { Num } from '@/components/num';
import { PassMark, type ToleranceCheck } from '@/components/verdict';
import { fmtSigned, isNum } from '@/lib/format';
import { QUANTITY_LABEL } from '@/lib/vocabulary';
import type { EvaluationSummary, RaterValues } from '../api/get-submission';

const IRON_LABEL: Record<string, string> = {
  normal: 'Normal (no iron overload)',
  mild: 'Mild iron overload',
  moderate: 'Moderate iron overload',
  severe: 'Severe iron overload',
};

function ironText(v: RaterValues | null | undefined): string {
  const grade = v?.map?.iron_grade;
  if (!v) return '—';
  return grade ? (IRON_LABEL[grade] ?? grade) : 'not graded';
}

/** The map's tolerance in the verdict (T1, T2 or T2*); none for a signal intensity. */
const MAP_CHECK: Record<string, ToleranceCheck['quantity']> = { t1_ms: 't1', t2_ms: 't2', t2star_ms: 't2star' };

type Row = {
  key: string;
  label: ReactNode;
  trainee: number | null | undefined;
  consensus: number | null | undefined;
  delta: number | null | undefined;
  deltaNote?: string | null;
  decimals: number;
  unit: string;
  check?: ToleranceCheck | null;
  sub?: boolean;
};

/**
 * The trainee's quantitative values beside the consensus's, from the stored summary: myocardial T1 / T2 / T2*
 * (with R2* and the iron-overload grade), wall thickness (mean and six sectors) and myocardial area; Δ = trainee −
 * consensus. The map and the mean wall thickness show the verdict's own pass / fail for them. With no consensus,
 * only the trainee's own values.
 */
export function ValuesTable({ summary }: { summary: EvaluationSummary }) {
  const t = summary.trainee;
  const c = summary.consensus;
  const d = summary.delta;
  const hasConsensus = c != null;
  const checkOf = (q: ToleranceCheck['quantity'] | undefined) =>
    q ? (summary.verdict.checks.find((k) => k.quantity === q) ?? null) : null;
  const quantity = summary.map_quantity;
  const q = quantity ? (QUANTITY_LABEL[quantity] ?? quantity) : null;
  const isT2star = quantity === 't2star_ms';
  const mapUnit = summary.map_unit ?? 'ms';
  const tm = t.map;
  const cm = c?.map ?? null;

  const rows: Row[] = [];
  if (q && (tm || cm)) {
    rows.push({ key: 'map-mean', label: <>Myocardial {q} mean{isT2star ? <span className="muted small"> (fit of the mean signal)</span> : null}</>,
      trainee: tm?.mean, consensus: cm?.mean, delta: d?.map, decimals: 1, unit: mapUnit,
      deltaNote: isT2star && isNum(d?.map_percent) ? `${fmtSigned(d.map_percent, 1)} %` : null,
      check: checkOf(quantity ? MAP_CHECK[quantity] : undefined) });
    rows.push({ key: 'map-sd', label: <>{q} SD</>, trainee: tm?.sd, consensus: cm?.sd, delta: null, decimals: 1, unit: mapUnit, sub: true });
    rows.push({ key: 'map-median', label: <>{q} median</>, trainee: tm?.median, consensus: cm?.median, delta: null, decimals: 1, unit: mapUnit, sub: true });
    if (isT2star) {
      rows.push({ key: 'r2star', label: <>R2*</>, trainee: tm?.r2star_per_s, consensus: cm?.r2star_per_s, delta: null,
        decimals: 1, unit: 's⁻¹', sub: true });
    }
  }
  const wtT = t.wall_thickness;
  const wtC = c?.wall_thickness ?? null;
  rows.push({ key: 'wt-mean', label: <>Wall thickness, mean</>, trainee: wtT.mean_mm, consensus: wtC?.mean_mm,
    delta: d?.wall_thickness_mm, decimals: 2, unit: 'mm', check: checkOf('wall_thickness') });
  const names = wtT.sector_names.length ? wtT.sector_names : (wtC?.sector_names ?? []);
  const nSectors = Math.max(wtT.sectors_mm.length, wtC?.sectors_mm.length ?? 0);
  for (let i = 0; i < nSectors; i += 1) {
    rows.push({ key: `wt-${i}`, label: <>Wall thickness, {names[i] ?? `sector ${i + 1}`}</>, trainee: wtT.sectors_mm[i],
      consensus: wtC?.sectors_mm[i], delta: d?.wall_thickness_sectors_mm[i], decimals: 2, unit: 'mm', sub: true });
  }
  rows.push({ key: 'area', label: <>Myocardial area</>, trainee: t.myocardium_area_mm2, consensus: c?.myocardium_area_mm2,
    delta: d?.myocardium_area_mm2, decimals: 0, unit: 'mm²' });

  return (
    <div className="table-scroll">
      <table className="table values" data-testid="values-table">
        <caption>{hasConsensus ? 'Your values beside the consensus' : 'Your values (no consensus for this image)'}</caption>
        <thead>
          <tr>
            <th scope="col">Quantity</th>
            <th scope="col" className="num-col">You (trainee)</th>
            {hasConsensus ? (
              <>
                <th scope="col" className="num-col">Consensus</th>
                <th scope="col" className="num-col">Δ (you − consensus)</th>
                <th scope="col">Tolerance</th>
              </>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key} className={row.sub ? 'sub-row' : undefined} data-testid={`value-row-${row.key}`}>
              <th scope="row">{row.label}</th>
              <td className="num-col"><Num value={row.trainee} decimals={row.decimals} unit={row.unit} testId={`value-${row.key}-trainee`} /></td>
              {hasConsensus ? (
                <>
                  <td className="num-col"><Num value={row.consensus} decimals={row.decimals} unit={row.unit} testId={`value-${row.key}-consensus`} /></td>
                  <td className="num-col">
                    <Num value={row.delta} decimals={row.decimals} unit={row.unit} signed testId={`value-${row.key}-delta`} />
                    {row.deltaNote ? <div className="muted small">{row.deltaNote}</div> : null}
                  </td>
                  <td>{row.check ? <PassMark passed={row.check.passed} testId={`value-${row.key}-mark`} /> : null}</td>
                </>
              ) : null}
            </tr>
          ))}
          {isT2star ? (
            <tr data-testid="value-row-iron">
              <th scope="row">Iron-overload grade (heart)</th>
              <td>{ironText(t)}</td>
              {hasConsensus ? <><td>{ironText(c)}</td><td /><td /></> : null}
            </tr>
          ) : null}
          {tm ? (
            <tr className="sub-row">
              <th scope="row">Pixels in the myocardium</th>
              <td className="num-col">{tm.n_pixels}</td>
              {hasConsensus ? <><td className="num-col">{cm?.n_pixels ?? '—'}</td><td /><td /></> : null}
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}
