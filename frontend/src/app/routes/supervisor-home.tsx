import { useState } from 'react';
import { ErrorBox, Loading } from '@/components/error-box';
import { CasesTable } from '@/features/cases/components/cases-table';
import { NewCaseForm } from '@/features/cases/components/new-case-form';
import { useCohorts } from '@/features/cohorts/api/get-cohorts';
import { CohortLifecycle } from '@/features/cohorts/components/cohort-lifecycle';
import { CohortsPanel } from '@/features/cohorts/components/cohorts-panel';
import { useDatasets, type Dataset } from '@/features/datasets/api/get-datasets';
import { DatasetForm } from '@/features/datasets/components/dataset-form';
import { DatasetLifecycle } from '@/features/datasets/components/dataset-lifecycle';
import { resultsCsvUrl } from '@/features/exports/components/export-link';
import { accreditationRule } from '@/features/datasets/lib/accreditation';
import { toleranceSummary } from '@/features/datasets/lib/tolerances';
import { ReportButton } from '@/features/reports/components/report-button';
import { errorMessage } from '@/lib/api-client';
import { CONSENSUS_SOURCE_LABEL, FEEDBACK_MODE_LABEL } from '@/lib/vocabulary';

function DatasetCard({ dataset, cohorts, automaticAvailable, onAddCase }: {
  dataset: Dataset;
  cohorts: { id: number; name: string }[];
  automaticAvailable: boolean;
  onAddCase: (id: number) => void;
}) {
  const [editing, setEditing] = useState(false);
  const names = cohorts.filter((c) => dataset.cohort_ids.includes(c.id)).map((c) => c.name);
  return (
    <section className="card" aria-labelledby={`dataset-${dataset.id}`} data-testid={`dataset-${dataset.id}`}>
      <div className="card-head">
        <h3 id={`dataset-${dataset.id}`}>{dataset.name}</h3>
        <div className="button-row">
          <button type="button" className="btn btn-small" onClick={() => onAddCase(dataset.id)}>Add case</button>
          <a className="btn btn-small" href={resultsCsvUrl('dataset', dataset.id)} download data-testid={`export-dataset-${dataset.id}`}>
            Results (CSV)
          </a>
          <button type="button" className="btn btn-small" onClick={() => setEditing((e) => !e)} aria-expanded={editing}>
            {editing ? 'Close settings' : 'Settings'}
          </button>
        </div>
      </div>
      <DatasetLifecycle dataset={dataset} />
      {dataset.description ? <p className="muted">{dataset.description}</p> : null}
      <dl className="facts facts-inline">
        <div><dt>Cohorts</dt><dd>{names.length ? names.join(', ') : 'none'}</dd></div>
        <div><dt>Consensus</dt><dd>{CONSENSUS_SOURCE_LABEL[dataset.consensus_source] ?? dataset.consensus_source}</dd></div>
        <div><dt>Feedback</dt><dd>{FEEDBACK_MODE_LABEL[dataset.feedback_mode] ?? dataset.feedback_mode}</dd></div>
        <div>
          <dt>Tolerances</dt>
          <dd data-testid={`dataset-tolerances-${dataset.id}`}>{toleranceSummary(dataset)}</dd>
        </div>
        <div>
          <dt>Accreditation</dt>
          <dd data-testid={`dataset-accreditation-${dataset.id}`}>{accreditationRule(dataset)}</dd>
        </div>
      </dl>
      {dataset.consensus_source === 'automatic' && !dataset.automatic_consensus_available ? (
        <ErrorBox>No automatic consensus model is active yet: submissions to this dataset cannot be compared until one is.</ErrorBox>
      ) : null}
      {editing ? (
        <DatasetForm cohorts={cohorts} automaticAvailable={automaticAvailable || dataset.consensus_source === 'automatic'}
          dataset={dataset} onDone={() => setEditing(false)} />
      ) : null}
      <h4>Cases ({dataset.n_cases})</h4>
      <CasesTable datasetId={dataset.id} />
    </section>
  );
}

/** A supervisor's cohorts, datasets and cases. */
export default function SupervisorHome() {
  const cohorts = useCohorts();
  const datasets = useDatasets();
  const [caseDataset, setCaseDataset] = useState<number | undefined>(undefined);
  const cohortOptions = (cohorts.data ?? []).map((c) => ({ id: c.id, name: c.name }));
  // The flag is the same on every dataset (whether a CNN model is active); with no dataset yet, assume none is.
  const automaticAvailable = (datasets.data ?? []).some((d) => d.automatic_consensus_available);

  return (
    <div className="stack">
      <h1>Supervisor</h1>
      <div className="grid-sidebar">
        <CohortsPanel extra={(c) => (
          <>
            <ReportButton kind="cohort" cohortId={c.id} label="Class report (PDF)" testIdSuffix={`cohort-${c.id}`} />
            <CohortLifecycle cohort={c} />
          </>
        )} />
        <section aria-labelledby="datasets-heading" className="panel">
          <h2 id="datasets-heading">Datasets</h2>
          <details className="card">
            <summary>Create a dataset</summary>
            <DatasetForm cohorts={cohortOptions} automaticAvailable={automaticAvailable} />
          </details>
          {datasets.isPending ? <Loading what="Loading datasets" /> : null}
          {datasets.isError ? <ErrorBox>{errorMessage(datasets.error)}</ErrorBox> : null}
          {datasets.data?.length === 0 ? <p className="note">No datasets yet: create one above.</p> : null}
          <div id="add-case">
            <NewCaseForm datasets={datasets.data ?? []} defaultDatasetId={caseDataset} />
          </div>
          <div className="stack">
            {datasets.data?.map((d) => (
              <DatasetCard key={d.id} dataset={d} cohorts={cohortOptions} automaticAvailable={automaticAvailable}
                onAddCase={(id) => {
                  setCaseDataset(id);
                  document.getElementById('add-case')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
                }} />
            ))}
          </div>
        </section>
      </div>
    </div>
  );
}
