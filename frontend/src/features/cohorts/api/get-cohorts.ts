import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { UserRef } from '@/lib/vocabulary';
import type { TraineeAccount } from './trainee-account';

/** GET /api/cohorts/ — the cohorts a supervisor runs, or a trainee belongs to. */
export type Cohort = {
  id: number;
  name: string;
  supervisor: UserRef;
  trainees: (UserRef & Partial<Pick<TraineeAccount, 'is_active' | 'directory'>>)[];
  datasets: { id: number; name: string }[];
  /** archived by its supervisor: hidden from its trainees, kept in reports and exports */
  archived?: boolean;
};

export const cohortsKey = ['cohorts'] as const;

export function getCohorts(signal?: AbortSignal): Promise<Cohort[]> {
  return api.get<Cohort[]>('/api/cohorts/', signal);
}

export function useCohorts() {
  return useQuery({ queryKey: cohortsKey, queryFn: ({ signal }) => getCohorts(signal) });
}
