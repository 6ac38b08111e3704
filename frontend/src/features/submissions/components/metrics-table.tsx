import { Num } from '@/components/num';
import type { Agreement } from '../api/get-submission';

type StructureKey = 'myocardium' | 'endocardium' | 'epicardium';

const STRUCTURES: { key: StructureKey; label: string; hint: string }[] = [
  { key: 'myocardium', label: 'Myocardium', hint: 'the ring between endocardium and epicardium' },
  { key: 'endocardium', label: 'Endocardium', hint: 'region inside the endocardium (LV cavity)' },
  { key: 'epicardium', label: 'Epicardium', hint: 'region inside the epicardium (whole LV)' },
];

/**
 * Agreement of the trainee's contours with the consensus, per structure: Dice, Jaccard, Hausdorff distance, HD95,
 * mean surface distance; the myocardium also sensitivity, specificity, PPV and NPV. The numbers of the stored
 * summary; which of them pass a tolerance is the verdict's to say (its checks table), not this table's.
 */
export function MetricsTable({ agreement }: { agreement: Agreement }) {
  const myo = agreement.myocardium;
  return (
    <div className="stack">
      <div className="table-scroll">
        <table className="table metrics" data-testid="metrics-table">
          <caption>Agreement with the consensus</caption>
          <thead>
            <tr>
              <th scope="col">Structure</th>
              <th scope="col" className="num-col">Dice</th>
              <th scope="col" className="num-col">Jaccard</th>
              <th scope="col" className="num-col">Hausdorff distance</th>
              <th scope="col" className="num-col">HD95</th>
              <th scope="col" className="num-col">Mean surface distance</th>
            </tr>
          </thead>
          <tbody>
            {STRUCTURES.map(({ key, label, hint }) => {
              const m = agreement[key];
              return (
                <tr key={key} data-testid={`metric-row-${key}`}>
                  <th scope="row">
                    {label}
                    <div className="muted small">{hint}</div>
                  </th>
                  <td className="num-col"><Num value={m.dice} decimals={3} testId={`metric-${key}-dice`} /></td>
                  <td className="num-col"><Num value={m.jaccard} decimals={3} testId={`metric-${key}-jaccard`} /></td>
                  <td className="num-col"><Num value={m.hausdorff_mm} decimals={2} unit="mm" testId={`metric-${key}-hausdorff`} /></td>
                  <td className="num-col"><Num value={m.hd95_mm} decimals={2} unit="mm" testId={`metric-${key}-hd95`} /></td>
                  <td className="num-col"><Num value={m.mean_surface_distance_mm} decimals={2} unit="mm" testId={`metric-${key}-msd`} /></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="table-scroll">
        <table className="table metrics compact">
          <caption>Myocardium, pixel classification</caption>
          <thead>
            <tr>
              <th scope="col" className="num-col">Sensitivity</th>
              <th scope="col" className="num-col">Specificity</th>
              <th scope="col" className="num-col">PPV</th>
              <th scope="col" className="num-col">NPV</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td className="num-col"><Num value={myo.sensitivity} decimals={3} testId="metric-myocardium-sensitivity" /></td>
              <td className="num-col"><Num value={myo.specificity} decimals={3} testId="metric-myocardium-specificity" /></td>
              <td className="num-col"><Num value={myo.ppv} decimals={3} testId="metric-myocardium-ppv" /></td>
              <td className="num-col"><Num value={myo.npv} decimals={3} testId="metric-myocardium-npv" /></td>
            </tr>
          </tbody>
        </table>
      </div>
    </div>
  );
}
