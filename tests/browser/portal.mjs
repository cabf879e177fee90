// The customer portal as two account holders see it, in Debian's headless
// Chromium driven by playwright-core: the seed's whole flow (add with
// events from the catalog, the secret shown once, an event from the host
// seen delivered with its attempt, a failed one resent and recovered, a
// test event, pause, edit, delete behind a confirmation), one tenant blind to the other's,
// an expired link sent to the host's refresh URL, a tampered one refused.
// Screenshots of each page go to SHOTS.
// Run by tests/test_cli_portal.c:
//   node portal.mjs BASE LINK_A LINK_B EXPIRED REFRESH OK_URL FAIL_URL TOOL STORE SHOTS
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';

const [base, linkA, linkB, expired, refresh, okUrl, failUrl, tool, store, shots] =
  process.argv.slice(2);
const chromiumPath = process.env.RH_CHROMIUM || '/usr/bin/chromium';

// the host's side: emit for acct_a, and one worker run (no retries)
function emit(type, data) {
  execFileSync(tool, ['emit', type, data, '--tenant', 'acct_a', '--store', store],
    { stdio: ['ignore', 'ignore', 'inherit'] });
}
function deliver() {
  execFileSync(tool, ['worker', '--until-idle', '--dev', '--quiet', '--schedule', '',
    '--store', store], { stdio: ['ignore', 'ignore', 'inherit'] });
}

const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const a = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  const page = await a.newPage();
  page.setDefaultTimeout(15000);
  const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  // a table's rows, not the rows that open an attempt's request
  const rows = (sel) => page.locator(`${sel} tbody tr:not(.detail)`).count();

  // the link becomes a session: the token leaves the address bar
  await page.goto(linkA);
  assert.equal(page.url(), base + '/');
  assert.equal(await rows('#endpoints'), 0);
  assert.equal(await page.locator('#empty').count(), 1);
  await shot('01-endpoints-empty');

  async function add(url, name, shoot) {
    await page.goto(base + '/');
    await Promise.all([page.waitForURL(base + '/endpoints/new'), page.click('#add')]);
    await page.fill('#new input[name=url]', url);
    await page.fill('#new input[name=name]', name);
    await page.check('#new input[value="order.paid"]');
    if (shoot) await shot('02-add-endpoint');
    await Promise.all([page.waitForURL(/\/secret$/), page.click('#new button[type=submit]')]);
    const secret = (await page.textContent('#secret')).trim();
    assert.match(secret, /^whsec_[A-Za-z0-9+/=]{40,}$/);
    if (shoot) await shot('03-secret-once');
    // shown once: the reload shows nothing and adds nothing
    await page.reload();
    assert.equal(await page.locator('#secret').count(), 0);
    assert.equal(await page.locator('#gone').count(), 1);
    return secret;
  }
  const secret = await add(okUrl, 'Orders', true);
  await add(failUrl, 'Billing', false);
  await page.goto(base + '/');
  assert.equal(await rows('#endpoints'), 2);

  // an event from the host, delivered; its delivery and attempt on the pages
  emit('order.paid', '{"order":"o_1"}');
  deliver();
  await page.click('#endpoints a:text-is("Orders")');
  assert.equal(await rows('#deliveries'), 1);
  assert.equal((await page.textContent('#deliveries .badge')).trim(), 'succeeded');
  // times in the browser's zone: the page's script rewrote the UTC text
  const t = page.locator('#deliveries time').first();
  assert.notEqual(await t.textContent(), await t.getAttribute('datetime'));
  await shot('05-endpoint');
  await page.click('#deliveries a');
  assert.equal(await rows('#attempts'), 1);
  assert.match(await page.textContent('#attempts tbody td:nth-child(3)'), /^\s*20[04]\s*$/);
  assert.equal((await page.textContent('#attempts tbody td:nth-child(4)')).trim(), 'ok');
  // the attempt opens on the request it sent: secrets redacted, the payload
  assert.equal(await page.isVisible('#attempt-1 pre.payload'), false);
  await page.click('#attempt-1 summary');
  assert.match(await page.textContent('#attempt-1 pre.headers'), /X-Replicer-Signature: <redacted>/);
  assert.match(await page.textContent('#attempt-1 pre.payload'), /"data": \{/);
  await shot('06-delivery');

  // the failed one, resent: a second attempt
  await page.goto(base + '/');
  await page.click('#endpoints a:text-is("Billing")');
  assert.equal((await page.textContent('#deliveries .badge')).trim(), 'failed');
  await page.click('#deliveries a');
  const deliveryUrl = page.url();
  await Promise.all([page.waitForURL(deliveryUrl), page.click('#resend button')]);
  deliver();
  await page.reload();
  assert.equal(await rows('#attempts'), 2);

  // a test event from the catalog's example, then pause and resume
  await page.goto(base + '/');
  await page.click('#endpoints a:text-is("Orders")');
  const ordersUrl = page.url();
  await page.selectOption('#test select', 'order.paid');
  await Promise.all([page.waitForURL(ordersUrl), page.click('#test button')]);
  deliver();
  await page.reload();
  assert.equal(await rows('#deliveries'), 2);
  assert.equal(await page.locator('#deliveries .tag:text-is("test")').count(), 1);
  await page.click('#actions button:text-is("Pause")');
  assert.equal((await page.textContent('#state')).trim(), 'paused');
  await page.click('#actions button:text-is("Resume")');
  assert.equal((await page.textContent('#state')).trim(), 'enabled');

  // the failing one recovered in bulk: a third attempt
  await page.goto(base + '/');
  await page.click('#endpoints a:text-is("Billing")');
  const billingUrl = page.url();
  await Promise.all([page.waitForURL(billingUrl), page.click('#recover button')]);
  deliver();
  await page.click('#deliveries a');
  assert.equal(await rows('#attempts'), 3);

  // edit: renamed, and the list says so with each one's last 24 hours
  await page.goto(ordersUrl);
  await page.click('#actions a:text-is("Edit")');
  assert.equal(await page.inputValue('#new input[name=url]'), okUrl);
  await page.fill('#new input[name=name]', 'Orders (EU)');
  await Promise.all([page.waitForURL(ordersUrl), page.click('#new button[type=submit]')]);
  await page.goto(base + '/');
  assert.equal(await page.locator('#endpoints a:text-is("Orders (EU)")').count(), 1);
  assert.match(await page.textContent('#endpoints tbody'), /100% of 2/);
  assert.match(await page.textContent('#endpoints tbody'), /0% of 3/);
  await shot('04-endpoints');

  // delete behind a confirmation
  await page.goto(billingUrl);
  await page.click('#actions a:text-is("Delete…")');
  await shot('07-confirm-delete');
  await Promise.all([page.waitForURL(base + '/'), page.click('#confirm button')]);
  assert.equal(await rows('#endpoints'), 1);

  // another account: none of A's endpoints, and A's page is unknown
  const b = await browser.newContext();
  const pb = await b.newPage();
  await pb.goto(linkB);
  assert.equal(await pb.locator('#endpoints tbody tr').count(), 0);
  assert.equal((await pb.content()).includes(okUrl), false);
  const seen = await pb.goto(ordersUrl);
  assert.equal(seen.status(), 404);
  assert.equal((await pb.content()).includes(okUrl), false);

  // an expired link goes to the host's refresh URL; a tampered one is refused
  const gone = await pb.request.get(expired, { maxRedirects: 0 });
  assert.equal(gone.status(), 303);
  assert.equal(gone.headers().location, refresh);
  const forged = linkA.slice(0, -4) + (linkA.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  const refused = await pb.request.get(forged, { maxRedirects: 0 });
  assert.equal(refused.status(), 401);
  console.log(`secret=${secret}`);
  console.log('browser: ok');
} finally {
  await browser.close();
}
