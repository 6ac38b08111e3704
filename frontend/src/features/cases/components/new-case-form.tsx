import { useRef, useState, type FormEvent } from 'react';
import { ErrorBox } from '@/components/error-box';
import { ApiError, errorMessage } from '@/lib/api-client';
import { CONSENSUS_SOURCE_LABEL } from '@/lib/vocabulary';
import { useCreateCase } from '../api/create-case';
import type { Case } from '../api/get-case';

type DatasetOption = { id: number; name: string; consensus_source: string };

const FIELD_LABEL: Record<string, string> = {
  image: 'Image files',
  gold_standard: 'Gold-standard contours',
  experts: 'Expert contours',
  title: 'Title',
  dataset: 'Dataset',
};

/** "Add case": title, image (DICOM files or one zip of an echo series), gold-standard SAV, optional expert SAVs. */
export function NewCaseForm({ datasets, defaultDatasetId, onCreated }: {
  datasets: DatasetOption[];
  defaultDatasetId?: number;
  onCreated?: (c: Case) => void;
}) {
  // The chosen dataset; until one is chosen (or when the page asks for another), the default, else the first.
  const [chosenId, setChosenId] = useState<number | ''>(defaultDatasetId ?? '');
  const [lastDefault, setLastDefault] = useState(defaultDatasetId);
  if (defaultDatasetId !== lastDefault) {
    // The page asked for another dataset ("Add case" on a dataset card): adjust during render, not in an effect.
    setLastDefault(defaultDatasetId);
    if (defaultDatasetId !== undefined) setChosenId(defaultDatasetId);
  }
  const firstId: number | '' = datasets.length > 0 ? datasets[0].id : '';
  const datasetId = chosenId !== '' ? chosenId : firstId;
  const setDatasetId = setChosenId;
  const [title, setTitle] = useState('');
  const [image, setImage] = useState<File[]>([]);
  const [gold, setGold] = useState<File | null>(null);
  const [experts, setExperts] = useState<File[]>([]);
  const [created, setCreated] = useState<Case | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const create = useCreateCase();


  const ds = datasets.find((d) => d.id === datasetId);
  const goldRequired = ds ? ds.consensus_source === 'gold_standard' : true;
  const expertsRequired = ds?.consensus_source === 'expert_consensus';
  const goldOptionalWhy = ds ? CONSENSUS_SOURCE_LABEL[ds.consensus_source] ?? ds.consensus_source : '';

  function submit(e: FormEvent) {
    e.preventDefault();
    if (datasetId === '') return;
    setCreated(null);
    create.mutate({ dataset: datasetId, title: title.trim(), image, gold_standard: gold, experts }, {
      onSuccess: (c) => {
        setCreated(c);
        setTitle('');
        setImage([]);
        setGold(null);
        setExperts([]);
        formRef.current?.reset();
        onCreated?.(c);
      },
    });
  }

  const err = create.error;
  const field = err instanceof ApiError && err.field ? (FIELD_LABEL[err.field] ?? err.field) : null;

  return (
    <form ref={formRef} className="form card" onSubmit={submit} aria-labelledby="new-case-heading">
      <h3 id="new-case-heading">Add case</h3>
      <div className="grid-2">
        <label className="field">
          <span>Dataset</span>
          <select data-testid="new-case-dataset" value={datasetId} required
            onChange={(e) => setDatasetId(e.target.value === '' ? '' : Number(e.target.value))}>
            {datasets.length === 0 ? <option value="">Create a dataset first</option> : null}
            {datasets.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
          </select>
        </label>
        <label className="field">
          <span>Title</span>
          <input data-testid="new-case-title" value={title} required onChange={(e) => setTitle(e.target.value)}
            placeholder="e.g. Mid-ventricular T1, patient 12" />
        </label>
      </div>
      <label className="field">
        <span>Image</span>
        <input data-testid="new-case-image" type="file" multiple required accept=".dcm,.zip,application/dicom,application/zip,*/*"
          onChange={(e) => setImage(Array.from(e.target.files ?? []))} />
        <span className="hint">One DICOM file (T1 or T2 map), all echoes of one slice of a multi-echo T2* series as files, or one zip of the series.</span>
      </label>
      <label className="field">
        <span>Gold-standard contours {goldRequired ? '' : `(optional for this dataset: ${goldOptionalWhy})`}</span>
        <input data-testid="new-case-gold" type="file" accept=".sav,.npy,.png" required={goldRequired}
          onChange={(e) => setGold(e.target.files?.[0] ?? null)} />
        <span className="hint">IDL SAV file with ENDO_X/ENDO_Y/EPI_X/EPI_Y or a CONTOURS structure or a myocardium mask.</span>
      </label>
      <label className="field">
        <span>Expert contours ({expertsRequired ? 'at least two: this dataset uses the expert consensus' : 'optional'}, one file per expert)</span>
        <input data-testid="new-case-experts" type="file" multiple accept=".sav,.npy,.png"
          onChange={(e) => setExperts(Array.from(e.target.files ?? []))} />
      </label>
      {create.isError ? (
        <ErrorBox title={field ? `Problem with: ${field}` : 'The case was not added'} testId="new-case-error">
          {errorMessage(err)}
        </ErrorBox>
      ) : null}
      {created ? <p className="success" role="status">Case “{created.title}” added.</p> : null}
      <button type="submit" className="btn btn-primary" data-testid="new-case-submit"
        disabled={create.isPending || datasetId === ''}>
        {create.isPending ? 'Uploading and checking…' : 'Add case'}
      </button>
    </form>
  );
}
