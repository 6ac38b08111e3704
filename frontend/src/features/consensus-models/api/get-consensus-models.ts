import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';

export type ModelHead = 'dense' | 'unet';

/** The model's own error against the experts: held-out patients, else the cross-validation mean. */
export type ModelAccuracy = {
  dice: number | null;
  hd_mm: number | null;
  msd_mm: number | null;
  /** "held-out patients …" or "3-fold cross-validation" */
  basis: string;
};

export type ModelData = {
  description: string | null;
  n_cases: number | null;
  n_real_cases: number | null;
  n_phantom_cases: number | null;
  train_patients: string[];
  n_samples: number | null;
  split: string | null;
  n_phantom_patients?: number | null;
  error_kinds?: string[];
};

/** GET /api/consensus-models/ (supervisors): the site's CNN consensus models, newest first. */
export type ConsensusModel = {
  id: number;
  version: string;
  head: ModelHead;
  is_active: boolean;
  created_at: string;
  activated_at: string | null;
  /** username */
  activated_by: string | null;
  /** filter multiplier of VGG-16 (1 = the paper's) */
  width: number | null;
  parameters: number | null;
  accuracy: ModelAccuracy | null;
  /** Why the model may not be activated (no held-out evaluation, or a held-out Dice below the site minimum); null when it may. */
  activation_refusal: string | null;
  training_seconds: number | null;
  /** median seconds per image, model loaded */
  inference_seconds: number | null;
  data: ModelData | null;
};

export const consensusModelsKey = ['consensus-models'] as const;

export function getConsensusModels(signal?: AbortSignal): Promise<ConsensusModel[]> {
  return api.get<ConsensusModel[]>('/api/consensus-models/', signal);
}

export function useConsensusModels() {
  return useQuery({ queryKey: consensusModelsKey, queryFn: ({ signal }) => getConsensusModels(signal) });
}
