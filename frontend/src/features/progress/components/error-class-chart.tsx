import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { TraineeErrorClasses } from '../api/get-trainee-error-classes';
import { curveSentence, errorCurves, ordinal, type ErrorKind } from '../lib/error-curves';

/** One Okabe-Ito colour per error class, as in the PDF reports (reports/style.py ERROR_KIND_COLOURS). */
const KIND_COLOURS: Record<ErrorKind, string> = {
  shift: '#000000',
  epicardium_outside: '#E69F00',
  epicardium_inside: '#CC79A7',
  endocardium_inside: '#0072B2',
  endocardium_outside: '#56B4E9',
  irregular: '#7f7f7f',
  missed_region: '#D55E00',
  extra_region: '#009E73',
};

/**
 * The trainee's learning curve per error class: for each attempt number on a case (first, second, ...), the share of
 * those attempts whose stored evaluation found the class; one sentence per class below the chart.
 */
export function ErrorClassChart({ data, height = 220 }: { data: TraineeErrorClasses; height?: number }) {
  const curves = errorCurves(data);
  if (data.attempts.length === 0) return <p className="note">No evaluated attempts yet.</p>;
  if (curves.length === 0) {
    return <p className="note" data-testid="error-curves-none">No error class found in any of your {data.attempts.length} evaluated attempts.</p>;
  }
  const rows = curves[0].points.map((p, i) => {
    const row: Record<string, number | string | null> = { label: ordinal(p.index) };
    for (const c of curves) {
      const q = c.points[i];
      row[c.kind] = q.total > 0 ? Math.round((100 * q.count) / q.total) : null;
    }
    return row;
  });
  const title = 'Share of your attempts with each error class, by attempt number on a case';
  return (
    <div data-testid="error-curves">
      {rows.length > 1 ? (
        <figure className="chart" aria-label={title}>
          <figcaption className="visually-hidden">{title}</figcaption>
          <ResponsiveContainer width="100%" height={height} initialDimension={{ width: 600, height }}>
            <LineChart data={rows} margin={{ top: 10, right: 20, bottom: 5, left: 0 }}>
              <CartesianGrid stroke="#e3e7ea" />
              <XAxis dataKey="label" tick={{ fontSize: 12 }} label={{ value: 'attempt on a case', position: 'insideBottom', offset: -2, fontSize: 11 }} height={36} />
              <YAxis domain={[0, 100]} tick={{ fontSize: 12 }} tickFormatter={(v: number) => `${v} %`}
                label={{ value: 'attempts with it', angle: -90, position: 'insideLeft', fontSize: 11 }} />
              <Tooltip formatter={(value, name) => [typeof value === 'number' ? `${value} %` : String(value), name]} />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              {curves.map((c) => (
                <Line key={c.kind} type="monotone" dataKey={c.kind} name={c.label} stroke={KIND_COLOURS[c.kind]} strokeWidth={2}
                  dot={{ r: 3 }} connectNulls isAnimationActive={false} />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </figure>
      ) : null}
      <ul className="small" data-testid="error-curve-sentences">
        {curves.map((c) => <li key={c.kind}>{curveSentence(c)}</li>)}
      </ul>
    </div>
  );
}
