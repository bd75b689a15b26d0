// The console's shell: sign-in, the navigation derived from the metadata and the user's access
// table, the global search (Ctrl+K / Cmd+K), and the router that maps the address to a view.

import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, restoreSession, signIn, signOut } from './api.js';
import { hasEntity, loadMetadata, navEntities } from './meta.js';
import { ErrorNote, Loading, go, href, html, useRoute } from './ui.js';
import { ListView } from './views/list.js';
import { ConvertView, EditView, RecordView } from './views/record.js';
import { BoardView } from './views/board.js';
import { ApiUsersView, WebhookView, WebhooksView } from './views/admin.js';
import { RoleView, RolesView } from './views/roles.js';

function SignIn({ onSignedIn }) {
  const [userName, setUserName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(userName, password));
    } catch (err) {
      setError(err.status === 401 ? new Error('Wrong user name or password.') : err);
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="sign-in">
    <form onSubmit=${submit} aria-label="Sign in">
      <h1>crmd</h1>
      <label for="username">User name</label>
      <input id="username" autocomplete="username" required value=${userName}
             onInput=${(e) => setUserName(e.currentTarget.value)} />
      <label for="password">Password</label>
      <input id="password" type="password" autocomplete="current-password" required value=${password}
             onInput=${(e) => setPassword(e.currentTarget.value)} />
      <${ErrorNote} error=${error} />
      <button type="submit" class="primary" disabled=${busy}>Sign in</button>
    </form>
  </main>`;
}

// The search shows a few matches per entity and no counts: counting every Contact whose name
// contains the text took seconds at 1M contacts (docs/console.md, "Performance").
const kNoTotal = { 'X-No-Total': 'true' };

function GlobalSearch({ entities, onClose }) {
  const [text, setText] = useState('');
  const [groups, setGroups] = useState([]);
  const [pending, setPending] = useState(0); // entities of the current text still being asked
  const input = useRef(null);
  useEffect(() => input.current && input.current.focus(), []);
  useEffect(() => {
    setPending(text ? entities.length : 0);
    if (!text) return setGroups([]);
    let live = true;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      // Each entity's matches are shown as they come, in the navigation's order: one slow entity
      // (a text search over 100k Accounts) does not hold back the others' results.
      const found = {};
      const show = (entity, list) => {
        if (!live) return;
        found[entity] = list;
        setGroups(entities.filter((e) => found[e] && found[e].length).map((e) => ({ entity: e, list: found[e] })));
        setPending((n) => n - 1);
      };
      for (const e of entities) {
        const query = { textFilter: text, maxSize: 5, select: 'id,name' };
        api('GET', `/${e}`, { query, headers: kNoTotal, signal: controller.signal }).then(
          (r) => show(e, r.list),
          () => show(e, []),
        );
      }
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
      controller.abort(); // a newer text's answers need the connections
    };
  }, [text]);
  return html`<div class="overlay" onClick=${(e) => e.target === e.currentTarget && onClose()}>
    <div class="dialog" role="dialog" aria-modal="true" aria-label="Search everything"
         onKeyDown=${(e) => e.key === 'Escape' && onClose()}>
      <label for="global-search">Search all records</label>
      <input id="global-search" ref=${input} type="search" value=${text} onInput=${(e) => setText(e.currentTarget.value)} />
      ${groups.map(
        (g) => html`<section key=${g.entity}><h2>${g.entity}</h2><ul>
          ${g.list.map((r) => html`<li key=${r.id}><a href=${href(`${g.entity}/${encodeURIComponent(r.id)}`)}
              onClick=${onClose}>${r.name || r.id}</a></li>`)}</ul></section>`,
      )}
      ${text && pending > 0 && html`<p class="muted" role="status">Searching…</p>`}
      ${text && pending === 0 && groups.length === 0 && html`<p class="muted">Nothing found.</p>`}
    </div>
  </div>`;
}

function Page({ route, isAdmin }) {
  const [head, second, third] = route.parts;
  if (head === 'admin') {
    if (!isAdmin) return html`<p class="error" role="alert">Administration is for administrators.</p>`;
    if (second === 'api-users') return html`<${ApiUsersView} />`;
    if (second === 'webhooks' && third) return html`<${WebhookView} id=${third} />`;
    if (second === 'webhooks') return html`<${WebhooksView} />`;
    if (second === 'roles' && hasEntity('Role') && third) return html`<${RoleView} id=${third} />`;
    if (second === 'roles' && hasEntity('Role')) return html`<${RolesView} />`;
    return html`<p class="error" role="alert">No such page.</p>`;
  }
  if (!hasEntity(head)) return html`<p class="error" role="alert">No such page.</p>`;
  if (head === 'Opportunity' && second === 'board') return html`<${BoardView} />`;
  if (second === 'create') return html`<${EditView} key=${`${head}-new`} entity=${head} />`;
  if (second && route.parts[2] === 'edit') return html`<${EditView} key=${`${head}-${second}`} entity=${head} id=${second} />`;
  if (head === 'Lead' && second && route.parts[2] === 'convert') return html`<${ConvertView} id=${second} />`;
  if (second) return html`<${RecordView} key=${`${head}-${second}`} entity=${head} id=${second} />`;
  return html`<${ListView} key=${head} entity=${head} query=${route.query} />`;
}

function Shell({ app, onSignOut }) {
  const route = useRoute();
  const [searching, setSearching] = useState(false);
  const [menu, setMenu] = useState(false);
  const entities = navEntities(app.acl);
  const isAdmin = app.user.type === 'admin';
  useEffect(() => {
    const keys = (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setSearching(true);
      } else if (e.key === '/' && !/INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName)) {
        const box = document.getElementById('list-search');
        if (box) {
          e.preventDefault();
          box.focus();
        }
      }
    };
    window.addEventListener('keydown', keys);
    return () => window.removeEventListener('keydown', keys);
  }, []);
  useEffect(() => {
    if (route.parts.length === 0) go(entities[0] || 'Contact');
    setMenu(false);
  }, [route.parts.join('/')]);
  const current = route.parts[0] === 'admin' ? `admin/${route.parts[1]}` : route.parts[0];
  const item = (path, text) =>
    html`<li><a href=${href(path)} aria-current=${current === path ? 'page' : undefined}>${text}</a></li>`;
  return html`<div class="shell">
    <header class="topbar">
      <button type="button" class="menu-button" aria-expanded=${menu} aria-controls="nav"
              onClick=${() => setMenu(!menu)}>Menu</button>
      <a class="brand" href="#/">crmd</a>
      <button type="button" class="search-button" onClick=${() => setSearching(true)}>Search… <kbd>Ctrl K</kbd></button>
      <span class="user" data-user-type=${app.user.type}>${app.user.name || app.user.userName}</span>
      <button type="button" onClick=${onSignOut}>Sign out</button>
    </header>
    <nav id="nav" class=${menu ? 'open' : ''} aria-label="Main">
      <ul>${entities.map((e) => item(e, e))}</ul>
      ${isAdmin &&
      html`<h2 id="admin-nav">Administration</h2>
        <ul aria-labelledby="admin-nav">${item('User', 'Users')}${item('admin/api-users', 'API users')}
          ${hasEntity('Role') && item('admin/roles', 'Roles')}${item('Team', 'Teams')}
          ${item('admin/webhooks', 'Webhooks')}</ul>`}
      <ul><li><a href="/api-docs/">API reference</a></li></ul>
    </nav>
    <main id="content">${route.parts.length > 0 && html`<${Page} route=${route} isAdmin=${isAdmin} />`}</main>
    ${searching && html`<${GlobalSearch} entities=${entities} onClose=${() => setSearching(false)} />`}
  </div>`;
}

function App() {
  const [app, setApp] = useState(null);
  const [state, setState] = useState(restoreSession() ? 'restoring' : 'signed-out');
  const [error, setError] = useState(null);
  const start = async (appUser) => {
    try {
      await loadMetadata();
      setApp(appUser);
      setState('ready');
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    const out = () => {
      setApp(null);
      setState('signed-out');
    };
    window.addEventListener('crmd-signed-out', out);
    if (state === 'restoring') api('GET', '/App/user').then(start, out);
    return () => window.removeEventListener('crmd-signed-out', out);
  }, []);
  if (error) return html`<${ErrorNote} error=${error} />`;
  if (state === 'signed-out') return html`<${SignIn} onSignedIn=${start} />`;
  if (state !== 'ready') return html`<${Loading} what="the console" />`;
  return html`<${Shell} app=${app} onSignOut=${async () => {
    await signOut();
    setApp(null);
    setState('signed-out');
  }} />`;
}

render(html`<${App} />`, document.getElementById('app'));
