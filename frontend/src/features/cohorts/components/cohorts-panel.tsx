import { useState, type FormEvent, type ReactNode } from 'react';
import { Link } from 'react-router';
import { ErrorBox, Loading } from '@/components/error-box';
import { errorMessage } from '@/lib/api-client';
import { personName } from '@/lib/vocabulary';
import { useAddTrainee } from '../api/add-trainee';
import { useCreateCohort } from '../api/create-cohort';
import { useCohorts, type Cohort } from '../api/get-cohorts';
import { useRemoveTrainee } from '../api/remove-trainee';
import { TraineeAccountActions } from './trainee-account-actions';

function CreateCohortForm() {
  const [name, setName] = useState('');
  const create = useCreateCohort();
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate({ name: name.trim() }, { onSuccess: () => setName('') });
  }
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Create a cohort">
      <label className="field field-inline">
        <span>New cohort name</span>
        <input data-testid="new-cohort-name" value={name} onChange={(e) => setName(e.target.value)} required
          placeholder="e.g. Fellows 2025" />
      </label>
      <button type="submit" className="btn btn-primary" data-testid="new-cohort-submit" disabled={create.isPending}>
        Create cohort
      </button>
      {create.isError ? <ErrorBox>{errorMessage(create.error)}</ErrorBox> : null}
    </form>
  );
}

function AddTraineeForm({ cohortId }: { cohortId: number }) {
  const [username, setUsername] = useState('');
  const [fullName, setFullName] = useState('');
  const [password, setPassword] = useState('');
  const add = useAddTrainee();
  function submit(e: FormEvent) {
    e.preventDefault();
    add.mutate({ cohortId, username: username.trim(), full_name: fullName.trim(), password }, {
      onSuccess: () => {
        setUsername('');
        setFullName('');
        setPassword('');
      },
    });
  }
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Add a trainee">
      <label className="field field-inline">
        <span>Username</span>
        <input data-testid={`add-trainee-username-${cohortId}`} value={username} required autoComplete="off"
          onChange={(e) => setUsername(e.target.value)} />
      </label>
      <label className="field field-inline">
        <span>Full name</span>
        <input data-testid={`add-trainee-fullname-${cohortId}`} value={fullName} onChange={(e) => setFullName(e.target.value)} />
      </label>
      <label className="field field-inline">
        <span>Initial password</span>
        <input data-testid={`add-trainee-password-${cohortId}`} type="password" value={password} autoComplete="new-password"
          onChange={(e) => setPassword(e.target.value)} />
      </label>
      <button type="submit" className="btn" data-testid={`add-trainee-submit-${cohortId}`} disabled={add.isPending}>
        Add trainee
      </button>
      <p className="hint">An existing trainee with that username is added to the cohort; the password is then ignored.</p>
      {add.isError ? <ErrorBox>{errorMessage(add.error)}</ErrorBox> : null}
    </form>
  );
}

/** Extra content the app composes into each cohort card (e.g. a class-report button from another feature). */
export type CohortExtra = (cohort: Cohort) => ReactNode;

function CohortCard({ cohort, extra }: { cohort: Cohort; extra?: CohortExtra }) {
  const remove = useRemoveTrainee();
  return (
    <section className="card" aria-labelledby={`cohort-${cohort.id}`}>
      <div className="card-head">
        <h3 id={`cohort-${cohort.id}`}>{cohort.name}</h3>
        <Link className="btn btn-small" to={`/cohorts/${cohort.id}`} data-testid={`cohort-overview-link-${cohort.id}`}>
          Open overview
        </Link>
      </div>
      <p className="muted">
        Datasets: {cohort.datasets.length ? cohort.datasets.map((d) => d.name).join(', ') : 'none yet'}
      </p>
      {extra ? extra(cohort) : null}
      {cohort.trainees.length === 0 ? (
        <p className="note">No trainees yet.</p>
      ) : (
        <table className="table compact">
          <caption className="visually-hidden">Trainees in {cohort.name}</caption>
          <thead>
            <tr><th scope="col">Trainee</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr>
          </thead>
          <tbody>
            {cohort.trainees.map((t) => (
              <tr key={t.id}>
                <td><Link to={`/trainees/${t.id}`}>{personName(t)}</Link></td>
                <td className="actions">
                  <TraineeAccountActions trainee={t} />
                  <button type="button" className="btn btn-small btn-danger" disabled={remove.isPending}
                    onClick={() => {
                      if (window.confirm(`Remove ${personName(t)} from ${cohort.name}?`)) {
                        remove.mutate({ cohortId: cohort.id, userId: t.id });
                      }
                    }}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {remove.isError ? <ErrorBox>{errorMessage(remove.error)}</ErrorBox> : null}
      <details>
        <summary>Add a trainee</summary>
        <AddTraineeForm cohortId={cohort.id} />
      </details>
    </section>
  );
}

/** The supervisor's cohorts: create one, add and remove trainees, open the overview. */
export function CohortsPanel({ extra }: { extra?: CohortExtra } = {}) {
  const cohorts = useCohorts();
  return (
    <section aria-labelledby="cohorts-heading" className="panel">
      <h2 id="cohorts-heading">Cohorts</h2>
      <CreateCohortForm />
      {cohorts.isPending ? <Loading what="Loading cohorts" /> : null}
      {cohorts.isError ? <ErrorBox>{errorMessage(cohorts.error)}</ErrorBox> : null}
      {cohorts.data?.length === 0 ? <p className="note">No cohorts yet: create one above.</p> : null}
      <div className="stack">
        {cohorts.data?.map((c) => <CohortCard key={c.id} cohort={c} extra={extra} />)}
      </div>
    </section>
  );
}
