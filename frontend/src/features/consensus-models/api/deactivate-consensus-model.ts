import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import { consensusModelsKey, type ConsensusModel } from './get-consensus-models';

/** POST /api/consensus-models/deactivate (supervisor) → 204: no model is active afterwards. */
export function deactivateConsensusModel(): Promise<void> {
  return api.post<void>('/api/consensus-models/deactivate');
}

export function useDeactivateConsensusModel() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deactivateConsensusModel,
    onSuccess: () => {
      // The list and the cards show "not active" at once; the refetch below confirms it.
      qc.setQueriesData<ConsensusModel | ConsensusModel[]>({ queryKey: consensusModelsKey }, (old) => {
        if (Array.isArray(old)) return old.map((m) => ({ ...m, is_active: false }));
        return old ? { ...old, is_active: false } : old;
      });
      void qc.invalidateQueries({ queryKey: consensusModelsKey });
      void qc.invalidateQueries({ queryKey: ['datasets'] });
    },
  });
}
