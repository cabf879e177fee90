// The baseline a user would write instead of linking the library: sign each
// event (Standard Webhooks v1, HMAC-SHA256) and POST it with undici's Pool,
// 64 in flight, nothing stored. make bench runs it against the bench's own
// sink, in rounds interleaved with the library's end-to-end loop.
// Usage: node undici_sender.mjs PORT COUNT SECRET PAYLOAD_FILE [IN_FLIGHT]
//        [https]  (HTTPS, trusting Node's roots plus NODE_EXTRA_CA_CERTS,
//        loaded once at start, as a Node service trusts a private CA; a
//        `ca` option would build a new TLS context for every connection)
import { Agent, Pool } from 'undici';
import { readFileSync } from 'node:fs';
import { postSigned } from './signed.mjs';

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
    const status = await postSigned(pool, key, data,
      hosts ? { origin: hosts[started % hosts.length] } : {});
    if (status >= 200 && status < 300) ok++;
  }
}

const t0 = process.hrtime.bigint();
await Promise.all(Array.from({ length: inFlight }, sender));
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
await pool.close();
console.log(JSON.stringify({ sent: started, ok, seconds, rate: ok / seconds }));
