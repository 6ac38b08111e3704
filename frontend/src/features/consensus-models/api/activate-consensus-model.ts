import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import { consensusModelKey, type ConsensusModelDetail } from './get-consensus-model';
import { consensusModelsKey, type ConsensusModel } from './get-consensus-models';

/**
 * POST /api/consensus-models/{id}/activate (supervisor) → Model, now the only active one: evaluations of datasets
 * with the automatic consensus, and practice uploads, use it.
 */
export function activateConsensusModel(id: number): Promise<ConsensusModel> {
  return api.post<ConsensusModel>(`/api/consensus-models/${id}/activate`);
}

export function useActivateConsensusModel() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: activateConsensusModel,
    onSuccess: (m) => {
      // The card shows the new state at once (the refetch below brings the rest).
      qc.setQueryData<ConsensusModelDetail>(consensusModelKey(m.id), (old) => (old ? { ...old, ...m } : old));
      // The list and every card (another model may have been the active one); datasets say whether one is active.
      void qc.invalidateQueries({ queryKey: consensusModelsKey });
      void qc.invalidateQueries({ queryKey: ['datasets'] });
    },
  });
}
