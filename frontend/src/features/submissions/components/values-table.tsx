import type { ReactNode } from 'react';
import { Num } from '@/components/num';
import { ToleranceMark } from '@/components/tolerance-mark';
import { isNum } from '@/lib/format';
import { QUANTITY_LABEL } from '@/lib/vocabulary';
import type { AssessmentPayload, MapStatistics, RaterValues, Tolerance } from '../api/get-submission';
import { absWithin } from '../lib/summary';

function diff(a: number | null | undefined, b: number | null | undefined): number | null {
  return isNum(a) && isNum(b) ? a - b : null;
}

const IRON_LABEL: Record<string, string> = {
  normal: 'Normal (no iron overload)',
  mild: 'Mild iron overload',
  moderate: 'Moderate iron overload',
  severe: 'Severe iron overload',
};

function ironText(v: RaterValues | null | undefined): string {
  if (!v) return '—';
  const grade = v.iron_grade ?? v.map?.iron?.grade ?? null;
  if (grade) return IRON_LABEL[grade] ?? grade;
  return v.map?.iron?.reason ? `not graded (${v.map.iron.reason})` : 'not graded';
}

type Row = {
  key: string;
  label: ReactNode;
  trainee: number | null | undefined;
  reference: number | null | undefined;
  delta: number | null | undefined;
  decimals: number;
  unit: string;
  within?: boolean | null;
  marked?: boolean;
  sub?: boolean;
};

/**
 * The trainee's quantitative values beside the consensus's: myocardial T1 / T2 / T2* (with R2* and the
 * iron-overload grade), wall thickness (mean and six sectors) and myocardial area; Δ = trainee − consensus, with
 * tolerance marks for |Δ map| and |Δ wall thickness|. With no consensus, only the trainee's own values.
 */
export function ValuesTable({ result, tolerance }: { result: AssessmentPayload; tolerance: Tolerance | null }) {
  const t = result.trainee;
  const r = result.reference;
  const hasRef = r != null;
  const tm: MapStatistics | null = t.map;
  const rm: MapStatistics | null = r?.map ?? null;
  const quantity = tm?.quantity ?? rm?.quantity ?? result.delta?.map_quantity ?? null;
  const q = quantity ? (QUANTITY_LABEL[quantity] ?? quantity) : null;
  const isT2star = quantity === 't2star_ms';
  // A magnitude image has signal intensity (a.u.), not a relaxation time: no unit in ms, no tolerance mark.
  const isSignal = quantity === 'signal';
  const mapUnit = isSignal ? 'a.u.' : 'ms';

  const mapDelta = isNum(result.delta?.map_mean) ? result.delta.map_mean : diff(tm?.mean, rm?.mean);
  const serverMap = tolerance?.within?.map;
  const mapWithin = isSignal ? null : typeof serverMap === 'boolean' ? serverMap : absWithin(mapDelta, tolerance?.map_ms);
  const wtT = t.wall_thickness_mm;
  const wtR = r?.wall_thickness_mm ?? null;
  const wtDelta = isNum(result.delta?.wall_thickness_mm) ? result.delta.wall_thickness_mm : diff(wtT?.mean, wtR?.mean);
  const serverWt = tolerance?.within?.wall_thickness;
  const wtWithin = typeof serverWt === 'boolean' ? serverWt : absWithin(wtDelta, tolerance?.wall_thickness_mm);

  const rows: Row[] = [];
  if (q && (tm || rm)) {
    rows.push({ key: 'map-mean', label: <>Myocardial {q} mean{isT2star ? <span className="muted small"> (fit of the mean signal)</span> : null}</>,
      trainee: tm?.mean, reference: rm?.mean, delta: mapDelta, decimals: 1, unit: mapUnit, within: mapWithin, marked: !isSignal });
    rows.push({ key: 'map-sd', label: <>{q} SD</>, trainee: tm?.sd, reference: rm?.sd, delta: diff(tm?.sd, rm?.sd), decimals: 1, unit: mapUnit, sub: true });
    rows.push({ key: 'map-median', label: <>{q} median</>, trainee: tm?.median, reference: rm?.median, delta: diff(tm?.median, rm?.median), decimals: 1, unit: mapUnit, sub: true });
    if (isT2star) {
      rows.push({ key: 'r2star', label: <>R2*</>, trainee: tm?.r2star_per_s, reference: rm?.r2star_per_s,
        delta: diff(tm?.r2star_per_s, rm?.r2star_per_s), decimals: 1, unit: 's⁻¹', sub: true });
    }
  }
  rows.push({ key: 'wt-mean', label: <>Wall thickness, mean</>, trainee: wtT?.mean, reference: wtR?.mean, delta: wtDelta,
    decimals: 2, unit: 'mm', within: wtWithin, marked: true });
  const names = wtT?.sector_names ?? wtR?.sector_names ?? [];
  const nSectors = Math.max(wtT?.sectors?.length ?? 0, wtR?.sectors?.length ?? 0);
  for (let i = 0; i < nSectors; i += 1) {
    const a = wtT?.sectors?.[i];
    const b = wtR?.sectors?.[i];
    const d = result.delta?.wall_thickness_sectors_mm?.[i];
    rows.push({ key: `wt-${i}`, label: <>Wall thickness, {names[i] ?? `sector ${i + 1}`}</>, trainee: a, reference: b,
      delta: isNum(d) ? d : diff(a, b), decimals: 2, unit: 'mm', sub: true });
  }
  const areaDelta = isNum(result.delta?.myocardium_area_mm2) ? result.delta.myocardium_area_mm2 : diff(t.myocardium_area_mm2, r?.myocardium_area_mm2);
  rows.push({ key: 'area', label: <>Myocardial area</>, trainee: t.myocardium_area_mm2, reference: r?.myocardium_area_mm2,
    delta: areaDelta, decimals: 0, unit: 'mm²' });

  return (
    <div className="table-scroll">
      <table className="table values" data-testid="values-table">
        <caption>
          {hasRef ? 'Your values beside the consensus' : 'Your values (no consensus for this image)'}
          {hasRef && tolerance ? (
            <span className="muted small"> · tolerance {isSignal ? '' : <>|Δ{q ?? ' map'}| ≤ {tolerance.map_ms} ms, </>}|Δ wall thickness| ≤ {tolerance.wall_thickness_mm} mm</span>
          ) : null}
        </caption>
        <thead>
          <tr>
            <th scope="col">Quantity</th>
            <th scope="col" className="num-col">You (trainee)</th>
            {hasRef ? (
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
              {hasRef ? (
                <>
                  <td className="num-col"><Num value={row.reference} decimals={row.decimals} unit={row.unit} testId={`value-${row.key}-consensus`} /></td>
                  <td className="num-col"><Num value={row.delta} decimals={row.decimals} unit={row.unit} signed testId={`value-${row.key}-delta`} /></td>
                  <td>{row.marked ? <ToleranceMark within={row.within} testId={`value-${row.key}-mark`} /> : null}</td>
                </>
              ) : null}
            </tr>
          ))}
          {isT2star ? (
            <tr data-testid="value-row-iron">
              <th scope="row">Iron-overload grade (heart)</th>
              <td>{ironText(t)}</td>
              {hasRef ? <><td>{ironText(r)}</td><td /><td /></> : null}
            </tr>
          ) : null}
          {tm?.n_pixels != null ? (
            <tr className="sub-row">
              <th scope="row">Pixels in the myocardium</th>
              <td className="num-col">{tm.n_pixels}</td>
              {hasRef ? <><td className="num-col">{rm?.n_pixels ?? '—'}</td><td /><td /></> : null}
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}
