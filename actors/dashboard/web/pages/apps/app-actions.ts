// What an administrator does to one installed app, each confirmed before it is sent: configure
// (the form of its schema, prefilled with its configuration), upgrade (to the version named),
// roll back (to the version named), remove (typing the app's name), stop and start. Each answers
// with an operation whose progress is shown in place.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { AppView, OperationView } from '../../../api.js';
import type { ApiClient } from '../../api-client.js';
import { SchemaForm, type SchemaFormState } from '../../components/schema-form.js';
import type { LiveClient } from '../../live.js';
import { failureOf, FailureNote, type Failure } from './failure.js';
import { OperationProgress } from './operation-progress.js';
import { rollbackTarget, upgradeTarget, type CatalogueApp } from './versions.js';

export type AppAction = 'configure' | 'upgrade' | 'rollback' | 'remove' | 'start' | 'stop';

export const actionTitles: Record<AppAction, string> = {
  configure: 'Configure',
  upgrade: 'Upgrade',
  rollback: 'Roll back',
  remove: 'Remove',
  start: 'Start',
  stop: 'Stop',
};

export interface AppActionProps {
  api: ApiClient;
  live: LiveClient;
  app: AppView;
  /** The host the app was listed from (GET /api/apps?host=), sent along; '' for this AppManager's host. */
  host: string;
  action: AppAction;
  catalogue: CatalogueApp[];
  onClose: () => void;
  /** The operation ended: the page lists the apps again. */
  onFinished: () => void;
}

const appPath = (app: AppView): string => `/api/apps/${encodeURIComponent(app.name)}`;

export function AppActionPanel(props: AppActionProps) {
  const { api, app, action } = props;
  const on = props.host === '' ? {} : { host: props.host };
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | undefined>(undefined);
  const [operation, setOperation] = useState<OperationView | undefined>(undefined);
  const [finished, setFinished] = useState(false);
  const [form, setForm] = useState<SchemaFormState | undefined>(undefined);
  const [range, setRange] = useState('');
  const [typedName, setTypedName] = useState('');

  const run = (request: () => Promise<OperationView>): void => {
    setBusy(true);
    setFailure(undefined);
    request()
      .then(setOperation)
      .catch((error: unknown) => setFailure(failureOf(error)))
      .finally(() => setBusy(false));
  };

  if (operation !== undefined) {
    return html`<div data-test="action-progress" data-action=${action}>
      <${OperationProgress}
        api=${api}
        live=${props.live}
        started=${operation}
        onFinished=${() => {
          setFinished(true);
          props.onFinished();
        }}
      />
      <div class="sheet-buttons">
        <button type="button" class=${finished ? '' : 'secondary'} data-test="action-close" onClick=${props.onClose}>${finished ? 'Close' : 'Close (it goes on)'}</button>
      </div>
    </div>`;
  }

  const cancel = html`<button type="button" class="secondary" data-test="action-cancel" disabled=${busy} onClick=${props.onClose}>Cancel</button>`;
  const note = html`<${FailureNote} failure=${failure} doing=${actionTitles[action]} />`;

  switch (action) {
    case 'configure': {
      const save = (): void => run(() => api.put<OperationView>(`${appPath(app)}/config`, { config: form?.value ?? {}, ...on }));
      return html`<div data-test="action-configure">
        <p class="muted">
          ${app.name} ${app.version}: the settings are checked by the AppManager against the schema, then sent to the running module; the file changes only when the
          module accepts them.
        </p>
        <${SchemaForm} schema=${app.configSchema} value=${app.config ?? {}} name=${app.name} disabled=${busy} onChange=${setForm} />
        ${note}
        <div class="sheet-buttons">
          ${cancel}
          <button type="button" data-test="config-save" disabled=${busy || form?.valid !== true} onClick=${save}>${busy ? 'Saving…' : 'Save configuration'}</button>
          ${form?.valid === false && html`<span class="bad-text">Correct the marked settings first.</span>`}
        </div>
      </div>`;
    }
    case 'upgrade': {
      const target = upgradeTarget(app, props.catalogue);
      const versionRange = range.trim();
      const upgrade = (): void => run(() => api.post<OperationView>(`${appPath(app)}/upgrade`, versionRange === '' ? on : { versionRange, ...on }));
      return html`<div data-test="action-upgrade" data-target=${target ?? ''}>
        ${target === undefined
          ? html`<p data-test="upgrade-none">No version newer than ${app.version} is in the catalogue.</p>`
          : html`<p data-test="upgrade-summary">
              Upgrade <strong>${app.name}</strong> from <strong>${app.version}</strong> to <strong data-test="upgrade-target">${versionRange === '' ? target : `the newest within ${versionRange}`}</strong>.
            </p>`}
        <p class="muted">
          The new version is installed beside the old one and started; if it does not stay up for the health window, the old one is started again (rolled back).
        </p>
        <label>
          Version range (optional)
          <input type="text" data-test="upgrade-range" placeholder=${target ? `e.g. <=${target}` : ''} value=${range} onInput=${(event: Event) => setRange((event.currentTarget as HTMLInputElement).value)} />
        </label>
        ${note}
        <div class="sheet-buttons">
          ${cancel}
          <button type="button" data-test="upgrade-confirm" disabled=${busy || (target === undefined && versionRange === '')} onClick=${upgrade}>
            ${busy ? 'Starting…' : `Upgrade to ${versionRange === '' ? (target ?? '…') : versionRange}`}
          </button>
        </div>
      </div>`;
    }
    case 'rollback': {
      const target = rollbackTarget(app);
      const rollback = (): void => run(() => api.post<OperationView>(`${appPath(app)}/rollback`, on));
      return html`<div data-test="action-rollback" data-target=${target ?? ''}>
        ${target === undefined
          ? html`<p data-test="rollback-none">No earlier version of ${app.name} is kept (installed: ${app.version}).</p>`
          : html`<p data-test="rollback-summary">
              Roll <strong>${app.name}</strong> back from <strong>${app.version}</strong> to <strong data-test="rollback-target">${target}</strong>, the version kept from before.
            </p>`}
        ${note}
        <div class="sheet-buttons">
          ${cancel}
          <button type="button" class="danger" data-test="rollback-confirm" disabled=${busy || target === undefined} onClick=${rollback}>
            ${busy ? 'Starting…' : `Roll back to ${target ?? '…'}`}
          </button>
        </div>
      </div>`;
    }
    case 'remove': {
      const matches = typedName === app.name;
      const remove = (): void => run(() => api.delete<OperationView>(appPath(app), { query: on }));
      return html`<div data-test="action-remove">
        <p>
          Remove <strong>${app.name}</strong> ${app.version} from ${app.host || 'its host'}: its versions and configuration file go; its data folder stays.
          ${app.state.toLowerCase() !== 'stopped' && app.state.toLowerCase() !== 'failed' && html`<br /><span class="bad-text">It is ${app.state.toLowerCase()}: it is stopped first.</span>`}
        </p>
        <label>
          Type the app's name to confirm
          <input type="text" data-test="remove-name" autocomplete="off" placeholder=${app.name} value=${typedName} onInput=${(event: Event) => setTypedName((event.currentTarget as HTMLInputElement).value)} />
        </label>
        ${note}
        <div class="sheet-buttons">
          ${cancel}
          <button type="button" class="danger" data-test="remove-confirm" disabled=${busy || !matches} onClick=${remove}>${busy ? 'Starting…' : `Remove ${app.name}`}</button>
        </div>
      </div>`;
    }
    case 'start':
    case 'stop': {
      const go = (): void => run(() => api.post<OperationView>(`${appPath(app)}/${action}`, on));
      return html`<div data-test=${`action-${action}`}>
        <p>
          ${action === 'stop'
            ? html`Stop <strong>${app.name}</strong> ${app.version}? The module is asked to shut down; it may refuse (the answer says why).`
            : html`Start <strong>${app.name}</strong> ${app.version}, and the installed apps it depends on first.`}
        </p>
        ${note}
        <div class="sheet-buttons">
          ${cancel}
          <button type="button" class=${action === 'stop' ? 'danger' : ''} data-test=${`${action}-confirm`} disabled=${busy} onClick=${go}>
            ${busy ? 'Starting…' : `${actionTitles[action]} ${app.name}`}
          </button>
        </div>
      </div>`;
    }
  }
}
