import { Link } from 'react-router';
import { ErrorBox } from '@/components/error-box';
import { AuditLog } from '@/features/audit/components/audit-table';
import { useCurrentUser } from '../layout';

/** The audit log (supervisors): who viewed or downloaded what, and who changed what. */
export default function AuditRoute() {
  const user = useCurrentUser();
  if (user.role !== 'supervisor') return <ErrorBox title="Not available">The audit log is for supervisors.</ErrorBox>;
  return (
    <div className="stack">
      <nav className="breadcrumb" aria-label="Breadcrumb"><Link to="/">Home</Link> › Audit log</nav>
      <h1>Audit log</h1>
      <p className="muted">
        Who viewed or downloaded your cases’ images, contours, results and reports, and the changes you made.
        Entries older than the site’s retention period are deleted.
      </p>
      <AuditLog />
    </div>
  );
}
