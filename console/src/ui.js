// Shared pieces of the views: the htm binding, the router, value rendering and small widgets.
// Every record value reaches the page as a text node or an attribute (Preact escapes both): the
// console never assigns HTML.

import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { api } from './api.js';
import { defsOf, linkTarget } from './meta.js';

export const html = htm.bind(h);

// The address: "#/Contact/ID/edit?q=x" -> {parts: ['Contact', 'ID', 'edit'], query: {q: 'x'}}.
export function parseRoute() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, search] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { parts, query: Object.fromEntries(new URLSearchParams(search || '')) };
}

export function href(path, query) {
  const q = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== '' && v != null)) : null;
  const qs = q && q.toString();
  return '#/' + path + (qs ? '?' + qs : '');
}

export function go(path, query) {
  location.hash = href(path, query).slice(1);
}

export function useRoute() {
  const [route, setRoute] = useState(parseRoute());
  useEffect(() => {
    const update = () => setRoute(parseRoute());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

// Loads `load(signal)` whenever `deps` change: {data, error, loading, reload}. A load that is no
// longer wanted (the view went away, or `deps` changed) is aborted through `signal`: the browser
// opens at most six connections to the server, and a page left before its panels came in would
// otherwise hold them while the next page's requests wait.
export function useLoad(load, deps) {
  const [state, setState] = useState({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    load(controller.signal).then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
      controller.abort();
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export function ErrorNote({ error }) {
  if (!error) return null;
  return html`<p class="error" role="alert">${error.message || String(error)}</p>`;
}

export function Loading({ what }) {
  return html`<p class="muted" aria-live="polite">Loading ${what}…</p>`;
}

// A field's value as text (a link as a link to the record it names).
export function Value({ entity, field, record }) {
  const def = defsOf(entity).fields[field] || {};
  switch (def.type) {
    case 'link': {
      const id = record[field + 'Id'];
      if (!id) return html`<span class="muted">—</span>`;
      const target = linkTarget(entity, field);
      return html`<a href=${href(`${target}/${encodeURIComponent(id)}`)}>${record[field + 'Name'] || id}</a>`;
    }
    case 'linkParent': {
      const id = record[field + 'Id'];
      if (!id) return html`<span class="muted">—</span>`;
      const type = record[field + 'Type'];
      return html`<a href=${href(`${type}/${encodeURIComponent(id)}`)}>${record[field + 'Name'] || id}</a>`;
    }
    case 'address': {
      const parts = ['Street', 'City', 'State', 'PostalCode', 'Country']
        .map((p) => record[field + p])
        .filter(Boolean);
      return parts.length ? parts.join(', ') : html`<span class="muted">—</span>`;
    }
    case 'bool':
      return record[field] ? 'Yes' : 'No';
    case 'currency': {
      const v = record[field];
      if (v === null || v === undefined) return html`<span class="muted">—</span>`;
      return `${Number(v).toLocaleString()} ${record[field + 'Currency'] || ''}`.trim();
    }
    case 'linkMultiple': {
      const names = record[field + 'Names'] || {};
      const list = Object.values(names);
      return list.length ? list.join(', ') : html`<span class="muted">—</span>`;
    }
    default: {
      const v = record[field];
      if (v === null || v === undefined || v === '') return html`<span class="muted">—</span>`;
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
  }
}

// A search box over one entity that calls onPick({id, name}) with the record chosen.
export function RecordPicker({ entity, onPick, label: title }) {
  const [text, setText] = useState('');
  const [found, setFound] = useState([]);
  const [error, setError] = useState(null);
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      api('GET', `/${entity}`, { query: { textFilter: text, maxSize: 8, select: 'id,name' } }).then(
        (r) => live && setFound(r.list),
        (e) => live && setError(e),
      );
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [entity, text]);
  return html`<div class="picker">
    <label>${title || `Find ${entity}`}
      <input type="search" value=${text} onInput=${(e) => setText(e.currentTarget.value)} autofocus />
    </label>
    <${ErrorNote} error=${error} />
    <ul class="picker-results">
      ${found.map(
        (r) => html`<li key=${r.id}><button type="button" onClick=${() => onPick(r)}>${r.name || r.id}</button></li>`,
      )}
    </ul>
  </div>`;
}

export function CopyButton({ text, label: title }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(text);
    setDone(true);
  };
  return html`<button type="button" class="small" onClick=${copy}>${done ? 'Copied' : title || 'Copy'}</button>`;
}
