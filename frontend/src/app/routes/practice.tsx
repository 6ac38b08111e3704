import { useNavigate } from 'react-router';
import { UploadForm } from '@/features/submissions/components/upload-form';

/** Practice on an own image: evaluated against the automatic consensus when one is active, else values only. */
export default function PracticeRoute() {
  const navigate = useNavigate();
  return (
    <div className="stack narrow">
      <h1>Practice</h1>
      <p className="muted">
        Upload your own DICOM (a T1 or T2 map, or a multi-echo T2* series) with your contours. When an automatic
        consensus model is active, your contours are compared with it; otherwise you get your own values only
        (myocardial T1 / T2 / T2*, wall thickness, myocardial area).
      </p>
      <UploadForm mode="practice" onCreated={(s) => navigate(`/submissions/${s.id}`)} />
    </div>
  );
}
