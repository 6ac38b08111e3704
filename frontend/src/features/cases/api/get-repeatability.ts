import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';

/**
 * GET /api/trainees/{id}/repeatability (a supervisor of the trainee's cohorts; the trainee for themself): each case
 * and hidden repeat the trainee submitted to both, compared (Dice, HD95, |d map|, |dWT| between the two attempts).
 */
export type TraineeRepeatability = components['schemas']['TraineeRepeatability'];
export type RepeatabilityRow = components['schemas']['Repeatability'];

export function getRepeatability(traineeId: number, signal?: AbortSignal): Promise<TraineeRepeatability> {
  return api.get<TraineeRepeatability>(`/api/trainees/${traineeId}/repeatability`, signal);
}

export function useRepeatability(traineeId: number | null | undefined) {
  return useQuery({
    queryKey: ['trainee-repeatability', traineeId],
    queryFn: ({ signal }) => getRepeatability(traineeId as number, signal),
    enabled: typeof traineeId === 'number',
  });
}
