import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';

export type AttemptPoint = {
  /** x-axis label: "#2" or a date */
  label: string;
  dice: number | null;
  hausdorff_mm: number | null;
};

const ACCENT = '#0f6e8c';
const HD_COLOUR = '#b4570f';

/**
 * Dice (left axis, 0–1) and Hausdorff distance (right axis, mm) over attempts, with the Dice tolerance drawn as a
 * shaded band from the tolerance to 1 and a dashed line at the tolerance.
 */
export default function AttemptsChart({ points, toleranceDice, height = 260, title }: {
  points: AttemptPoint[];
  toleranceDice?: number | null;
  height?: number;
  title: string;
}) {
  if (points.length === 0) {
    return <p className="note">No evaluated attempts yet.</p>;
  }
  const minDice = Math.min(0.5, ...points.map((p) => (p.dice ?? 1)), toleranceDice ?? 1);
  const lower = Math.max(0, Math.floor(minDice * 10) / 10);
  // Head-room above the largest Hausdorff distance, so its line does not sit on the frame.
  const hdMax = Math.max(1, Math.ceil(Math.max(0, ...points.map((p) => p.hausdorff_mm ?? 0)) * 1.3));
  return (
    <figure className="chart" aria-label={title}>
      <figcaption className="visually-hidden">{title}</figcaption>
      <ResponsiveContainer width="100%" height={height} initialDimension={{ width: 600, height }}>
        <LineChart data={points} margin={{ top: 10, right: 20, bottom: 5, left: 0 }}>
          <CartesianGrid stroke="#e3e7ea" />
          <XAxis dataKey="label" tick={{ fontSize: 12 }} />
          <YAxis yAxisId="dice" domain={[lower, 1]} tick={{ fontSize: 12 }} tickFormatter={(v: number) => v.toFixed(2)}
            label={{ value: 'Dice', angle: -90, position: 'insideLeft', fontSize: 12 }} />
          <YAxis yAxisId="hd" orientation="right" tick={{ fontSize: 12 }} domain={[0, hdMax]} allowDecimals
            label={{ value: 'HD (mm)', angle: 90, position: 'insideRight', fontSize: 12 }} />
          {typeof toleranceDice === 'number' ? (
            <>
              <ReferenceArea yAxisId="dice" y1={toleranceDice} y2={1} fill="#2e8b57" fillOpacity={0.08}
                ifOverflow="extendDomain" />
              <ReferenceLine yAxisId="dice" y={toleranceDice} stroke="#2e8b57" strokeDasharray="5 4"
                label={{ value: `Dice tolerance ${toleranceDice.toFixed(2)}`, position: 'insideBottomLeft', fontSize: 11, fill: '#2e6b45' }} />
            </>
          ) : null}
          <Tooltip formatter={(value, name) => [typeof value === 'number' ? value.toFixed(name === 'Dice' ? 3 : 2) : String(value), name]} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Line yAxisId="dice" type="monotone" dataKey="dice" name="Dice" stroke={ACCENT} strokeWidth={2}
            dot={{ r: 3 }} connectNulls isAnimationActive={false} />
          <Line yAxisId="hd" type="monotone" dataKey="hausdorff_mm" name="Hausdorff (mm)" stroke={HD_COLOUR}
            strokeDasharray="4 3" dot={{ r: 3 }} connectNulls isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
