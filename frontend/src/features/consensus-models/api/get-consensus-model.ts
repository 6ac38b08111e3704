import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import { consensusModelsKey, type ConsensusModel } from './get-consensus-models';

/** Agreement of one contour with the experts' consensus (means over the inputs). */
export type Agreement = { dice: number | null; hd_mm: number | null; msd_mm: number | null };

export type CrossValidationFold = {
  fold: number;
  validation_patients: string[];
  model_vs_expert: Agreement | null;
  trainee_vs_expert: Agreement | null;
  model_closer_dice?: number | null;
  n_train_samples?: number;
  final_loss?: number | null;
  seconds?: number | null;
};

/** One error kind's results on held-out patients ({"n": 0} alone when the kind had no input). */
export type HoldoutResult = {
  n: number;
  trainee?: Agreement | null;
  model?: Agreement | null;
  /** fraction of inputs where the model's consensus is closer to the experts than the trainee (higher Dice) */
  model_closer_dice?: number | null;
  /** the same by Hausdorff distance (lower) */
  model_closer_hd?: number | null;
  failures?: number | null;
};

export type Holdout = {
  patients: string[];
  n_cases?: number;
  per_kind: Record<string, HoldoutResult>;
  overall: HoldoutResult;
};

/** The model card JSON (ml/train.py); only the parts the UI reads are typed, all of them optional. */
export type ModelCardJson = {
  version?: string;
  architecture?: string;
  default_head?: string;
  default_head_reason?: string;
  cross_validation?: CrossValidationFold[] | null;
  holdout?: Holdout | null;
  libraries?: { tensorflow?: string; keras?: string; python?: string; numpy?: string; scipy?: string; machine?: string;
    gpus?: string[] } & Record<string, unknown>;
  config?: { epochs?: number; batch_size?: number; folds?: number; variants?: number; seed?: number } & Record<string, unknown>;
  optimiser?: { name?: string; learning_rate?: number; beta_1?: number; beta_2?: number };
  loss?: string;
  final_loss?: number | null;
  final_fit_seconds?: number | null;
  inference_seconds?: { median?: number; max?: number; what?: string };
} & Record<string, unknown>;

/** GET /api/consensus-models/{id}: the model, its whole card and the card's readable summary (Markdown). */
export type ConsensusModelDetail = ConsensusModel & { card: ModelCardJson; summary_markdown: string };

export const consensusModelKey = (id: number) => [...consensusModelsKey, id] as const;

export function getConsensusModel(id: number, signal?: AbortSignal): Promise<ConsensusModelDetail> {
  return api.get<ConsensusModelDetail>(`/api/consensus-models/${id}`, signal);
}

export function useConsensusModel(id: number | null) {
  return useQuery({
    queryKey: consensusModelKey(id ?? -1),
    queryFn: ({ signal }) => getConsensusModel(id as number, signal),
    enabled: typeof id === 'number',
  });
}
