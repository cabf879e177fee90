// The dashboard as its operator sees it, in Debian's headless Chromium
// driven by playwright-core: the portal's pages signed in through the
// dashboard's door, every account's endpoints; add one for an account
// (the secret shown once), one account's view, an event from the host
// seen delivered with its attempt and request, a failed one resent, pause
// and resume.
// Run by tests/test_serve.c: node dashboard.mjs BASE OK_URL FAIL_URL TOOL STORE
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';

const [base, okUrl, failUrl, tool, store] = process.argv.slice(2);
const chromiumPath = process.env.RH_CHROMIUM || '/usr/bin/chromium';

// the host's side: an emit for an account, and one worker run (no retries)
function emit(tenant, data) {
  execFileSync(tool, ['emit', 'order.paid', data, '--tenant', tenant, '--store', store],
    { stdio: ['ignore', 'ignore', 'inherit'] });
}
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
  const rows = (sel) => page.locator(`${sel} tbody tr:not(.detail)`).count();

  // the door signs the operator in: no link, no token in the address bar
  await page.goto(base + '/');
  assert.equal(page.url(), base + '/');
  assert.match(await page.textContent('header .who'), /operator: every account/);

  async function add(url, name, account, events) {
    await page.goto(base + '/');
    await Promise.all([page.waitForURL(base + '/endpoints/new'), page.click('#add')]);
    await page.fill('#new input[name=url]', url);
    await page.fill('#new input[name=name]', name);
    await page.fill('#new input[name=account]', account);
    await page.fill('#new input[name=events_text]', events);
    await Promise.all([page.waitForURL(/\/secret$/), page.click('#new button[type=submit]')]);
    const secret = (await page.textContent('#secret')).trim();
    assert.match(secret, /^whsec_[A-Za-z0-9+/=]{40,}$/);
    await page.reload(); // shown once
    assert.equal(await page.locator('#secret').count(), 0);
    return secret;
  }
  const secret = await add(okUrl, 'Orders', 'acct_7', 'order.*');
  await add(failUrl, 'Billing', 'acct_8', 'order.paid');
  console.log(`secret=${secret}`);
  await page.goto(base + '/');
  assert.equal(await rows('#endpoints'), 2);
  // one account's view
  await page.click('#endpoints a:text-is("acct_7")');
  assert.equal(await rows('#endpoints'), 1);
  assert.equal((await page.content()).includes(failUrl), false);

  // an event from the host for each account; a worker delivers them
  emit('acct_7', '{"order":42}');
  emit('acct_8', '{"order":43}');
  deliver();
  await page.goto(base + '/');
  await page.click('#endpoints a:text-is("Orders")');
  assert.equal((await page.textContent('#deliveries .badge')).trim(), 'succeeded');
  if (process.env.RH_SCREENSHOT)
    await page.screenshot({ path: process.env.RH_SCREENSHOT, fullPage: true });
  await page.click('#deliveries a');
  assert.equal(await rows('#attempts'), 1);
  await page.click('#attempt-1 summary');
  assert.match(await page.textContent('#attempt-1 pre.headers'), /X-Replicer-Signature: <redacted>/);

  // the failing one, resent: a second attempt, both in the log
  await page.goto(base + '/');
  await page.click('#endpoints a:text-is("Billing")');
  const billingUrl = page.url();
  assert.equal((await page.textContent('#deliveries .badge')).trim(), 'failed');
  await page.click('#deliveries a');
  const deliveryUrl = page.url();
  await Promise.all([page.waitForURL(deliveryUrl), page.click('#resend button')]);
  deliver();
  await page.reload();
  assert.equal(await rows('#attempts'), 2);

  // pause and resume
  await page.goto(billingUrl);
  await page.click('#actions button:text-is("Pause")');
  assert.equal((await page.textContent('#state')).trim(), 'paused');
  await page.click('#actions button:text-is("Resume")');
  assert.equal((await page.textContent('#state')).trim(), 'enabled');
  console.log('browser: ok');
} finally {
  await browser.close();
}
