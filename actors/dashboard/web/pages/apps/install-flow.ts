// Installing an app, in steps, nothing happening before the last: choose the app (version range,
// host) -> the plan (the dependency-resolved steps with reasons, or the problems) -> one
// configuration form per app the plan installs, prefilled with its defaults -> Install ->
// progress -> the apps afterwards or the error.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { CatalogueView, HostView, InstallPlanView, OperationView } from '../../../api.js';
import { errorText, isAbort, type ApiClient } from '../../api-client.js';
import { SchemaForm, type SchemaFormState } from '../../components/schema-form.js';
import type { LiveClient } from '../../live.js';
import { failureOf, FailureNote, type Failure } from './failure.js';
import { OperationProgress } from './operation-progress.js';
import type { CatalogueApp } from './versions.js';

export type InstallStep = 'choose' | 'plan' | 'configure' | 'progress' | 'result';

const stepTitles: [InstallStep, string][] = [
  ['choose', '1. Choose'],
  ['plan', '2. Plan'],
  ['configure', '3. Configure'],
  ['progress', '4. Install'],
  ['result', '5. Result'],
];

/** Placement policies of the AppManager (docs/PROVISIONING.md, "Installing on other hosts"). */
const policies: [string, string][] = [
  ['least-loaded', 'least loaded host (policy)'],
  ['spread', 'spread: fewest modules (policy)'],
];

export function readHosts(raw: unknown): HostView[] {
  if (Array.isArray(raw)) return raw as HostView[];
  if (typeof raw === 'object' && raw !== null && Array.isArray((raw as { hosts?: unknown }).hosts)) return (raw as { hosts: HostView[] }).hosts;
  return [];
}

function hostLabel(host: HostView): string {
  const freeGb = host.freeMemoryBytes / 1e9;
  return `${host.host}: load ${host.load1m.toFixed(2)}/${host.cpuCount} CPUs, ${freeGb.toFixed(1)} GB free, ${host.runningModules} modules`;
}

export function StepIndicator(props: { current: InstallStep }) {
  const index = stepTitles.findIndex(([step]) => step === props.current);
  return html`<ol class="steps" data-test="install-steps" data-step=${props.current}>
    ${stepTitles.map(
      ([step, title], at) => html`<li
        class=${at === index ? 'step-current' : at < index ? 'step-done' : ''}
        data-test="install-step"
        data-step=${step}
        aria-current=${at === index ? 'step' : undefined}
      >${title}</li>`,
    )}
  </ol>`;
}

interface PlannedApp {
  name: string;
  version: string;
  reason: string;
  entry: CatalogueView['entries'][number] | undefined;
}

/** The app named in a 422's message (the AppManager says which configuration failed). */
function appNamedIn(message: string, names: string[]): string | undefined {
  return names.filter((name) => message.includes(name)).sort((a, b) => b.length - a.length)[0];
}

export interface InstallFlowProps {
  api: ApiClient;
  live: LiveClient;
  catalogue: CatalogueApp[];
  /** The app to start with (from the catalogue's Install button). */
  initialName?: string;
  onClose: () => void;
  /** An install ended (either way): the page lists the apps again. */
  onFinished: () => void;
}

export function InstallFlow(props: InstallFlowProps) {
  const { api, catalogue } = props;
  const [step, setStep] = useState<InstallStep>('choose');
  const [name, setName] = useState(props.initialName ?? catalogue[0]?.name ?? '');
  const [range, setRange] = useState('');
  const [host, setHost] = useState('');
  const [hosts, setHosts] = useState<HostView[]>([]);
  const [hostsError, setHostsError] = useState<string | undefined>(undefined);
  const [plan, setPlan] = useState<InstallPlanView | undefined>(undefined);
  const [forms, setForms] = useState<Record<string, SchemaFormState>>({});
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | undefined>(undefined);
  const [operation, setOperation] = useState<OperationView | undefined>(undefined);

  useEffect(() => {
    const abort = new AbortController();
    api
      .get<unknown>('/api/hosts', undefined, { signal: abort.signal })
      .then((raw) => setHosts(readHosts(raw)))
      .catch((error: unknown) => {
        if (!isAbort(error)) setHostsError(errorText(error));
      });
    return () => abort.abort();
  }, [api]);

  const chosen = catalogue.find((app) => app.name === name);
  const versionRange = range.trim();

  const makePlan = (): void => {
    setBusy(true);
    setFailure(undefined);
    api
      .post<InstallPlanView>('/api/apps/plan', versionRange === '' ? { name } : { name, versionRange })
      .then((answer) => {
        setPlan(answer);
        setForms({});
        setStep('plan');
      })
      .catch((error: unknown) => setFailure(failureOf(error)))
      .finally(() => setBusy(false));
  };

  const installed: PlannedApp[] = (plan?.steps ?? [])
    .filter((planned) => planned.action === 'install')
    .map((planned) => ({ ...planned, entry: catalogue.find((app) => app.name === planned.name)?.entries.get(planned.version) }));
  const formsValid = installed.every((app) => forms[app.name]?.valid !== false);
  const planUsable = plan !== undefined && plan.problems.length === 0 && plan.planId !== '';

  const install = (): void => {
    if (plan === undefined) return;
    const configs: Record<string, unknown> = {};
    for (const app of installed) {
      const value = forms[app.name]?.value;
      if (value !== undefined) configs[app.name] = value;
    }
    const body: Record<string, unknown> = { name, configs };
    if (host === '') {
      body.planId = plan.planId;
      if (versionRange !== '') body.versionRange = versionRange;
    } else {
      // A plan is known only to the AppManager that made it (this host's): another host, or a
      // placement policy, resolves again, pinned to the version the plan showed.
      body.host = host;
      const planned = plan.steps.find((planned) => planned.name === name)?.version;
      if (planned !== undefined && planned !== '') body.versionRange = planned;
      else if (versionRange !== '') body.versionRange = versionRange;
    }
    setBusy(true);
    setFailure(undefined);
    api
      .post<OperationView>('/api/apps/install', body)
      .then((started) => {
        setOperation(started);
        setStep('progress');
      })
      .catch((error: unknown) => setFailure(failureOf(error)))
      .finally(() => setBusy(false));
  };

  const faultyApp = failure?.status === 422 ? appNamedIn(failure.message, installed.map((app) => app.name)) : undefined;

  let body;
  if (step === 'choose') {
    body = html`<div class="install-choose" data-test="install-choose">
      <div class="row">
        <label>
          App
          <select data-test="install-app" value=${name} onChange=${(event: Event) => setName((event.currentTarget as HTMLSelectElement).value)}>
            ${catalogue.map((app) => html`<option value=${app.name} selected=${app.name === name}>${app.name}</option>`)}
          </select>
        </label>
        <label>
          Version range
          <input
            type="text"
            data-test="install-range"
            placeholder=${chosen ? `newest: ${chosen.versions[0]}` : 'e.g. ^1.0.0'}
            value=${range}
            onInput=${(event: Event) => setRange((event.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <label class="grow">
          Host (placement)
          <select data-test="install-host" onChange=${(event: Event) => setHost((event.currentTarget as HTMLSelectElement).value)}>
            <option value="" selected=${host === ''}>this AppManager's host</option>
            ${hosts.map((view) => html`<option value=${view.host} selected=${host === view.host}>${hostLabel(view)}</option>`)}
            ${policies.map(([value, label]) => html`<option value=${value} selected=${host === value}>${label}</option>`)}
          </select>
        </label>
      </div>
      ${hostsError && html`<p class="muted">Hosts could not be listed (${hostsError}); the app can still go to this AppManager's host.</p>`}
      ${chosen &&
      html`<div class="install-about" data-test="install-about">
        <p>${chosen.newest.description || html`<span class="muted">No description.</span>`}</p>
        <p class="muted">
          Versions: ${chosen.versions.join(', ')}. Provides: ${chosen.newest.provides.join(', ') || 'nothing'}. Requires:
          ${chosen.newest.requires.join(', ') || 'nothing'}.
        </p>
      </div>`}
      <p class="muted">The plan shows what would be installed, started or kept, and why. Nothing is installed before the last step.</p>
      <div class="sheet-buttons">
        <button type="button" data-test="install-plan" disabled=${busy || name === ''} onClick=${makePlan}>${busy ? 'Planning…' : 'Plan'}</button>
      </div>
    </div>`;
  } else if (step === 'plan' && plan !== undefined) {
    body = html`<div data-test="install-plan-view" data-plan=${plan.planId}>
      <table class="table compact" data-test="plan-steps">
        <thead><tr><th>#</th><th>Action</th><th>App</th><th>Version</th><th class="wrap">Why</th></tr></thead>
        <tbody>
          ${plan.steps.map(
            (planned, index) => html`<tr key=${planned.name} data-test="plan-step" data-name=${planned.name} data-action=${planned.action} data-version=${planned.version}>
              <td>${index + 1}</td><td><span class=${`plan-action plan-${planned.action}`}>${planned.action}</span></td><td><strong>${planned.name}</strong></td><td>${planned.version}</td>
              <td class="wrap reason">${planned.reason}</td>
            </tr>`,
          )}
          ${plan.steps.length === 0 ? html`<tr class="empty"><td colspan="5">No steps.</td></tr>` : null}
        </tbody>
      </table>
      ${plan.problems.length > 0 &&
      html`<div class="error-note" role="alert" data-test="plan-problems">
        <strong>This cannot be installed:</strong>
        <ul>${plan.problems.map((problem) => html`<li data-test="plan-problem">${problem}</li>`)}</ul>
      </div>`}
      ${host !== '' && html`<p class="muted">Placement: ${host}. The plan is resolved again there (its installed apps may differ), pinned to the version shown.</p>`}
      <div class="sheet-buttons">
        <button type="button" class="secondary" data-test="install-back" onClick=${() => setStep('choose')}>Back</button>
        <button type="button" data-test="install-next" disabled=${!planUsable} onClick=${() => setStep('configure')}>
          ${installed.length === 0 ? 'Next' : `Next: configure ${installed.length} app${installed.length === 1 ? '' : 's'}`}
        </button>
      </div>
    </div>`;
  } else if (step === 'configure') {
    body = html`<div data-test="install-configure-view">
      ${installed.length === 0 && html`<p class="muted">Nothing new is installed: no configuration to fill in.</p>`}
      ${installed.map(
        (app) => html`<section
          key=${`${app.name}@${app.version}`}
          class=${`config-section${faultyApp === app.name ? ' config-section-faulty' : ''}`}
          data-test="config-section"
          data-name=${app.name}
          data-valid=${String(forms[app.name]?.valid !== false)}
        >
          <h3>${app.name} <span class="muted">${app.version}</span> <span class="reason">${app.name === name ? 'asked for' : app.reason}</span></h3>
          ${faultyApp === app.name && failure && html`<div class="error-note" data-test="config-error">${failure.message}</div>`}
          <${SchemaForm}
            schema=${app.entry?.configSchema}
            value=${app.entry?.defaultConfig ?? {}}
            name=${app.name}
            disabled=${busy}
            onChange=${(state: SchemaFormState) => setForms((before) => ({ ...before, [app.name]: state }))}
          />
        </section>`,
      )}
      <${FailureNote} failure=${failure} doing="Install" />
      <div class="sheet-buttons">
        <button type="button" class="secondary" data-test="install-back" disabled=${busy} onClick=${() => setStep('plan')}>Back</button>
        <button type="button" data-test="install-confirm" disabled=${busy || !formsValid} onClick=${install}>
          ${busy ? 'Starting…' : `Install ${name}${installed.length > 1 ? ` and ${installed.length - 1} more` : ''}`}
        </button>
        ${!formsValid && html`<span class="bad-text">Correct the marked settings first.</span>`}
      </div>
    </div>`;
  } else if (operation !== undefined) {
    body = html`<div>
      <${OperationProgress}
        api=${api}
        live=${props.live}
        started=${operation}
        onFinished=${() => {
          setStep('result');
          props.onFinished();
        }}
      />
      ${step === 'result' &&
      html`<div class="sheet-buttons">
        <button type="button" data-test="install-close" onClick=${props.onClose}>Close</button>
      </div>`}
    </div>`;
  }

  return html`<div class="install-flow" data-test="install-flow" data-step=${step}>
    <${StepIndicator} current=${step} />
    ${step === 'choose' || step === 'plan' ? html`<${FailureNote} failure=${failure} doing=${step === 'choose' ? 'Plan' : 'Install'} />` : null}
    ${body}
  </div>`;
}
