import type { ContourPair } from '@/lib/vocabulary';

export type Structure = 'endocardium' | 'epicardium';

export type ContourEditor = {
  /** Contours to start from (a draft, an uploaded contour, the latest submission); null for a blank image. */
  initial: ContourPair | null;
  /** Called with the drawn closed contours (MyoQA pixel coordinates) after every change. */
  onChange: (c: ContourPair) => void;
};

export type ImageViewerProps = {
  caseId: number;
  trainee: ContourPair | null;
  /** The consensus contours; null when they may not be shown. */
  reference: ContourPair | null;
  /** Why no consensus contours are drawn (score-only mode, no consensus). */
  referenceNote?: string | null;
  /** A point to mark on the image (contour coordinates: x = column, y = row), e.g. the RV insertion point. */
  marker?: { x: number; y: number; label: string; confirmed: boolean } | null;
  /** When given, a click on the image picks a point (sub-pixel contour coordinates) instead of window/level. */
  onPick?: ((p: { x: number; y: number }) => void) | null;
  /** When given, the trainee draws the endocardium and the epicardium on the image. */
  editor?: ContourEditor | null;
};
