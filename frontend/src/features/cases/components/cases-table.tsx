import { Link } from 'react-router';
import { Loading, ErrorBox } from '@/components/error-box';
import { errorMessage } from '@/lib/api-client';
import { fmtDate } from '@/lib/format';
import { imageKindLabel } from '@/lib/vocabulary';
import { useCases } from '../api/get-cases';

/** A supervisor's list of a dataset's cases. */
export function CasesTable({ datasetId }: { datasetId: number }) {
  const cases = useCases(datasetId);
  if (cases.isPending) return <Loading what="Loading cases" />;
  if (cases.isError) return <ErrorBox>{errorMessage(cases.error)}</ErrorBox>;
  if (cases.data.length === 0) return <p className="note">No cases yet: add one with the form below.</p>;
  return (
    <table className="table compact">
      <caption className="visually-hidden">Cases</caption>
      <thead>
        <tr>
          <th scope="col">Case</th><th scope="col">Image</th><th scope="col">Matrix</th>
          <th scope="col" className="num-col">Expert sets</th><th scope="col">Added</th>
        </tr>
      </thead>
      <tbody>
        {cases.data.map((c) => (
          <tr key={c.id}>
            <td><Link to={`/cases/${c.id}`} data-testid={`case-link-${c.id}`}>{c.title}</Link></td>
            <td>{imageKindLabel(c.image?.kind)}</td>
            <td>{c.image ? `${c.image.rows} × ${c.image.columns}` : '—'}</td>
            <td className="num-col">{c.n_expert_contours}</td>
            <td>{fmtDate(c.created_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
