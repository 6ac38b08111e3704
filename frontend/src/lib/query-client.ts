import { QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiError } from './api-client';

export const ME_QUERY_KEY = ['auth', 'me'] as const;

/** 4xx answers are final (a retry would give the same answer); others are retried once. */
function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 1;
}

export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (error, query) => {
        // A session that expired: ask again who we are, which sends the user to the login page.
        if (error instanceof ApiError && (error.status === 401 || error.status === 403) && query.queryKey[0] !== 'auth') {
          void client.invalidateQueries({ queryKey: ME_QUERY_KEY });
        }
      },
    }),
    defaultOptions: {
      queries: { retry: shouldRetry, refetchOnWindowFocus: false, staleTime: 10_000 },
      mutations: { retry: false },
    },
  });
  return client;
}
