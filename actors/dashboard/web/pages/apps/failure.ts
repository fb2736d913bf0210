// A refused or failed app request said plainly: what the backend answered, and what that kind of
// answer means for the person (403: not their role; 422: the input; 502/503/504: the AppManager).
import { html } from 'htm/preact';
import { ApiRequestError, errorText } from '../../api-client.js';

export interface Failure {
  status: number;
  code: string;
  message: string;
  /** What the status means, for people. */
  meaning: string;
}

const meanings: Record<number, string> = {
  403: 'Only administrators may install, upgrade, roll back, configure or remove apps.',
  404: 'The app or operation is not known (anymore).',
  409: 'It conflicts with the state of the app (e.g. it must be stopped first), or the plan is out of date.',
  422: 'The AppManager refused the input.',
  502: 'The AppManager or a host behind it failed.',
  503: 'The AppManager is not reachable: is it running?',
  504: 'The AppManager did not answer in time; the operation may still be going on.',
};

export function failureOf(error: unknown): Failure {
  if (error instanceof ApiRequestError) {
    return { status: error.status, code: error.code, message: error.message, meaning: meanings[error.status] ?? (error.status === 0 ? 'The dashboard could not be reached.' : '') };
  }
  return { status: 0, code: 'Failed', message: errorText(error), meaning: '' };
}

export function FailureNote(props: { failure: Failure | undefined; doing: string }) {
  const failure = props.failure;
  if (failure === undefined) return null;
  return html`<div class="error-note" role="alert" data-test="action-error" data-status=${failure.status} data-code=${failure.code}>
    <strong>${props.doing} failed${failure.status > 0 ? ` (${failure.status} ${failure.code})` : ''}:</strong> ${failure.message}
    ${failure.meaning && html`<div class="reason">${failure.meaning}</div>`}
  </div>`;
}
