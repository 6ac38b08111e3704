import { lazy, Suspense } from 'react';
import { Loading } from '@/components/error-box';
import type { ImageViewerProps } from './viewer-types';

// cornerstone3D (with vtk.js and the DICOM loader) is large: it is loaded only by the pages that show an image.
const CornerstoneViewer = lazy(() => import('./cornerstone-viewer'));

/** The case image (cornerstone3D), loaded on demand; see {@link CornerstoneViewer}. */
export function ImageViewer(props: ImageViewerProps) {
  return (
    <Suspense fallback={<Loading what="Loading the viewer" />}>
      <CornerstoneViewer {...props} />
    </Suspense>
  );
}
