// How long the console's pages take to become usable against a large data set (the issue's "within
// 200 ms on loopback at 1M contacts"). Not part of `make test`: it needs a server on a copy of the
// 1M-contact data set (bench/datagen) and an admin who signs in with a password. Run by hand:
//
//   CRMD_URL=http://127.0.0.1:8099 CRMD_USER=perf CRMD_PASSWORD=... CHROMIUM=$(command -v chromium) \
//     NODE_PATH=build/tests/browser/npm/node_modules node tests/browser/perf_1m.js
//
// Each step is timed RUNS times on the page's own clock, from the user's action (the timeStamp of its
// click or input event) to the first animation frame in which its result is in the page; the median
// and the worst are printed. (Until December 2026 the steps were timed from the driver: Playwright's
// action until its waitFor returned, which adds the action's own checks and the waits' retry
// intervals, 20, 50 and 100 ms after a look that misses, to what the user sees.)
const { chromium } = require('playwright-core');

const base = process.env.CRMD_URL;
const user = process.env.CRMD_USER;
const password = process.env.CRMD_PASSWORD;
const runs = Number(process.env.RUNS || 5);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// Runs in the page (main installs it before the first page loads): whether every condition holds.
// A condition is { selector, text } (an element that matches and, with `text`, whose text contains
// it), { heading } (an h1 of exactly that text), { firstRowHrefNot } (the list's first link points
// elsewhere), { everyRowNameEndsWith } (the list has rows and each one's name ends with the text) or
// { panelsLoaded } (every panel of a record has its answer: a related list its count, the timeline
// its items or its note).
function conditionsHold(conditions) {
  return conditions.every((c) => {
    if (c.selector) {
      return [...document.querySelectorAll(c.selector)].some(
        (e) => c.text === undefined || e.textContent.includes(c.text));
    }
    if (c.heading) {
      return [...document.querySelectorAll('h1')].some((e) => e.textContent.trim() === c.heading);
    }
    if (c.firstRowHrefNot !== undefined) {
      const a = document.querySelector('table.records tbody tr a');
      return !!a && a.getAttribute('href') !== c.firstRowHrefNot;
    }
    if (c.everyRowNameEndsWith !== undefined) {
      const names = [...document.querySelectorAll('table.records tbody tr')]
        .map((row) => (row.querySelector('a') || row).textContent.trim());
      return names.length > 0 && names.every((n) => n.endsWith(c.everyRowNameEndsWith));
    }
    if (c.panelsLoaded) {
      const panels = [...document.querySelectorAll('section.panel')];
      return panels.length > 0 && panels.every((p) => {
        const count = p.querySelector('.count');
        return count ? count.textContent !== '' : !!p.querySelector('ol.timeline, p.muted, [role="alert"]');
      });
    }
    throw new Error(`unknown condition ${JSON.stringify(c)}`);
  });
}

// Times `action` until each milestone's conditions hold, on the page's clock: { name: ms } from the
// action's first `event` ('click', or 'input' for typing) to the first animation frame in which that
// milestone holds. The watch starts before the action, so no frame is missed.
async function timed(page, event, action, milestones) {
  await page.evaluate((type) => {
    window.perfStart = undefined;
    window.addEventListener(type, (e) => { window.perfStart = e.timeStamp; }, { capture: true, once: true });
  }, event);
  const seen = page.evaluate((all) => new Promise((resolve) => {
    const at = {};
    const frame = () => {
      for (const [name, conditions] of Object.entries(all)) {
        if (!(name in at) && window.perfStart !== undefined && window.conditionsHold(conditions)) {
          at[name] = performance.now() - window.perfStart;
        }
      }
      if (Object.keys(at).length === Object.keys(all).length) resolve(at);
      else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }), milestones);
  await action();
  return seen;
}

async function main() {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.addInitScript(`window.conditionsHold = ${conditionsHold};`);
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const results = {};
  const record = (step, times) => {
    for (const [milestone, ms] of Object.entries(times)) {
      const name = milestone === 'done' ? step : `${step}: ${milestone}`;
      (results[name] = results[name] || []).push(ms);
      if (process.env.VERBOSE) console.log(`${name}: ${ms.toFixed(0)} ms`);
    }
  };
  const rows = page.locator('table.records tbody tr');
  const firstHref = async () => rows.first().locator('a').first().getAttribute('href');

  for (let run = 0; run < runs; ++run) {
    await page.goto(`${base}/#/Contact`);
    await page.getByLabel('User name').fill(user);
    await page.getByLabel('Password').fill(password);
    record('sign in to the first Contact rows', await timed(page, 'click',
      () => page.getByRole('button', { name: 'Sign in' }).click(),
      { done: [{ selector: 'table.records tbody tr' }] }));
    await page.locator('.pager .total', { hasText: 'total' }).waitFor();

    record('next page', await timed(page, 'click',
      () => page.getByRole('button', { name: 'Next' }).click(),
      { done: [{ firstRowHrefNot: await firstHref() }] }));

    record('sort by name', await timed(page, 'click',
      () => page.getByRole('button', { name: /^Name/ }).click(),
      { done: [{ selector: 'th[aria-sort="ascending"]' }, { firstRowHrefNot: await firstHref() }] }));

    await page.goto(`${base}/#/Contact`);
    await rows.first().waitFor();
    // The last word of the first row's name is a last name that exists.
    const name = (await rows.first().locator('a').first().textContent()).trim().split(' ').pop();
    await page.getByText('Filters').click();
    await page.getByLabel('Field').selectOption('lastName');
    await page.getByLabel('Operator').selectOption('equals');
    await page.getByLabel('Value').fill(name);
    const filtered = { selector: 'button[aria-label="Remove filter Last name"]' };
    record('filter last name equals', await timed(page, 'click',
      () => page.getByRole('button', { name: 'Add filter' }).click(),
      {
        'its rows': [filtered, { everyRowNameEndsWith: name }],
        'its total': [filtered, { selector: '.pager .total', text: 'total' }],
      }));

    const link = rows.first().locator('a').first();
    const title = (await link.textContent()).trim();
    record('open a Contact', await timed(page, 'click', () => link.click(), { done: [{ heading: title }] }));

    const account = page.locator('[data-field="account"] dd a');
    if (await account.count()) {
      const accountName = (await account.textContent()).trim();
      record('open its Account', await timed(page, 'click', () => account.click(), {
        'first related item': [{ heading: accountName }, { selector: 'section.panel table tbody tr, section.panel li' }],
        'every panel loaded': [{ heading: accountName }, { panelsLoaded: true }],
      }));
    }

    await page.keyboard.press('Control+k');
    const dialog = page.getByRole('dialog', { name: 'Search everything' });
    // The search box waits 200 ms after the last key before asking: that pause is the console's
    // own choice, so it is counted.
    record('global search (incl. 200 ms typing pause)', await timed(page, 'input',
      () => dialog.getByLabel('Search all records').fill(name),
      { done: [{ selector: '[role="dialog"] section li a' }] }));
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  }
  for (const [step, values] of Object.entries(results)) {
    console.log(`${step.padEnd(50)} median ${median(values).toFixed(0).padStart(5)} ms  worst ${Math.max(...values).toFixed(0).padStart(5)} ms`);
  }
  if (errors.length) console.log('console errors:\n' + errors.join('\n'));
  await browser.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
