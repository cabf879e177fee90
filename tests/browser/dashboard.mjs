// The dashboard as a user sees it, in Debian's headless Chromium driven by
// playwright-core: add endpoints (the secret shown once), send an event,
// see the deliveries and their attempts, resend a failed one.
// Run by tests/test_serve.c: node dashboard.mjs BASE OK_URL FAIL_URL TOOL STORE
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';

const [base, okUrl, failUrl, tool, store] = process.argv.slice(2);
const chromiumPath = process.env.RH_CHROMIUM || '/usr/bin/chromium';

// one worker run: delivers what is due, no retries, then exits
function deliver() {
  execFileSync(tool, ['worker', '--until-idle', '--dev', '--quiet',
    '--schedule', '', '--store', store], { stdio: ['ignore', 'ignore', 'inherit'] });
}

const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update',
    '--disable-sync'],
});
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(15000);

  async function addEndpoint(url, events) {
    await page.goto(base + '/');
    await page.fill('#add input[name=url]', url);
    await page.fill('#add input[name=events]', events);
    await Promise.all([page.waitForURL(base + '/endpoints'), page.click('#add button')]);
    const secret = (await page.textContent('#secret')).trim();
    assert.match(secret, /^whsec_[A-Za-z0-9+/=]{40,}$/);
    // shown once: the endpoint list never shows it
    await page.goto(base + '/');
    assert.equal((await page.content()).includes(secret), false, 'secret shown again');
    const id = await page.locator('#endpoints tr', { hasText: url })
      .locator('a').first().textContent();
    return { id: id.trim(), secret };
  }

  const ok = await addEndpoint(okUrl, 'order.*');
  const bad = await addEndpoint(failUrl, 'order.paid');
  console.log(`secret=${ok.secret}`);
  const rows = await page.locator('#endpoints tbody tr').count();
  assert.equal(rows, 2);

  // one for a tenant, and the operator's view of that tenant alone
  await page.fill('#add input[name=url]', okUrl + '/acct7');
  await page.fill('#add input[name=events]', 'order.*');
  await page.fill('#add input[name=tenant]', 'acct_7');
  await Promise.all([page.waitForURL(base + '/endpoints'), page.click('#add button')]);
  await page.goto(base + '/?tenant=acct_7');
  assert.equal(await page.locator('#endpoints tbody tr').count(), 1);
  assert.ok((await page.textContent('#endpoints tbody')).includes('/acct7'));
  await page.goto(base + '/');
  assert.equal(await page.locator('#endpoints tbody tr').count(), 3);

  // send an event from the page; a worker delivers it
  await page.fill('#emit input[name=type]', 'order.paid');
  await page.fill('#emit input[name=data]', '{"order":42}');
  await Promise.all([page.waitForURL(base + '/'), page.click('#emit button')]);
  deliver();

  // the good endpoint: its history shows attempt 1, 200, success
  await page.click(`a:text("${ok.id}")`);
  await page.waitForURL(`${base}/endpoints/${ok.id}`);
  // columns: time, event type, delivery, attempt, status, success, ...
  const okCells = await page.locator('table.attempts tbody tr').first()
    .locator('td').allTextContents();
  assert.deepEqual([okCells[1], okCells[3], okCells[4], okCells[5]],
    ['order.paid', '1', '200', 'yes']);
  assert.match(await page.textContent('dd.health'), /^ok/);
  if (process.env.RH_SCREENSHOT)
    await page.screenshot({ path: process.env.RH_SCREENSHOT, fullPage: true });

  // the failing one: 500, failed for good; its delivery page shows the
  // response's start, and Resend queues it again
  await page.goto(`${base}/endpoints/${bad.id}`);
  const badRow = page.locator('table.attempts tbody tr').first();
  const badCells = await badRow.locator('td').allTextContents();
  assert.equal(badCells[4], '500');
  assert.equal(badCells[5], 'no');
  await badRow.locator('a').click();
  await page.waitForURL(/\/deliveries\//);
  assert.equal((await page.textContent('dd.state')).trim(), 'failed');
  assert.match(await page.textContent('table.attempts tbody tr code'), /\S/);
  await page.click('button:text("Resend")');
  await page.waitForSelector('dd.state:text-is("pending")');
  deliver();
  await page.reload();
  assert.equal((await page.textContent('dd.state')).trim(), 'failed');
  // a resend starts a fresh schedule: its attempt is number 1 again, and
  // the log keeps both
  const statuses = await page.locator('table.attempts tbody tr td:nth-child(5)')
    .allTextContents();
  assert.deepEqual(statuses, ['500', '500']);
  // the request it sent: the signature redacted, the body as sent
  await page.click('#request-1 summary');
  const sent = await page.textContent('#request-1 pre.request');
  assert.match(sent, /X-Replicer-Signature: <redacted>/);
  assert.match(sent, /"event":"/);

  // pause and resume from the endpoint page
  await page.goto(`${base}/endpoints/${ok.id}`);
  await page.click('button:text("Pause")');
  await page.waitForSelector('dd.state:text-is("paused")');
  await page.click('button:text("Resume")');
  await page.waitForSelector('dd.state:text-is("enabled")');
  console.log('browser: ok');
} finally {
  await browser.close();
}
