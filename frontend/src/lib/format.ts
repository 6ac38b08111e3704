/** Number formatting: fixed decimals, an em dash for undefined values (never a made-up 0). */

export const DASH = '—';

export function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export function fmt(v: number | null | undefined, decimals: number): string {
  return isNum(v) ? v.toFixed(decimals) : DASH;
}

/** With an explicit sign, for differences (trainee − consensus). */
export function fmtSigned(v: number | null | undefined, decimals: number): string {
  if (!isNum(v)) return DASH;
  const s = v.toFixed(decimals);
  return v > 0 && Number(s) !== 0 ? `+${s}` : s;
}

export const fmtDice = (v: number | null | undefined) => fmt(v, 3);
export const fmtMm = (v: number | null | undefined) => fmt(v, 2);

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function fmtShortDate(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}
