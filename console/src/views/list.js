// The list of any entity: columns from the metadata, text search, filter chips (field, operator,
// value: one where item each), sort by a column, paging with the API's total, mass delete. The
// whole state lives in the address, so back, reload and a copied link show the same list.

import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { attributeOf, defsOf, label, listColumns, operatorsFor, takesValue } from '../meta.js';
import { ErrorNote, Loading, Value, go, href, html, useLoad } from '../ui.js';

const PAGE = 20;
const kNoTotal = { 'X-No-Total': 'true' };

function filtersOf(query) {
  try {
    const list = JSON.parse(query.f || '[]');
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

function whereOf(entity, filters) {
  return filters.map(({ field, op, value }) => {
    const item = { type: op, attribute: attributeOf(entity, field) };
    if (takesValue(op)) item.value = value;
    return item;
  });
}

function FilterEditor({ entity, onAdd }) {
  const fields = Object.entries(defsOf(entity).fields).filter(
    ([, d]) => !['linkMultiple', 'jsonObject', 'personName', 'address', 'foreign', 'linkOne', 'linkParent'].includes(d.type),
  );
  const [field, setField] = useState(fields.length ? fields[0][0] : '');
  const ops = operatorsFor(defsOf(entity).fields[field]);
  const [op, setOp] = useState(ops[0]);
  const [value, setValue] = useState('');
  const currentOp = ops.includes(op) ? op : ops[0];
  const submit = (e) => {
    e.preventDefault();
    onAdd({ field, op: currentOp, value });
    setValue('');
  };
  const def = defsOf(entity).fields[field] || {};
  return html`<form class="filter-editor" onSubmit=${submit} aria-label="Add a filter">
    <label>Field
      <select value=${field} onChange=${(e) => setField(e.currentTarget.value)}>
        ${fields.map(([name]) => html`<option value=${name}>${label(name)}</option>`)}
      </select>
    </label>
    <label>Operator
      <select value=${currentOp} onChange=${(e) => setOp(e.currentTarget.value)}>
        ${ops.map((o) => html`<option value=${o}>${o}</option>`)}
      </select>
    </label>
    ${takesValue(currentOp) &&
    (def.type === 'enum'
      ? html`<label>Value
          <select value=${value} onChange=${(e) => setValue(e.currentTarget.value)}>
            ${['', ...def.options.filter(Boolean)].map((o) => html`<option value=${o}>${o}</option>`)}
          </select></label>`
      : html`<label>Value
          <input value=${value} type=${def.type === 'date' || def.type === 'datetime' ? 'date' : 'text'}
                 onInput=${(e) => setValue(e.currentTarget.value)} /></label>`)}
    <button type="submit">Add filter</button>
  </form>`;
}

export function ListView({ entity, query }) {
  const filters = filtersOf(query);
  const page = Number(query.page || 0);
  const columns = listColumns(entity);
  const sort = query.sort || (defsOf(entity).fields.createdAt ? 'createdAt' : '');
  const order = query.order || 'desc';
  const [search, setSearch] = useState(query.q || '');
  // Back, forward and links change the address under the box.
  useEffect(() => setSearch(query.q || ''), [query.q]);
  const [selected, setSelected] = useState(new Set());
  const [actionError, setActionError] = useState(null);

  const setQuery = (changes) => go(entity, { ...query, ...changes });
  const where = filters.length ? JSON.stringify(whereOf(entity, filters)) : '';
  // The rows and the total are asked apart and in parallel: the rows come in milliseconds, while
  // counting a large match (1M contacts) takes tens to hundreds of them. The total depends only on
  // the search and the filters, so paging and sorting do not count again.
  // Each answer of rows remembers the search and the page it answers: a total shows only beside rows
  // of the same search, and the pager names the page of the rows on screen, never (for a moment)
  // the search or the page asked for beside the rows of the one before it.
  const searchKey = JSON.stringify([entity, query.q || '', query.f || '']);
  const result = useLoad(
    (signal) =>
      api('GET', `/${entity}`, {
        query: { maxSize: PAGE, offset: page * PAGE, orderBy: sort, order, textFilter: query.q, where },
        headers: kNoTotal,
        signal,
      }).then((rows) => ({ ...rows, searchKey, page })),
    [entity, query.q, query.f, page, sort, order],
  );
  const counted = useLoad(
    (signal) => api('GET', `/${entity}`, { query: { maxSize: 0, select: 'id', textFilter: query.q, where }, signal }),
    [entity, query.q, query.f],
  );
  const onSort = (column) => {
    const same = sort === column;
    setQuery({ sort: column, order: same && order === 'asc' ? 'desc' : 'asc', page: '' });
  };
  const removeFilter = (i) => {
    const next = filters.filter((_, j) => j !== i);
    setQuery({ f: next.length ? JSON.stringify(next) : '', page: '' });
  };
  const toggle = (id) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const massDelete = async () => {
    if (!confirm(`Delete ${selected.size} ${entity} record(s)?`)) return;
    try {
      await api('DELETE', `/${entity}/action/massDelete`, { body: { ids: [...selected] } });
      setSelected(new Set());
      result.reload();
      counted.reload();
    } catch (e) {
      setActionError(e);
    }
  };

  const data = result.data;
  const shownPage = data ? data.page : page;
  const total =
    counted.data && !counted.loading && data && data.searchKey === searchKey ? counted.data.total : null;
  const pages = total === null ? null : Math.max(1, Math.ceil(total / PAGE));
  // Until the count is in, the rows' answer tells whether a next page exists (-1: more rows).
  const last = pages === null ? !data || data.total !== -1 : shownPage + 1 >= pages;
  return html`<section class="list" aria-label=${`${entity} list`}>
    <header class="page-head">
      <h1>${entity}</h1>
      <div class="actions">
        ${entity === 'Opportunity' && html`<a class="button" href=${href('Opportunity/board')}>Board</a>`}
        <a class="button primary" href=${href(`${entity}/create`)}>Create ${entity}</a>
      </div>
    </header>
    <form class="search" role="search" onSubmit=${(e) => {
      e.preventDefault();
      setQuery({ q: search, page: '' });
    }}>
      <label class="sr-only" for="list-search">Search ${entity}</label>
      <input id="list-search" type="search" placeholder=${`Search ${entity} (press /)`} value=${search}
             onInput=${(e) => setSearch(e.currentTarget.value)} />
      <button type="submit">Search</button>
    </form>
    <details class="filters">
      <summary>Filters${filters.length ? ` (${filters.length})` : ''}</summary>
      <${FilterEditor} entity=${entity}
        onAdd=${(f) => setQuery({ f: JSON.stringify([...filters, f]), page: '' })} />
    </details>
    ${filters.length > 0 &&
    html`<ul class="chips" aria-label="Active filters">
      ${filters.map(
        (f, i) => html`<li class="chip">${label(f.field)} ${f.op}${takesValue(f.op) ? ` ${f.value}` : ''}
          <button type="button" class="small" aria-label=${`Remove filter ${label(f.field)}`}
                  onClick=${() => removeFilter(i)}>×</button></li>`,
      )}
    </ul>`}
    <${ErrorNote} error=${result.error || actionError} />
    ${selected.size > 0 &&
    html`<div class="mass"><span>${selected.size} selected</span>
      <button type="button" class="danger" onClick=${massDelete}>Delete selected</button></div>`}
    ${result.loading && !data && html`<${Loading} what=${entity} />`}
    ${data && data.list.length === 0 &&
    html`<p class="empty">No ${entity} records${query.q || filters.length ? ' match' : ' yet'}.
      <a href=${href(`${entity}/create`)}>Create the first one</a>.</p>`}
    ${data && data.list.length > 0 &&
    html`<table class="records">
      <thead><tr>
        <th class="select"><span class="sr-only">Select</span></th>
        ${columns.map(
          (c) => html`<th aria-sort=${sort === c ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}>
            <button type="button" class="sort" onClick=${() => onSort(c)}>
              ${label(c)}${sort === c ? (order === 'asc' ? ' ▲' : ' ▼') : ''}</button></th>`,
        )}
      </tr></thead>
      <tbody>
        ${data.list.map(
          (r) => html`<tr key=${r.id}>
            <td class="select"><input type="checkbox" aria-label=${`Select ${r.name || r.id}`}
                checked=${selected.has(r.id)} onChange=${() => toggle(r.id)} /></td>
            ${columns.map(
              (c, i) => html`<td data-label=${label(c)}>${i === 0
                ? html`<a href=${href(`${entity}/${encodeURIComponent(r.id)}`)}>${r[c] || r.id}</a>`
                : html`<${Value} entity=${entity} field=${c} record=${r} />`}</td>`,
            )}
          </tr>`,
        )}
      </tbody>
    </table>`}
    <nav class="pager" aria-label="Pages">
      <span class="total">${total === null ? '' : `${total} total`}</span>
      <button type="button" disabled=${shownPage === 0}
              onClick=${() => setQuery({ page: shownPage - 1 || '' })}>Previous</button>
      <span>Page ${shownPage + 1}${pages === null ? '' : ` of ${pages}`}</span>
      <button type="button" disabled=${last} onClick=${() => setQuery({ page: shownPage + 1 })}>Next</button>
    </nav>
  </section>`;
}
