// The console in a real browser: playwright-core drives Debian's chromium (headless) against a
// running crmd (CRMD_URL, started by console_browser_test.cpp) through the scenarios, as an
// admin and as a regular user. Screenshots of the main pages go to SCREENSHOT_DIR (docs/screenshots).
// Every step waits on what the page shows, never on time.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { after, before, test } = require('node:test');
const { chromium } = require('playwright-core');

const base = process.env.CRMD_URL;
const adminPassword = process.env.CRMD_ADMIN_PASSWORD;
const repUser = process.env.CRMD_REP_USER;
const repPassword = process.env.CRMD_REP_PASSWORD;
const shots = process.env.SCREENSHOT_DIR;

let browser;
let page;
const consoleErrors = [];
// Requests the server is expected to refuse (a bad email, a duplicate); Chromium logs each one.
let expectedRefusals = 0;

function adminApi(method, apiPath, body) {
  return fetch(`${base}/api/v1${apiPath}`, {
    method,
    headers: {
      Authorization: 'Basic ' + Buffer.from(`admin:${adminPassword}`).toString('base64'),
      'Content-Type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (r) => {
    const text = await r.text();
    assert.ok(r.ok, `${method} ${apiPath}: ${r.status} ${text}`);
    return JSON.parse(text);
  });
}

async function screenshot(name) {
  if (!shots) return;
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

async function signIn(user, password) {
  await page.goto(base + '/');
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('dialog', (d) => (d.type() === 'confirm' ? d.accept() : consoleErrors.push(`dialog: ${d.message()}`)));
});

after(async () => {
  if (browser) await browser.close();
});

test('an admin signs in; the token is in sessionStorage, never in the address', async () => {
  await signIn('admin', adminPassword);
  await page.getByRole('heading', { name: 'Account' }).waitFor();
  assert.ok(!page.url().includes('token'));
  const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem('crmd.session')));
  assert.equal(stored.userName, 'admin');
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  // A reload keeps the session and the view.
  await page.goto(base + '/#/Contact');
  await page.reload();
  await page.getByRole('heading', { name: 'Contact', exact: true }).waitFor();
});

let contactUrl;
test('creates a Contact and finds it by a filter', async () => {
  await page.goto(base + '/#/Contact/create');
  await page.getByLabel('First name').fill('Ada');
  await page.getByLabel('Last name *').fill('Lovelace');
  await page.getByLabel('Email address').fill('ada@example.com');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();
  contactUrl = page.url();

  await adminApi('POST', '/Contact', { firstName: 'Grace', lastName: 'Hopper' });
  await page.goto(base + '/#/Contact');
  await page.getByText('Filters').click();
  await page.getByLabel('Field').selectOption('lastName');
  await page.getByLabel('Operator').selectOption('equals');
  await page.getByLabel('Value').fill('Lovelace');
  await page.getByRole('button', { name: 'Add filter' }).click();
  await page.getByText('1 total').waitFor();
  assert.equal(await page.locator('table.records tbody tr').count(), 1);
  await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
  assert.ok(page.url().includes('f='), 'the filter is in the address');
  await page.getByRole('button', { name: 'Remove filter Last name' }).click();
  await page.getByText('2 total').waitFor();
  await screenshot('list');
});

test('creating a duplicate names the existing record and saves only when asked', async () => {
  await page.goto(base + '/#/Contact/create');
  await page.getByLabel('First name').fill('Grace');
  await page.getByLabel('Last name *').fill('Hopper');
  expectedRefusals += 1;
  await page.getByRole('button', { name: 'Save' }).click();
  const note = page.locator('.duplicates');
  await note.getByRole('link', { name: 'Grace Hopper' }).waitFor();
  await note.getByRole('button', { name: 'Save anyway' }).click();
  await page.getByRole('heading', { name: 'Grace Hopper' }).waitFor();
  const found = await adminApi('GET', '/Contact?textFilter=Hopper');
  assert.equal(found.total, 2);
});

test('an edit with a bad email shows the server validation message beside the field', async () => {
  await page.goto(contactUrl + '/edit');
  await page.getByLabel('Email address').fill('not-an-email');
  expectedRefusals += 1;
  await page.getByRole('button', { name: 'Save' }).click();
  const note = page.locator('[data-field="emailAddress"] .field-error');
  await note.waitFor();
  assert.match(await note.textContent(), /field: emailAddress/);
});

test('links the Contact to an Account and sees it in the Account related list', async () => {
  const account = await adminApi('POST', '/Account', { name: 'Analytical Engines Ltd' });
  await page.goto(contactUrl);
  const panel = page.locator('section[data-link="accounts"]');
  await panel.getByRole('button', { name: 'Link Account' }).click();
  await panel.getByLabel('Find Account to link').fill('Analytical');
  await panel.getByRole('button', { name: 'Analytical Engines Ltd' }).click();
  await panel.getByRole('link', { name: 'Analytical Engines Ltd' }).waitFor();

  await page.goto(`${base}/#/Account/${account.id}`);
  const contacts = page.locator('section[data-link="contacts"]');
  await contacts.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
  await screenshot('record');
});

test('the edit form chooses a link by searching its entity', async () => {
  const account = await adminApi('POST', '/Account', { name: 'Jacquard Looms' });
  await page.goto(contactUrl + '/edit');
  const field = page.locator('.form-field[data-field="account"]');
  await field.getByRole('button', { name: 'Choose' }).click();
  await field.getByLabel('Find Account').fill('Jacquard');
  await field.getByRole('button', { name: 'Jacquard Looms' }).click();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('[data-field="account"] dd').getByRole('link', { name: 'Jacquard Looms' }).waitFor();
  const contactId = contactUrl.split('/').pop();
  assert.equal((await adminApi('GET', `/Contact/${contactId}`)).accountId, account.id);
});

test('converts a Lead', async () => {
  const lead = await adminApi('POST', '/Lead', { firstName: 'Leo', lastName: 'Lead', accountName: 'Lead Co' });
  await page.goto(`${base}/#/Lead/${lead.id}`);
  await page.getByRole('link', { name: 'Convert' }).click();
  await page.locator('#convert-Account-name').fill('Lead Co');
  await page.getByRole('button', { name: 'Convert' }).click();
  await page.locator('[data-field="status"] dd', { hasText: 'Converted' }).waitFor();
  const stored = await adminApi('GET', `/Lead/${lead.id}`);
  assert.equal(stored.status, 'Converted');
  assert.ok(stored.createdAccountId && stored.createdContactId);
});

test('an admin creates an API user, and the key shown once works', async () => {
  await page.goto(base + '/#/admin/api-users');
  await page.getByLabel('User name').fill('integration');
  await page.getByRole('button', { name: 'Create API user' }).click();
  const key = (await page.locator('code.api-key').textContent()).trim();
  assert.match(key, /^[0-9a-f]{16,}$/);
  await page.getByRole('button', { name: 'Copy', exact: true }).first().click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key);
  await screenshot('api-users');
  const r = await fetch(`${base}/api/v1/Contact?maxSize=1`, { headers: { 'X-Api-Key': key } });
  assert.equal(r.status, 200);
  await page.getByRole('button', { name: 'Done' }).click();

  // Its budgets, read without spending them: the request above is the only one counted.
  await page.getByRole('button', { name: 'Rate limit of integration' }).click();
  const budgets = page.locator('section[aria-label="Rate limit of integration"]');
  const remaining = budgets.locator('tr[data-policy="default"] .remaining');
  await remaining.waitFor();
  assert.equal(await remaining.textContent(), r.headers.get('X-RateLimit-Remaining'));
  await budgets.getByRole('button', { name: 'Refresh' }).click();
  await budgets.getByRole('button', { name: 'Refresh' }).click();
  await remaining.waitFor();
  assert.equal(await remaining.textContent(), r.headers.get('X-RateLimit-Remaining'));
  await fetch(`${base}/api/v1/Contact?maxSize=1`, { headers: { 'X-Api-Key': key } });
  await budgets.getByRole('button', { name: 'Refresh' }).click();
  await budgets.locator('tr[data-policy="default"] .remaining', {
    hasText: String(Number(r.headers.get('X-RateLimit-Remaining')) - 1),
  }).waitFor();
  await budgets.getByRole('button', { name: 'Close' }).click();

  // Rotate: the new key is shown once and works; the old one is refused at once.
  await page.getByRole('button', { name: 'Rotate key of integration' }).click();
  const rotated = page.locator('code.api-key', { hasNotText: key });
  await rotated.waitFor();
  const newKey = (await rotated.textContent()).trim();
  assert.match(newKey, /^[0-9a-f]{16,}$/);
  await page.getByRole('button', { name: 'Copy', exact: true }).first().click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), newKey);
  const old = await fetch(`${base}/api/v1/Contact?maxSize=1`, { headers: { 'X-Api-Key': key } });
  assert.equal(old.status, 401);
  const renewed = await fetch(`${base}/api/v1/Contact?maxSize=1`, { headers: { 'X-Api-Key': newKey } });
  assert.equal(renewed.status, 200);
  await page.getByRole('button', { name: 'Done' }).click();
});

test('a webhook to a local receiver: trigger it and see the delivery in the log', async () => {
  let delivered;
  const received = new Promise((resolve) => (delivered = resolve));
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.end('ok');
      if (body.includes('Charles')) delivered(JSON.parse(body));
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  try {
    await page.goto(base + '/#/admin/webhooks');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByLabel('Entity').selectOption('Contact');
    await page.getByLabel('Change').selectOption('create');
    await page.getByLabel('URL *').fill(`http://127.0.0.1:${receiver.address().port}/hook`);
    await page.getByRole('button', { name: 'Add header' }).click();
    await page.getByLabel('Name', { exact: true }).fill('X-Team');
    await page.getByLabel('Value', { exact: true }).fill('sales');
    await page.locator('form[aria-label="Create webhook"]').getByRole('button', { name: 'Create webhook' }).click();
    await page.getByRole('heading', { name: 'Contact.create' }).waitFor();

    await adminApi('POST', '/Contact', { firstName: 'Charles', lastName: 'Babbage' });
    const event = await received;
    assert.equal(event.event, 'Contact.create');
    // The worker records the answer after the receiver sent it; refresh until the log shows it.
    const row = page.locator('tr[data-status="delivered"]');
    while ((await row.count()) === 0) {
      await page.getByRole('button', { name: 'Refresh log' }).click();
      await page.locator('section[aria-label="Delivery log"] .count').waitFor();
    }
    assert.match(await row.first().textContent(), /Contact\.create.*200/);
    await page.getByRole('button', { name: 'Redeliver' }).first().click();
    await page.getByText('Queued 1 delivery(ies) again.').waitFor();
    await screenshot('webhook');
  } finally {
    receiver.close();
  }
});

test('an admin gives a role rights per entity and action', async () => {
  await page.goto(base + '/#/admin/roles');
  await page.getByLabel('Role name').fill('Sales rep');
  await page.getByRole('button', { name: 'Create role' }).click();
  await page.getByRole('heading', { name: 'Sales rep' }).waitFor();
  await page.getByLabel('Contact read').selectOption('own');
  await page.getByLabel('Contact edit').selectOption('own');
  await page.getByLabel('Case: no access').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Saved.').waitFor();
  await screenshot('role');
  const roles = await adminApi('GET', '/Role?textFilter=Sales');
  assert.equal(roles.total, 1);
  const role = await adminApi('GET', `/Role/${roles.list[0].id}`);
  assert.deepEqual(role.data, { Contact: { read: 'own', edit: 'own' }, Case: false });
  // A reload shows what was stored.
  await page.reload();
  assert.equal(await page.getByLabel('Contact read').inputValue(), 'own');
  assert.ok(await page.getByLabel('Case: no access').isChecked());
});

test('dragging an Opportunity to another stage stores the stage', async () => {
  const deal = await adminApi('POST', '/Opportunity', {
    name: 'Difference Engine', amount: 5000, closeDate: '2027-03-01', stage: 'Prospecting',
  });
  await page.goto(base + '/#/Opportunity/board');
  const card = page.locator(`.card[data-id="${deal.id}"]`);
  const target = page.locator('.column[data-stage="Negotiation"]');
  await card.dragTo(target);
  await target.locator(`.card[data-id="${deal.id}"]`).waitFor();
  assert.equal((await adminApi('GET', `/Opportunity/${deal.id}`)).stage, 'Negotiation');
  await screenshot('board');
});

test('the global search finds records of several entities, from the keyboard', async () => {
  await adminApi('POST', '/Account', { name: 'Zebulon Works' });
  await adminApi('POST', '/Contact', { firstName: 'Zebulon', lastName: 'Pike' });
  await page.goto(base + '/#/Contact');
  await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
  await page.keyboard.press('Control+k');
  const dialog = page.getByRole('dialog', { name: 'Search everything' });
  await dialog.getByLabel('Search all records').fill('Zebulon');
  await dialog.getByRole('heading', { name: 'Account' }).waitFor();
  await dialog.getByRole('heading', { name: 'Contact' }).waitFor();
  await dialog.getByRole('link', { name: 'Zebulon Works' }).waitFor();
  await dialog.getByRole('link', { name: 'Zebulon Pike' }).click();
  await page.getByRole('heading', { name: 'Zebulon Pike' }).waitFor();
  assert.equal(await dialog.count(), 0, 'choosing a result closes the search');
});

test('records selected on a list are deleted together', async () => {
  const a = await adminApi('POST', '/Contact', { firstName: 'First', lastName: 'Massgone' });
  const b = await adminApi('POST', '/Contact', { firstName: 'Second', lastName: 'Massgone' });
  await page.goto(base + '/#/Contact?q=Massgone');
  await page.getByText('2 total').waitFor();
  await page.getByLabel('Select First Massgone').check();
  await page.getByLabel('Select Second Massgone').check();
  await page.getByText('2 selected').waitFor();
  await page.getByRole('button', { name: 'Delete selected' }).click();
  await page.getByText('No Contact records match').waitFor();
  const left = await adminApi('GET', `/Contact?select=id&where[0][type]=in&where[0][attribute]=id&where[0][value][]=${a.id}&where[0][value][]=${b.id}`);
  assert.equal(left.total, 0);
});

test('a list counts its matches once a search: paging and sorting ask for rows only', async () => {
  const made = await Promise.all(Array.from({ length: 25 }, (_, i) =>
    adminApi('POST', '/Contact', { firstName: `Row${String(i).padStart(2, '0')}`, lastName: 'Pagecount' })));
  const asked = [];
  const listen = (request) => {
    const url = new URL(request.url());
    if (url.pathname === '/api/v1/Contact') asked.push({ params: url.searchParams, headers: request.headers() });
  };
  page.on('request', listen);
  try {
    await page.goto(base + '/#/Contact?q=Pagecount');
    await page.getByText('25 total').waitFor();
    await page.getByText('Page 1 of 2').waitFor();
    const counts = () => asked.filter((r) => r.params.get('maxSize') === '0');
    assert.equal(counts().length, 1, 'one count for the search');
    assert.ok(asked.filter((r) => r.params.get('maxSize') === '20').every((r) => r.headers['x-no-total'] === 'true'),
      'the rows are asked without their total');

    // The second page's rows are held back: until they come, the pager names the page on screen.
    let release;
    const released = new Promise((resolve) => { release = resolve; });
    let asked2;
    const askedForPage2 = new Promise((resolve) => { asked2 = resolve; });
    const secondPage = (url) => url.pathname === '/api/v1/Contact' && url.searchParams.get('offset') === '20';
    await page.route(secondPage, async (route) => {
      asked2();
      await released;
      await route.continue();
    });
    await page.getByRole('button', { name: 'Next' }).click();
    await askedForPage2;
    try {
      assert.equal(await page.locator('.pager').getByText(/^Page \d/).textContent(), 'Page 1 of 2');
      assert.equal(await page.locator('table.records tbody tr').count(), 20);
    } finally {
      // A failed check must not leave the page's request (and every later test's) held.
      release();
    }
    await page.getByText('Page 2 of 2').waitFor();
    assert.equal(await page.locator('table.records tbody tr').count(), 5);
    await page.unroute(secondPage);
    await page.getByRole('button', { name: /^Name/ }).click();
    await page.locator('th[aria-sort="ascending"]').waitFor();
    await page.getByRole('link', { name: 'Row00 Pagecount' }).waitFor();
    assert.equal(counts().length, 1, 'paging and sorting did not count again');
    await page.getByText('25 total').waitFor();

    await page.getByLabel('Search Contact').fill('Row00');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('1 total').waitFor();
    assert.equal(counts().length, 2, 'a new search is counted');
  } finally {
    page.off('request', listen);
    // The later tests expect their own records on the list's first page.
    await Promise.all(made.map((c) => adminApi('DELETE', `/Contact/${c.id}`)));
  }
});

test("a Contact's timeline shows its calls and meetings", async () => {
  const contact = await adminApi('POST', '/Contact', { firstName: 'Timeline', lastName: 'Person' });
  await adminApi('POST', '/Call', {
    name: 'Intro call', status: 'Held', dateStart: '2026-01-10 09:00:00', dateEnd: '2026-01-10 09:30:00',
    parentType: 'Contact', parentId: contact.id,
  });
  await adminApi('POST', '/Meeting', {
    name: 'Follow-up meeting', status: 'Planned', dateStart: '2027-02-01 10:00:00', dateEnd: '2027-02-01 11:00:00',
    parentType: 'Contact', parentId: contact.id,
  });
  await page.goto(`${base}/#/Contact/${contact.id}`);
  const timeline = page.locator('section[aria-label="Activities"]');
  const items = timeline.locator('.timeline li');
  await items.nth(1).waitFor();
  // Newest first: the planned meeting, then the held call, each with its entity and status.
  assert.match(await items.nth(0).textContent(), /Meeting.*Follow-up meeting.*Planned/);
  assert.match(await items.nth(1).textContent(), /Call.*Intro call.*Held/);
  await timeline.getByRole('link', { name: 'Intro call' }).click();
  await page.getByRole('heading', { name: 'Intro call' }).waitFor();
});

test('record values that look like HTML show as text', async () => {
  // Names refuse '<' and '>' ($noBadCharacters), so the markup goes where the API accepts it.
  const markup = '<img src=x onerror=alert(1)>';
  const contact = await adminApi('POST', '/Contact', { lastName: 'Markup', title: markup, description: markup });
  await page.goto(`${base}/#/Contact/${contact.id}`);
  const title = page.locator('[data-field="title"] dd');
  await title.waitFor();
  assert.equal(await title.textContent(), markup);
  assert.equal(await page.locator('[data-field="description"] dd').textContent(), markup);
  await page.goto(`${base}/#/Contact?q=Markup`);
  await page.getByRole('cell', { name: markup }).waitFor();
  assert.equal(await page.locator('main img').count(), 0);
  // Back returns to the record, with its values still text.
  await page.goBack();
  await page.locator('[data-field="title"] dd', { hasText: markup }).waitFor();
});

test('the list is readable at 390 pixels', async () => {
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(base + '/#/Contact?q=Markup');
  await page.getByText('1 total').waitFor();
  await page.goto(base + '/#/Contact');
  await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
  assert.equal(await page.getByLabel('Search Contact').inputValue(), '', 'the box follows the address');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `page is ${width} px wide`);
  await screenshot('list-390');
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('a regular user sees no administration', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('crmd.session')), null);
  await signIn(repUser, repPassword);
  await page.getByRole('link', { name: 'Contact' }).waitFor();
  assert.equal(await page.getByText('Administration').count(), 0);
  assert.equal(await page.getByRole('link', { name: 'API users' }).count(), 0);
  await page.goto(base + '/#/admin/api-users');
  await page.getByText('Administration is for administrators.').waitFor();
});

test('no console errors', () => {
  const unexpected = consoleErrors.filter((m) => !/status of (400|409)/.test(m));
  assert.deepEqual(unexpected, []);
  assert.ok(consoleErrors.length <= expectedRefusals, consoleErrors.join('\n'));
});
