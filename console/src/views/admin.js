// Administration (shown to admins only; the API refuses the same calls to anyone else): API users
// (create and rotate, with the key and secret shown once; their rate-limit budgets; delete) and
// webhooks (create, edit, send a test, the delivery log, redeliver).

import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { defsOf, label, navEntities } from '../meta.js';
import { CopyButton, ErrorNote, Loading, go, href, html, useLoad } from '../ui.js';

export function ApiUsersView() {
  const [name, setName] = useState('');
  const [method, setMethod] = useState('ApiKey');
  // Without a role an API user may do nothing (EspoCRM's strict default); the built-in Full access
  // role is what `crmd api-user create` gives too.
  const [role, setRole] = useState('crmd-full-access');
  const roles = useLoad(() => api('GET', '/Role', { query: { maxSize: 200, select: 'id,name' } }), []);
  const [created, setCreated] = useState(null);
  const [error, setError] = useState(null);
  const users = useLoad(
    () =>
      api('GET', '/User', {
        query: {
          maxSize: 200,
          orderBy: 'userName',
          order: 'asc',
          select: 'id,userName,authMethod,isActive,createdAt',
          where: JSON.stringify([{ type: 'equals', attribute: 'type', value: 'api' }]),
        },
      }),
    [],
  );
  const create = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      const user = await api('POST', '/User', {
        body: { userName: name, type: 'api', authMethod: method, rolesIds: role ? [role] : [] },
      });
      setCreated(user);
      setName('');
      users.reload();
    } catch (err) {
      setError(err);
    }
  };
  const remove = async (user) => {
    if (!confirm(`Delete the API user ${user.userName}? Its key stops working.`)) return;
    try {
      await api('DELETE', `/User/${encodeURIComponent(user.id)}`);
      users.reload();
    } catch (err) {
      setError(err);
    }
  };
  const rotate = async (user) => {
    if (!confirm(`Give ${user.userName} a new key? The current key stops working at once.`)) return;
    setError(null);
    try {
      setCreated(await api('POST', '/UserSecurity/apiKey/generate', { body: { id: user.id } }));
    } catch (err) {
      setError(err);
    }
  };
  const [budgetsOf, setBudgetsOf] = useState(null);
  const curl = created && `curl -H "X-Api-Key: ${created.apiKey}" ${location.origin}/api/v1/Contact`;
  return html`<section aria-label="API users">
    <header class="page-head"><h1>API users</h1></header>
    <form class="inline-form" onSubmit=${create} aria-label="Create API user">
      <label>User name <input required value=${name} onInput=${(e) => setName(e.currentTarget.value)} /></label>
      <label>Authentication
        <select value=${method} onChange=${(e) => setMethod(e.currentTarget.value)}>
          <option value="ApiKey">API key</option><option value="Hmac">HMAC</option>
        </select></label>
      <label>Role
        <select value=${role} onChange=${(e) => setRole(e.currentTarget.value)}>
          ${(roles.data ? roles.data.list : [{ id: 'crmd-full-access', name: 'Full access' }]).map(
            (r) => html`<option key=${r.id} value=${r.id}>${r.name}</option>`,
          )}
          <option value="">No role (no access)</option>
        </select></label>
      <button type="submit" class="primary">Create API user</button>
    </form>
    <${ErrorNote} error=${error} />
    ${created &&
    html`<div class="secret" role="status">
      <p><strong>${created.userName}</strong>: copy the key now; it is shown only once.</p>
      <p>API key: <code class="api-key">${created.apiKey}</code> <${CopyButton} text=${created.apiKey} /></p>
      ${created.secretKey &&
      html`<p>Secret: <code class="secret-key">${created.secretKey}</code> <${CopyButton} text=${created.secretKey} /></p>`}
      <p>Try: <code>${curl}</code> <${CopyButton} text=${curl} label="Copy curl" /></p>
      <button type="button" class="small" onClick=${() => setCreated(null)}>Done</button>
    </div>`}
    ${users.loading && !users.data && html`<${Loading} what="API users" />`}
    <${ErrorNote} error=${users.error} />
    ${users.data &&
    html`<table class="records"><thead><tr><th>User name</th><th>Authentication</th><th>Active</th><th>Created</th><th></th></tr></thead>
      <tbody>${users.data.list.map(
        (u) => html`<tr key=${u.id}><td data-label="User name"><a href=${href(`User/${encodeURIComponent(u.id)}`)}>${u.userName}</a></td>
          <td data-label="Authentication">${u.authMethod}</td><td data-label="Active">${u.isActive ? 'Yes' : 'No'}</td>
          <td data-label="Created">${u.createdAt}</td>
          <td class="actions"><button type="button" class="small" aria-label=${`Rotate key of ${u.userName}`} onClick=${() => rotate(u)}>Rotate key</button>
            <button type="button" class="small" aria-label=${`Rate limit of ${u.userName}`} onClick=${() => setBudgetsOf(u)}>Rate limit</button>
            <button type="button" class="small danger" onClick=${() => remove(u)}>Delete</button></td></tr>`,
      )}</tbody></table>`}
    ${budgetsOf && html`<${RateLimitPanel} user=${budgetsOf} onClose=${() => setBudgetsOf(null)} />`}
  </section>`;
}

// A user's budgets as the API reads them (GET /User/{id}/rateLimit): reading does not spend them.
function RateLimitPanel({ user, onClose }) {
  const state = useLoad(() => api('GET', `/User/${encodeURIComponent(user.id)}/rateLimit`), [user.id]);
  const d = state.data;
  return html`<section class="rate-limit" aria-label=${`Rate limit of ${user.userName}`}>
    <h2>Rate limit of ${user.userName}</h2>
    ${state.loading && !d && html`<${Loading} what="budgets" />`}
    <${ErrorNote} error=${state.error} />
    ${d && !d.enabled && html`<p>The server does not limit requests (<code>--rate-limit off</code>).</p>`}
    ${d && d.unlimited && html`<p>This user has no limit.</p>`}
    ${d && d.budgets.length > 0 &&
    html`<table class="records"><thead><tr><th>Budget</th><th>Remaining</th><th>Limit</th><th>Window</th><th>Next request back</th></tr></thead>
      <tbody>${d.budgets.map(
        (b) => html`<tr key=${b.policy} data-policy=${b.policy}><td data-label="Budget">${b.policy}</td>
          <td data-label="Remaining" class="remaining">${b.remaining}</td><td data-label="Limit">${b.limit}</td>
          <td data-label="Window">${b.windowSeconds} s</td>
          <td data-label="Next request back">${b.resetIn > 0 ? `in ${b.resetIn} s (${new Date(b.resetAt * 1000).toLocaleTimeString()})` : 'none spent'}</td></tr>`,
      )}</tbody></table>`}
    <button type="button" class="small" onClick=${() => state.reload()}>Refresh</button>
    <button type="button" class="small" onClick=${onClose}>Close</button>
  </section>`;
}

const kEventTypes = ['create', 'update', 'delete', 'fieldUpdate'];

function HeaderRows({ rows, setRows }) {
  return html`<fieldset><legend>Extra headers</legend>
    ${rows.map(
      (row, i) => html`<div class="header-row" key=${i}>
        <label>Name <input value=${row[0]} onInput=${(e) => setRows(rows.map((r, j) => (j === i ? [e.currentTarget.value, r[1]] : r)))} /></label>
        <label>Value <input value=${row[1]} onInput=${(e) => setRows(rows.map((r, j) => (j === i ? [r[0], e.currentTarget.value] : r)))} /></label>
        <button type="button" class="small" onClick=${() => setRows(rows.filter((_, j) => j !== i))}>Remove</button>
      </div>`,
    )}
    <button type="button" class="small" onClick=${() => setRows([...rows, ['', '']])}>Add header</button>
  </fieldset>`;
}

function WebhookForm({ webhook, onSaved }) {
  const isNew = !webhook;
  const objects = navEntities(null);
  const [entity, setEntity] = useState(objects[0] || 'Contact');
  const [type, setType] = useState('create');
  const [field, setField] = useState('');
  const [url, setUrl] = useState(webhook ? webhook.url : '');
  const [format, setFormat] = useState(webhook ? webhook.format : 'seed');
  const [isActive, setActive] = useState(webhook ? webhook.isActive : true);
  const [rows, setRows] = useState(Object.entries((webhook && webhook.headers) || {}));
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    const body = { url, format, isActive, headers: Object.fromEntries(rows.filter((r) => r[0])) };
    if (isNew) body.event = type === 'fieldUpdate' ? `${entity}.fieldUpdate.${field}` : `${entity}.${type}`;
    try {
      const saved = isNew
        ? await api('POST', '/Webhook', { body })
        : await api('PUT', `/Webhook/${encodeURIComponent(webhook.id)}`, { body });
      onSaved(saved);
    } catch (err) {
      setError(err);
    }
  };
  return html`<form class="record-form" onSubmit=${submit} aria-label=${isNew ? 'Create webhook' : 'Edit webhook'}>
    ${isNew &&
    html`<fieldset><legend>Event</legend>
      <label>Entity <select value=${entity} onChange=${(e) => setEntity(e.currentTarget.value)}>
        ${objects.map((o) => html`<option value=${o}>${o}</option>`)}</select></label>
      <label>Change <select value=${type} onChange=${(e) => setType(e.currentTarget.value)}>
        ${kEventTypes.map((t) => html`<option value=${t}>${t}</option>`)}</select></label>
      ${type === 'fieldUpdate' &&
      html`<label>Field <select value=${field} onChange=${(e) => setField(e.currentTarget.value)}>
        ${['', ...Object.keys(defsOf(entity).fields)].map((f) => html`<option value=${f}>${f ? label(f) : '—'}</option>`)}</select></label>`}
    </fieldset>`}
    <div class="form-field"><label for="webhook-url">URL *</label>
      <input id="webhook-url" type="url" required value=${url} onInput=${(e) => setUrl(e.currentTarget.value)} /></div>
    <div class="form-field"><label for="webhook-format">Format</label>
      <select id="webhook-format" value=${format} onChange=${(e) => setFormat(e.currentTarget.value)}>
        <option value="seed">seed (one event per request)</option><option value="espo">espo (EspoCRM batches)</option></select></div>
    <div class="form-field check"><label><input type="checkbox" checked=${isActive}
      onChange=${(e) => setActive(e.currentTarget.checked)} /> Active</label></div>
    <${HeaderRows} rows=${rows} setRows=${setRows} />
    <${ErrorNote} error=${error} />
    <div class="actions"><button type="submit" class="primary">${isNew ? 'Create webhook' : 'Save'}</button></div>
  </form>`;
}

export function WebhooksView() {
  const [creating, setCreating] = useState(false);
  const hooks = useLoad(
    () => api('GET', '/Webhook', { query: { maxSize: 200, select: 'id,event,url,isActive,format,createdAt' } }),
    [],
  );
  return html`<section aria-label="Webhooks">
    <header class="page-head"><h1>Webhooks</h1>
      <div class="actions"><button type="button" class="primary" aria-expanded=${creating}
        onClick=${() => setCreating(!creating)}>${creating ? 'Cancel' : 'Create webhook'}</button></div></header>
    ${creating && html`<${WebhookForm} onSaved=${(w) => go(`admin/webhooks/${encodeURIComponent(w.id)}`)} />`}
    <${ErrorNote} error=${hooks.error} />
    ${hooks.loading && !hooks.data && html`<${Loading} what="webhooks" />`}
    ${hooks.data && hooks.data.list.length === 0 && html`<p class="empty">No webhooks yet.</p>`}
    ${hooks.data && hooks.data.list.length > 0 &&
    html`<table class="records"><thead><tr><th>Event</th><th>URL</th><th>Format</th><th>Active</th></tr></thead>
      <tbody>${hooks.data.list.map(
        (w) => html`<tr key=${w.id}><td data-label="Event"><a href=${href(`admin/webhooks/${encodeURIComponent(w.id)}`)}>${w.event}</a></td>
          <td data-label="URL">${w.url}</td><td data-label="Format">${w.format}</td><td data-label="Active">${w.isActive ? 'Yes' : 'No'}</td></tr>`,
      )}</tbody></table>`}
  </section>`;
}

export function WebhookView({ id }) {
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const hook = useLoad(() => api('GET', `/Webhook/${encodeURIComponent(id)}`), [id]);
  const log = useLoad(() => api('GET', `/Webhook/${encodeURIComponent(id)}/deliveries`, { query: { maxSize: 50 } }), [id]);
  const call = async (what, path, body) => {
    setError(null);
    try {
      const r = await api('POST', `/Webhook/${encodeURIComponent(id)}/${path}`, { body });
      setNotice(what === 'test' ? 'Test ping queued.' : `Queued ${r.count} delivery(ies) again.`);
      log.reload();
    } catch (err) {
      setError(err);
    }
  };
  const remove = async () => {
    if (!confirm('Delete this webhook?')) return;
    try {
      await api('DELETE', `/Webhook/${encodeURIComponent(id)}`);
      go('admin/webhooks');
    } catch (err) {
      setError(err);
    }
  };
  if (hook.loading && !hook.data) return html`<${Loading} what="the webhook" />`;
  if (hook.error) return html`<${ErrorNote} error=${hook.error} />`;
  const w = hook.data;
  return html`<section aria-label="Webhook">
    <header class="page-head"><div><p class="crumb"><a href=${href('admin/webhooks')}>Webhooks</a></p><h1>${w.event}</h1></div>
      <div class="actions">
        <button type="button" onClick=${() => call('test', 'test')}>Send test</button>
        <button type="button" onClick=${() => log.reload()}>Refresh log</button>
        <button type="button" class="primary" onClick=${() => setEditing(!editing)}>${editing ? 'Cancel' : 'Edit'}</button>
        <button type="button" class="danger" onClick=${remove}>Delete</button></div></header>
    <${ErrorNote} error=${error} />
    ${notice && html`<p class="notice" role="status">${notice}</p>`}
    ${editing
      ? html`<${WebhookForm} webhook=${w} onSaved=${() => {
          setEditing(false);
          hook.reload();
        }} />`
      : html`<dl class="fields">
          ${['url', 'format', 'isActive', 'skipOwn', 'secretKey', 'standardWebhooksSecret'].map(
            (f) => html`<div class="field"><dt>${label(f)}</dt><dd>${typeof w[f] === 'boolean' ? (w[f] ? 'Yes' : 'No') : w[f] ?? '—'}</dd></div>`,
          )}
          <div class="field"><dt>Headers</dt><dd>${Object.keys(w.headers || {}).join(', ') || '—'}</dd></div>
        </dl>`}
    <section class="panel" aria-label="Delivery log">
      <header><h2>Delivery log <span class="count">${log.data ? log.data.total : ''}</span></h2></header>
      <${ErrorNote} error=${log.error} />
      ${log.data && log.data.list.length === 0 && html`<p class="muted">No deliveries yet.</p>`}
      ${log.data && log.data.list.length > 0 &&
      html`<table class="records deliveries"><thead><tr><th>Created</th><th>Event</th><th>Status</th><th>Code</th>
          <th>Attempts</th><th>Next try</th><th>Error</th><th></th></tr></thead>
        <tbody>${log.data.list.map(
          (d) => html`<tr key=${d.id} data-status=${d.status}><td data-label="Created">${d.createdAt}</td><td data-label="Event">${d.event}</td>
            <td data-label="Status" class="status">${d.status}</td><td data-label="Code">${d.lastStatusCode ?? '—'}</td>
            <td data-label="Attempts">${d.attempts}</td><td data-label="Next try">${d.nextAttemptAt || '—'}</td>
            <td data-label="Error">${d.error || ''}</td>
            <td><button type="button" class="small" onClick=${() => call('redeliver', 'redeliver', { id: d.id })}>Redeliver</button></td></tr>`,
        )}</tbody></table>`}
    </section>
  </section>`;
}
