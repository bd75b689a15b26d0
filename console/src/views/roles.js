// Roles (admins only): the list, and one role's access as a grid of entities x actions with a level
// select in each cell, in EspoCRM's shape: `data` maps an entity to {create: yes|no, read, edit,
// delete, stream: all|team|own|no}, or to false for no access at all. A cell left "not set" is
// absent from `data`. `fieldData` (per-field rights) is kept as the API returned it.

import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { navEntities } from '../meta.js';
import { ErrorNote, Loading, go, href, html, useLoad } from '../ui.js';

const kActions = ['create', 'read', 'edit', 'delete', 'stream'];
const kLevels = { create: ['yes', 'no'], other: ['all', 'team', 'own', 'no'] };

function rolePath(id) {
  return `admin/roles/${encodeURIComponent(id)}`;
}

export function RolesView() {
  const [name, setName] = useState('');
  const [error, setError] = useState(null);
  const roles = useLoad(() => api('GET', '/Role', { query: { maxSize: 200, select: 'id,name', orderBy: 'name', order: 'asc' } }), []);
  const create = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      const role = await api('POST', '/Role', { body: { name, data: {} } });
      go(rolePath(role.id));
    } catch (err) {
      setError(err);
    }
  };
  return html`<section aria-label="Roles">
    <header class="page-head"><h1>Roles</h1></header>
    <form class="inline-form" onSubmit=${create} aria-label="Create role">
      <label>Role name <input required value=${name} onInput=${(e) => setName(e.currentTarget.value)} /></label>
      <button type="submit" class="primary">Create role</button>
    </form>
    <${ErrorNote} error=${error || roles.error} />
    ${roles.loading && !roles.data && html`<${Loading} what="roles" />`}
    ${roles.data && roles.data.list.length === 0 && html`<p class="empty">No roles yet.</p>`}
    ${roles.data && roles.data.list.length > 0 &&
    html`<ul class="related">${roles.data.list.map(
      (r) => html`<li key=${r.id}><a href=${href(rolePath(r.id))}>${r.name}</a></li>`,
    )}</ul>`}
  </section>`;
}

export function RoleView({ id }) {
  const role = useLoad(() => api('GET', `/Role/${encodeURIComponent(id)}`), [id]);
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  if (role.loading && !role.data) return html`<${Loading} what="the role" />`;
  if (role.error) return html`<${ErrorNote} error=${role.error} />`;
  const current = data || role.data.data || {};
  const setCell = (entity, action, level) => {
    const row = current[entity] && typeof current[entity] === 'object' ? { ...current[entity] } : {};
    if (level) row[action] = level;
    else delete row[action];
    const next = { ...current };
    if (Object.keys(row).length) next[entity] = row;
    else delete next[entity];
    setData(next);
    setNotice('');
  };
  const setDenied = (entity, denied) => {
    const next = { ...current };
    if (denied) next[entity] = false;
    else delete next[entity];
    setData(next);
    setNotice('');
  };
  const save = async () => {
    setError(null);
    try {
      await api('PUT', `/Role/${encodeURIComponent(id)}`, { body: { data: current } });
      setNotice('Saved.');
      role.reload();
      setData(null);
    } catch (err) {
      setError(err);
    }
  };
  return html`<section aria-label="Role">
    <header class="page-head"><div><p class="crumb"><a href=${href('admin/roles')}>Roles</a></p><h1>${role.data.name}</h1></div>
      <div class="actions"><button type="button" class="primary" onClick=${save}>Save</button></div></header>
    <${ErrorNote} error=${error} />
    ${notice && html`<p class="notice" role="status">${notice}</p>`}
    <table class="records roles"><thead><tr><th>Entity</th><th>No access</th>
      ${kActions.map((a) => html`<th>${a}</th>`)}</tr></thead>
      <tbody>${navEntities(null).map((entity) => {
        const row = current[entity];
        const denied = row === false;
        return html`<tr key=${entity} data-entity=${entity}><th scope="row">${entity}</th>
          <td data-label="No access"><input type="checkbox" aria-label=${`${entity}: no access`} checked=${denied}
            onChange=${(e) => setDenied(entity, e.currentTarget.checked)} /></td>
          ${kActions.map(
            (action) => html`<td data-label=${action}>
              <select aria-label=${`${entity} ${action}`} disabled=${denied}
                      value=${(row && row[action]) || ''} onChange=${(e) => setCell(entity, action, e.currentTarget.value)}>
                <option value="">not set</option>
                ${(action === 'create' ? kLevels.create : kLevels.other).map((l) => html`<option value=${l}>${l}</option>`)}
              </select></td>`,
          )}</tr>`;
      })}</tbody></table>
  </section>`;
}
