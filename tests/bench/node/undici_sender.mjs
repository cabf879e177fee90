// The baseline a user would write instead of linking the library: sign each
// event (Standard Webhooks v1, HMAC-SHA256) and POST it with undici's Pool,
// 64 in flight, nothing stored. make bench runs it against the bench's own
// sink, in rounds interleaved with the library's end-to-end loop.
// Usage: node undici_sender.mjs PORT COUNT SECRET PAYLOAD_FILE [IN_FLIGHT]
//        [https]  (HTTPS, trusting Node's roots plus NODE_EXTRA_CA_CERTS,
//        loaded once at start, as a Node service trusts a private CA; a
//        `ca` option would build a new TLS context for every connection)
import { Agent, Pool } from 'undici';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [port, count, secret, payloadFile, inFlightArg, scheme] = process.argv.slice(2);
const total = Number(count);
const inFlight = Number(inFlightArg || 64);
const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
const data = readFileSync(payloadFile, 'utf8');
const origin = (p) => `${scheme === 'https' ? 'https' : 'http'}://127.0.0.1:${p}`;
// RH_PORTS_FILE: many hosts (one port each, comma-separated in the file),
// sent to in round robin through an Agent, a pool per origin, as a Node
// service delivering to many customers would; RH_H2=1: h2 where offered
// (undici's allowH2), one connection per origin
const hosts = process.env.RH_PORTS_FILE
  ? readFileSync(process.env.RH_PORTS_FILE, 'utf8').trim().split(',').map(origin)
  : null;
const h2 = process.env.RH_H2 === '1';
const pool = hosts
  ? new Agent({ allowH2: h2 })
  : new Pool(origin(port), h2 ? { connections: 1, allowH2: true } : { connections: inFlight });
let started = 0;
let ok = 0;

async function sender() {
  while (started < total) {
    started++;
    const id = 'msg_' + randomBytes(16).toString('base64url');
    const now = Date.now();
    const ts = String(Math.floor(now / 1000));
    const body = `{"id":"${id}","event":"bench.e2e","timestamp":"${new Date(now).toISOString()}","data":${data}}`;
    const sig = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
    const res = await pool.request({
      ...(hosts ? { origin: hosts[started % hosts.length] } : {}),
      path: '/e2e',
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': ts,
        'webhook-signature': `v1,${sig}`,
      },
      headersTimeout: 10000,
      bodyTimeout: 10000,
    });
    await res.body.dump();
    if (res.statusCode >= 200 && res.statusCode < 300) ok++;
  }
}

const t0 = process.hrtime.bigint();
await Promise.all(Array.from({ length: inFlight }, sender));
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
await pool.close();
console.log(JSON.stringify({ sent: started, ok, seconds, rate: ok / seconds }));
