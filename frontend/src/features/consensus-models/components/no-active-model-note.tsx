export const NO_ACTIVE_MODEL =
  'No consensus model is active: datasets with the automatic consensus (and practice uploads) show trainees only their own values until you activate one.';

/** Said plainly on the models page while no model is active. */
export function NoActiveModelNote() {
  return (
    <p className="note note-warn" data-testid="no-active-model">
      {NO_ACTIVE_MODEL} Open a model’s card to check its accuracy and activate it.
    </p>
  );
}
