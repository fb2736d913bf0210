// Login: user and password, one button, the backend's answer in words. The same message for an
// unknown user and a wrong password (the backend does not say which); after too many failures
// the backend answers 429 and the page says how long to wait.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { LoginRequest, SessionInfo } from '../../api.js';
import { ApiRequestError, errorText, type ApiClient } from '../api-client.js';
import { formatDuration } from '../components/time.js';

export interface LoginPageProps {
  api: ApiClient;
  onLogin: (session: SessionInfo) => void;
}

function failureText(error: unknown): string {
  if (error instanceof ApiRequestError) {
    if (error.status === 401) return 'Wrong user name or password.';
    if (error.status === 429) {
      const wait = error.retryAfterS === undefined ? '' : ` Try again in ${formatDuration(error.retryAfterS * 1000)}.`;
      return `Too many failed logins.${wait}`;
    }
  }
  return errorText(error);
}

export function LoginPage(props: LoginPageProps) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<{ text: string; status: number } | undefined>(undefined);

  const submit = (event: Event): void => {
    event.preventDefault();
    if (submitting) return;
    setSubmitting(true);
    setError(undefined);
    const request: LoginRequest = { user: user.trim(), password };
    props.api
      .post<SessionInfo>('/api/login', request, { expectUnauthenticated: true })
      .then((session) => {
        setPassword('');
        props.onLogin(session);
      })
      .catch((failure: unknown) => {
        setError({ text: failureText(failure), status: failure instanceof ApiRequestError ? failure.status : 0 });
        setSubmitting(false);
      });
  };

  return html`<div class="login-screen">
    <form class="login panel" onSubmit=${submit} data-test="login-form" aria-busy=${submitting}>
      <h1 data-test="page-title">Gridlink</h1>
      <p class="muted">Substation dashboard — log in</p>
      <label>User
        <input name="user" autocomplete="username" autofocus required value=${user}
          disabled=${submitting} data-test="login-user"
          onInput=${(e: Event) => setUser((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <label>Password
        <input name="password" type="password" autocomplete="current-password" required value=${password}
          disabled=${submitting} data-test="login-password"
          onInput=${(e: Event) => setPassword((e.currentTarget as HTMLInputElement).value)} />
      </label>
      ${error === undefined
        ? null
        : html`<p class="error-note" role="alert" data-test="login-error" data-status=${error.status}>${error.text}</p>`}
      <button type="submit" disabled=${submitting || user.trim() === '' || password === ''} data-test="login-submit">
        ${submitting ? 'Logging in…' : 'Log in'}
      </button>
    </form>
  </div>`;
}
