import { useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api-client';

/**
 * GET /api/cases/{id}/pixels — little-endian float32 pixels of the display frame (first echo of a series),
 * row-major, rows*columns values; headers X-Rows, X-Columns, X-Pixel-Spacing ("dy,dx" in mm), X-Units.
 */
export type PixelImage = {
  rows: number;
  columns: number;
  /** row spacing (mm) */
  dy: number;
  /** column spacing (mm) */
  dx: number;
  units: string;
  data: Float32Array;
};

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function parsePixels(buffer: ArrayBuffer, headers: Headers): PixelImage {
  const rows = Number(headers.get('X-Rows'));
  const columns = Number(headers.get('X-Columns'));
  if (!Number.isInteger(rows) || !Number.isInteger(columns) || rows <= 0 || columns <= 0) {
    throw new Error('The image size is missing from the server’s answer (X-Rows / X-Columns).');
  }
  const n = rows * columns;
  if (buffer.byteLength < n * 4) {
    throw new Error(`The image data is incomplete: ${buffer.byteLength} bytes for ${rows} × ${columns} float32 pixels.`);
  }
  const spacing = (headers.get('X-Pixel-Spacing') ?? '').split(',').map((s) => Number(s.trim()));
  const dy = spacing[0] > 0 ? spacing[0] : 1;
  const dx = spacing[1] > 0 ? spacing[1] : dy;
  let data: Float32Array;
  if (LITTLE_ENDIAN) {
    data = new Float32Array(buffer.slice(0, n * 4));
  } else {
    const view = new DataView(buffer);
    data = new Float32Array(n);
    for (let i = 0; i < n; i += 1) data[i] = view.getFloat32(i * 4, true);
  }
  return { rows, columns, dy, dx, units: headers.get('X-Units') ?? '', data };
}

export async function getPixels(caseId: number, signal?: AbortSignal): Promise<PixelImage> {
  const response = await apiFetch(`/api/cases/${caseId}/pixels`, { signal, headers: { Accept: 'application/octet-stream' } });
  return parsePixels(await response.arrayBuffer(), response.headers);
}

export function usePixels(caseId: number | null | undefined) {
  return useQuery({
    queryKey: ['pixels', caseId],
    queryFn: ({ signal }) => getPixels(caseId as number, signal),
    enabled: typeof caseId === 'number',
    staleTime: Infinity,
    gcTime: 5 * 60_000,
  });
}
