import { API_DEFAULTS } from '@/lib/api-defaults';
import type { Dataset } from '../api/get-datasets';

const DEFAULTS = API_DEFAULTS.DatasetIn;

/** The dataset's accreditation rule in words (the server's defaults where an answer lacks the fields). */
export function accreditationRule(d: Partial<Pick<Dataset, 'accreditation_last_n' | 'accreditation_min_cases'>>): string {
  const n = d.accreditation_last_n ?? DEFAULTS.accreditation_last_n;
  const m = d.accreditation_min_cases ?? DEFAULTS.accreditation_min_cases;
  return `Accredited when the last ${n} submission${n === 1 ? ' is' : 's are'} within all tolerances on at least ${m} distinct case${m === 1 ? '' : 's'}`;
}
