import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { UserRef } from '@/lib/vocabulary';
import type { Cohort } from './get-cohorts';

/** GET /api/cohorts/{id}/overview (supervisor): trainees × cases, latest and best result per cell. */
export type OverviewResult = {
  submission_id: number;
  created_at: string;
  dice: number | null;
  hausdorff_mm: number | null;
  delta_map_ms: number | null;
  delta_wall_thickness_mm: number | null;
  within_tolerance: boolean | null;
  status: string;
};

export type OverviewCell = {
  case_id: number;
  attempts: number;
  latest: OverviewResult | null;
  best: OverviewResult | null;
};

export type CohortOverview = {
  cohort: Cohort;
  cases: { id: number; title: string; dataset_id: number; dataset_name: string }[];
  rows: { trainee: UserRef; cells: OverviewCell[] }[];
};

export function getCohortOverview(id: number, signal?: AbortSignal): Promise<CohortOverview> {
  return api.get<CohortOverview>(`/api/cohorts/${id}/overview`, signal);
}

export function useCohortOverview(id: number) {
  return useQuery({ queryKey: ['cohort-overview', id], queryFn: ({ signal }) => getCohortOverview(id, signal) });
}
