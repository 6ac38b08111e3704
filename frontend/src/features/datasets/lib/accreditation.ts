import { DEFAULT_ACCREDITATION } from '@/lib/vocabulary';
import type { Dataset } from '../api/get-datasets';

/** The dataset's accreditation rule in words (defaults where an older answer lacks the fields). */
export function accreditationRule(d: Partial<Pick<Dataset, 'accreditation_last_n' | 'accreditation_min_cases'>>): string {
  const n = d.accreditation_last_n ?? DEFAULT_ACCREDITATION.last_n;
  const m = d.accreditation_min_cases ?? DEFAULT_ACCREDITATION.min_cases;
  return `Accredited when the last ${n} submission${n === 1 ? ' is' : 's are'} within all tolerances on at least ${m} distinct case${m === 1 ? '' : 's'}`;
}
