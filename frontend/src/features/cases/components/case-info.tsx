import { fmt, fmtDate } from '@/lib/format';
import { imageKindLabel } from '@/lib/vocabulary';
import { dicomUrl } from '../api/get-dicom';
import type { Case } from '../api/get-case';

/** What the image is, and the link to download it for contouring. */
export function CaseInfo({ c }: { c: Case }) {
  const img = c.image;
  const [dy, dx] = img.pixel_spacing_mm;
  const series = img.kind === 't2star_series';
  return (
    <section className="card" aria-labelledby="image-heading">
      <h2 id="image-heading">Image</h2>
      <dl className="facts">
        <div><dt>Kind</dt><dd>{imageKindLabel(img.kind)}</dd></div>
        <div><dt>Matrix</dt><dd>{img.rows} rows × {img.columns} columns</dd></div>
        <div><dt>Pixel spacing</dt><dd>{fmt(dy, 2)} × {fmt(dx, 2)} <span className="unit">mm (row × column)</span></dd></div>
        {img.field_strength_t != null ? <div><dt>Field strength</dt><dd>{fmt(img.field_strength_t, 1)} <span className="unit">T</span></dd></div> : null}
        <div><dt>Pixel values</dt><dd>{img.units === 'ms' ? 'milliseconds (ms)' : 'signal intensity (a.u.)'}</dd></div>
        {img.echo_times_ms?.length ? (
          <div><dt>Echo times</dt><dd>{img.echo_times_ms.map((t) => t.toFixed(2)).join(', ')} <span className="unit">ms</span> ({img.echo_times_ms.length} echoes)</dd></div>
        ) : null}
        <div><dt>Dataset</dt><dd>{c.dataset_name}</dd></div>
        <div><dt>Added</dt><dd>{fmtDate(c.created_at)}</dd></div>
        <div><dt>Expert contour sets</dt><dd>{c.n_expert_contours}</dd></div>
      </dl>
      <a className="btn" href={dicomUrl(c.id)} download data-testid="download-dicom">
        Download the {series ? 'echo series (zip)' : 'DICOM'}
      </a>
    </section>
  );
}
