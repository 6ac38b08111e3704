/**
 * cornerstone3D set-up for the viewer: the rendering engine, the tools and the DICOM image loader, initialised once
 * per page. Only the viewer's lazily loaded chunk imports this module, so pages without an image do not load it.
 *
 * The case image comes from the app's authorised endpoint GET /api/cases/{id}/dicom (the session cookie is sent by
 * our own fetch); the bytes are handed to the loader as a Blob (`dicomfile:` image ids). A T2* series arrives as a
 * zip of its echoes, which the loader cannot read: it is unpacked here (fflate) and each echo file, in name order,
 * becomes one image of the stack.
 */
import * as core from '@cornerstonejs/core';
import * as tools from '@cornerstonejs/tools';
import dicomImageLoader from '@cornerstonejs/dicom-image-loader';
import { apiFetch } from '@/lib/api-client';
import { unzipSync } from 'fflate';

let ready: Promise<void> | null = null;

export const TOOL_GROUP_PREFIX = 'myoqa-tools-';
export const ENDOCARDIUM_TOOL = 'Endocardium';
export const EPICARDIUM_TOOL = 'Epicardium';

/** Initialises cornerstone3D core, tools and the DICOM loader once (idempotent). */
export function initCornerstone(): Promise<void> {
  if (!ready) {
    ready = (async () => {
      await core.init();
      dicomImageLoader.init({ maxWebWorkers: 1 });
      tools.init();
      for (const T of [tools.WindowLevelTool, tools.PanTool, tools.ZoomTool, tools.StackScrollTool, tools.PlanarFreehandROITool]) {
        tools.addTool(T);
      }
    })();
    ready.catch(() => {
      ready = null;
    });
  }
  return ready;
}

const loaded = new Map<number, Promise<string[]>>();

/** The image ids of a case's image: one for a map, one per echo (in file order) for a T2* series. */
export function loadCaseImageIds(caseId: number): Promise<string[]> {
  let p = loaded.get(caseId);
  if (!p) {
    p = (async () => {
      const response = await apiFetch(`/api/cases/${caseId}/dicom`, { headers: { Accept: 'application/dicom, application/zip' } });
      const blob = await response.blob();
      const head = new Uint8Array(await blob.slice(0, 4).arrayBuffer());
      const isZip = head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
      const files = isZip ? echoFiles(new Uint8Array(await blob.arrayBuffer())) : [blob];
      const ids = files.map((f) => dicomImageLoader.wadouri.fileManager.add(f));
      await Promise.all(ids.map((id) => core.imageLoader.loadAndCacheImage(id)));
      return ids;
    })();
    p.catch(() => loaded.delete(caseId));
    loaded.set(caseId, p);
  }
  return p;
}

/** The DICOM files of a zip, in name order (directories and hidden files skipped). */
function echoFiles(zip: Uint8Array): Blob[] {
  const entries = unzipSync(zip);
  return Object.keys(entries)
    .filter((name) => !name.endsWith('/') && !name.split('/').pop()?.startsWith('.'))
    .sort()
    .map((name) => new Blob([entries[name] as Uint8Array<ArrayBuffer>], { type: 'application/dicom' }));
}

export { core, tools };
