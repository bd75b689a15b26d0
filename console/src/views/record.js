// A record of any entity: its fields (from the metadata), its related lists with link and unlink,
// its activity timeline; the create/edit form with the server's validation message beside the
// field it names; lead conversion.

import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { defsOf, editableFields, hasActivities, label, linkTarget, listColumns, relatedLinks, viewFields } from '../meta.js';
import { ErrorNote, Loading, RecordPicker, Value, go, href, html, useLoad } from '../ui.js';

function recordPath(entity, id) {
  return `${entity}/${encodeURIComponent(id)}`;
}

function RelatedPanel({ entity, id, link, target }) {
  const [picking, setPicking] = useState(false);
  const [error, setError] = useState(null);
  const related = useLoad(
    (signal) => api('GET', `/${entity}/${encodeURIComponent(id)}/${link}`, { query: { maxSize: 10 }, signal }),
    [entity, id, link],
  );
  const columns = listColumns(target).slice(0, 3);
  const act = async (method, body, path = '') => {
    setError(null);
    try {
      await api(method, `/${entity}/${encodeURIComponent(id)}/${link}${path}`, { body });
      related.reload();
    } catch (e) {
      setError(e);
    }
  };
  const data = related.data;
  return html`<section class="panel" aria-label=${`Related: ${label(link)}`} data-link=${link}>
    <header><h2>${label(link)} <span class="count">${data ? data.total : ''}</span></h2>
      <button type="button" class="small" aria-expanded=${picking} onClick=${() => setPicking(!picking)}>
        ${picking ? 'Cancel' : `Link ${target}`}</button>
    </header>
    ${picking &&
    html`<${RecordPicker} entity=${target} label=${`Find ${target} to link`}
      onPick=${(r) => {
        setPicking(false);
        act('POST', { id: r.id });
      }} />`}
    <${ErrorNote} error=${related.error || error} />
    ${data && data.list.length === 0 && html`<p class="muted">None.</p>`}
    ${data && data.list.length > 0 &&
    html`<ul class="related">
      ${data.list.map(
        (r) => html`<li key=${r.id}>
          <a href=${href(recordPath(target, r.id))}>${r.name || r.id}</a>
          ${columns.slice(1).map((c) => html` <span class="muted"><${Value} entity=${target} field=${c} record=${r} /></span>`)}
          <button type="button" class="small" aria-label=${`Unlink ${r.name || r.id}`}
                  onClick=${() => act('DELETE', undefined, `/${encodeURIComponent(r.id)}`)}>Unlink</button>
        </li>`,
      )}
    </ul>`}
  </section>`;
}

function Timeline({ entity, id }) {
  const items = useLoad(async (signal) => {
    const path = `/Activities/${entity}/${encodeURIComponent(id)}`;
    const [planned, held] = await Promise.all([
      api('GET', `${path}/activities`, { query: { maxSize: 20 }, signal }),
      api('GET', `${path}/history`, { query: { maxSize: 20 }, signal }),
    ]);
    const list = [...planned.list, ...held.list];
    const when = (r) => r.dateStart || r.dateEnd || r.createdAt || '';
    return list.sort((a, b) => (when(a) < when(b) ? 1 : -1)).map((r) => ({ ...r, when: when(r) }));
  }, [entity, id]);
  return html`<section class="panel" aria-label="Activities">
    <header><h2>Activities</h2></header>
    <${ErrorNote} error=${items.error} />
    ${items.data && items.data.length === 0 && html`<p class="muted">No calls, meetings or tasks.</p>`}
    ${items.data &&
    html`<ol class="timeline">
      ${items.data.map(
        (r) => html`<li key=${r.id}><span class="muted">${r.when}</span>
          <span class="tag">${r._scope}</span>
          <a href=${href(recordPath(r._scope, r.id))}>${r.name || r.id}</a>
          <span class="muted">${r.status || ''}</span></li>`,
      )}
    </ol>`}
  </section>`;
}

export function RecordView({ entity, id }) {
  const [error, setError] = useState(null);
  const record = useLoad((signal) => api('GET', `/${entity}/${encodeURIComponent(id)}`, { signal }), [entity, id]);
  if (record.loading && !record.data) return html`<${Loading} what=${entity} />`;
  if (record.error) return html`<${ErrorNote} error=${record.error} />`;
  const r = record.data;
  const remove = async () => {
    if (!confirm(`Delete this ${entity}?`)) return;
    try {
      await api('DELETE', `/${entity}/${encodeURIComponent(id)}`);
      go(entity);
    } catch (e) {
      setError(e);
    }
  };
  const fields = viewFields(entity).filter(({ name, def }) => name !== 'name' && def.type !== 'personName');
  return html`<article class="record" aria-label=${`${entity} ${r.name || id}`}>
    <header class="page-head">
      <div><p class="crumb"><a href=${href(entity)}>${entity}</a></p><h1>${r.name || id}</h1></div>
      <div class="actions">
        ${entity === 'Lead' && r.status !== 'Converted' &&
        html`<a class="button" href=${href(`${recordPath(entity, id)}/convert`)}>Convert</a>`}
        <a class="button primary" href=${href(`${recordPath(entity, id)}/edit`)}>Edit</a>
        <button type="button" class="danger" onClick=${remove}>Delete</button>
      </div>
    </header>
    <${ErrorNote} error=${error} />
    <dl class="fields">
      ${fields.map(
        ({ name }) => html`<div class="field" data-field=${name}><dt>${label(name)}</dt>
          <dd><${Value} entity=${entity} field=${name} record=${r} /></dd></div>`,
      )}
    </dl>
    <div class="panels">
      ${hasActivities(entity) && html`<${Timeline} entity=${entity} id=${id} />`}
      ${relatedLinks(entity).map(
        (l) => html`<${RelatedPanel} key=${l.name} entity=${entity} id=${id} link=${l.name} target=${l.entity} />`,
      )}
    </div>
  </article>`;
}

function inputType(def) {
  switch (def.type) {
    case 'int':
    case 'float':
    case 'currency':
      return 'number';
    case 'date':
      return 'date';
    case 'email':
      return 'text';
    case 'url':
      return 'url';
    default:
      return 'text';
  }
}

// A belongsTo link: the record's name, and a search to choose another.
function LinkInput({ entity, name, def, values, set, note }) {
  const target = linkTarget(entity, name);
  const [picking, setPicking] = useState(false);
  return html`<div class="form-field" data-field=${name}>
      <span class="label">${label(name)}${def.required ? ' *' : ''}</span>
      <span>${values[name + 'Name'] || values[name + 'Id'] || '—'}</span>
      <button type="button" class="small" onClick=${() => setPicking(!picking)}>${picking ? 'Cancel' : 'Choose'}</button>
      ${values[name + 'Id'] &&
      html`<button type="button" class="small" onClick=${() => set({ [name + 'Id']: null, [name + 'Name']: null })}>Clear</button>`}
      ${picking &&
      html`<${RecordPicker} entity=${target} onPick=${(r) => {
        setPicking(false);
        set({ [name + 'Id']: r.id, [name + 'Name']: r.name });
      }} />`}
      ${note}
    </div>`;
}

function FieldInput({ entity, name, def, values, set, error }) {
  const id = `field-${name}`;
  const errorId = `${id}-error`;
  const note = error && html`<p class="field-error" id=${errorId} role="alert">${error}</p>`;
  const described = error ? errorId : undefined;
  if (def.type === 'link') {
    return html`<${LinkInput} entity=${entity} name=${name} def=${def} values=${values} set=${set} note=${note} />`;
  }
  if (def.type === 'bool') {
    return html`<div class="form-field check" data-field=${name}>
      <label><input type="checkbox" id=${id} checked=${!!values[name]} aria-describedby=${described}
        onChange=${(e) => set({ [name]: e.currentTarget.checked })} /> ${label(name)}</label>${note}</div>`;
  }
  let control;
  if (def.type === 'enum') {
    control = html`<select id=${id} value=${values[name] ?? ''} aria-invalid=${!!error} aria-describedby=${described}
        onChange=${(e) => set({ [name]: e.currentTarget.value })}>
      ${(def.options || []).map((o) => html`<option value=${o}>${o || '—'}</option>`)}</select>`;
  } else if (def.type === 'text') {
    control = html`<textarea id=${id} rows="3" aria-invalid=${!!error} aria-describedby=${described}
        onInput=${(e) => set({ [name]: e.currentTarget.value })}>${values[name] ?? ''}</textarea>`;
  } else {
    control = html`<input id=${id} type=${inputType(def)} step=${def.type === 'int' ? '1' : 'any'}
        value=${values[name] ?? ''} aria-invalid=${!!error} aria-describedby=${described}
        onInput=${(e) => set({ [name]: e.currentTarget.value })} />`;
  }
  return html`<div class="form-field" data-field=${name}>
    <label for=${id}>${label(name)}${def.required ? ' *' : ''}</label>${control}${note}</div>`;
}

function toApi(def, value) {
  if (value === '' || value === undefined) return null;
  if (['int', 'float', 'currency'].includes(def.type)) return Number(value);
  return value;
}

export function EditView({ entity, id }) {
  const isNew = !id;
  const fields = editableFields(entity);
  const loaded = useLoad(
    () => (isNew ? Promise.resolve({}) : api('GET', `/${entity}/${encodeURIComponent(id)}`)),
    [entity, id],
  );
  const [changes, setChanges] = useState({});
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [saving, setSaving] = useState(false);
  const [duplicates, setDuplicates] = useState(null);
  if (loaded.loading) return html`<${Loading} what=${entity} />`;
  if (loaded.error) return html`<${ErrorNote} error=${loaded.error} />`;
  const values = { ...(isNew ? defaults(fields) : loaded.data), ...changes };
  const set = (patch) => setChanges({ ...changes, ...patch });
  // `skipDuplicates`: the user saw the records a 409 named and saves anyway.
  const save = async (skipDuplicates) => {
    setSaving(true);
    setErrors({});
    setError(null);
    setDuplicates(null);
    const body = {};
    for (const { name, def } of fields) {
      const attr = def.type === 'link' ? name + 'Id' : name;
      if (attr in changes || (isNew && values[attr] !== undefined && values[attr] !== '')) {
        body[attr] = def.type === 'link' ? values[attr] || null : toApi(def, values[attr]);
      }
    }
    const headers = skipDuplicates ? { 'X-Skip-Duplicate-Check': 'true' } : undefined;
    try {
      const saved = isNew
        ? await api('POST', `/${entity}`, { body, headers })
        : await api('PUT', `/${entity}/${encodeURIComponent(id)}`, { body, headers });
      go(recordPath(entity, saved.id));
    } catch (err) {
      if (err.status === 409 && err.body && Array.isArray(err.body.duplicates)) {
        setDuplicates(err.body.duplicates);
        return;
      }
      const field = err.field && fields.find(({ name }) => name === err.field || name + 'Id' === err.field);
      if (field) setErrors({ [field.name]: err.message });
      else setError(err);
    } finally {
      setSaving(false);
    }
  };
  const submit = (e) => {
    e.preventDefault();
    save(false);
  };
  const title = isNew ? `Create ${entity}` : `Edit ${values.name || id}`;
  return html`<form class="record-form" onSubmit=${submit} aria-label=${title} novalidate>
    <header class="page-head"><h1>${title}</h1>
      <div class="actions">
        <a class="button" href=${href(isNew ? entity : recordPath(entity, id))}>Cancel</a>
        <button type="submit" class="primary" disabled=${saving}>Save</button>
      </div>
    </header>
    <${ErrorNote} error=${error} />
    ${duplicates &&
    html`<div class="duplicates" role="alert"><p>Records with the same name or email exist:</p>
      <ul>${duplicates.map(
        (d) => html`<li key=${d.id}><a href=${href(recordPath(d._entityType || entity, d.id))}>${d.name || d.id}</a></li>`,
      )}</ul>
      <button type="button" onClick=${() => save(true)}>Save anyway</button></div>`}
    <div class="form-grid">
      ${fields.map(
        ({ name, def }) => html`<${FieldInput} key=${name} entity=${entity} name=${name} def=${def}
          values=${values} set=${set} error=${errors[name]} />`,
      )}
    </div>
  </form>`;
}

function defaults(fields) {
  const out = {};
  for (const { name, def } of fields) {
    if (def.default !== undefined) out[name] = def.default;
    else if (def.type === 'enum' && def.options) out[name] = def.options[0];
  }
  return out;
}

const kConvertTargets = ['Account', 'Contact', 'Opportunity'];

export function ConvertView({ id }) {
  const prefilled = useLoad(() => api('POST', '/Lead/action/getConvertAttributes', { body: { id } }), [id]);
  const [chosen, setChosen] = useState({ Account: true, Contact: true, Opportunity: false });
  const [edits, setEdits] = useState({});
  const [error, setError] = useState(null);
  if (prefilled.loading) return html`<${Loading} what="the conversion" />`;
  if (prefilled.error) return html`<${ErrorNote} error=${prefilled.error} />`;
  const recordOf = (target) => ({ ...(prefilled.data[target] || {}), ...(edits[target] || {}) });
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    const records = {};
    for (const t of kConvertTargets) if (chosen[t]) records[t] = recordOf(t);
    try {
      await api('POST', '/Lead/action/convert', { body: { id, records } });
      go(recordPath('Lead', id));
    } catch (err) {
      setError(err);
    }
  };
  const required = (t) =>
    Object.entries(defsOf(t).fields).filter(([, d]) => d.required && d.type !== 'personName');
  return html`<form class="record-form" onSubmit=${submit} aria-label="Convert lead">
    <header class="page-head"><h1>Convert lead</h1>
      <div class="actions"><a class="button" href=${href(recordPath('Lead', id))}>Cancel</a>
        <button type="submit" class="primary">Convert</button></div>
    </header>
    <${ErrorNote} error=${error} />
    ${kConvertTargets.map(
      (t) => html`<fieldset key=${t}>
        <legend><label><input type="checkbox" checked=${chosen[t]}
          onChange=${(e) => setChosen({ ...chosen, [t]: e.currentTarget.checked })} /> Create ${t}</label></legend>
        ${chosen[t] &&
        required(t).map(
          ([name, def]) => html`<div class="form-field"><label for=${`convert-${t}-${name}`}>${label(name)} *</label>
            <input id=${`convert-${t}-${name}`} type=${inputType(def)} value=${recordOf(t)[name] ?? ''}
              onInput=${(e) => setEdits({ ...edits, [t]: { ...(edits[t] || {}), [name]: toApi(def, e.currentTarget.value) } })} /></div>`,
        )}
      </fieldset>`,
    )}
  </form>`;
}
