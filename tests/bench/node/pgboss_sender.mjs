// The PostgreSQL baseline a Node developer would use instead: pg-boss on
// the same server as the library's figure, PRODUCERS callers sending jobs
// at once (each send awaited: committed when it resolves), a worker team
// signing each job (Standard Webhooks v1) and POSTing it with undici's
// Pool, 64 at once, 6 attempts. Its own schema, made and left for the
// throwaway cluster. make bench runs it against the bench's sink.
// Usage: node pgboss_sender.mjs PORT COUNT SECRET PAYLOAD_FILE PRODUCERS
//        CONNINFO (libpq's keyword=value form, as RH_TEST_PG has it)
import PgBoss from 'pg-boss';
import { Pool } from 'undici';
import { postSigned } from './signed.mjs';
import { readFileSync } from 'node:fs';

const [port, count, secret, payloadFile, producersArg, conninfo] = process.argv.slice(2);
const total = Number(count);
const producers = Number(producersArg || 64);
const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
const data = readFileSync(payloadFile, 'utf8');
// host=... user=... dbname=... as node-postgres takes it
const pg = Object.fromEntries(conninfo.trim().split(/\s+/).map((kv) => kv.split('=')));
const boss = new PgBoss({ host: pg.host, port: pg.port ? Number(pg.port) : undefined,
  user: pg.user, password: pg.password, database: pg.dbname,
  schema: `pgboss_bench_${process.pid}`, max: producers + 8 });
boss.on('error', (e) => console.error(e));
await boss.start();
const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 64 });
let ok = 0;
let allDone;
const done = new Promise((r) => { allDone = r; });

async function deliver(job) {
  const status = await postSigned(pool, key, job.data.data);
  if (status < 200 || status >= 300) throw new Error(`status ${status}`);
  if (++ok === total) allDone();
}

const t0 = process.hrtime.bigint();
await boss.work('hooks', { teamSize: 64, teamConcurrency: 64, newJobCheckInterval: 100 }, deliver);
let sent = 0;
async function producer() {
  while (sent < total) {
    sent++;
    await boss.send('hooks', { data }, { retryLimit: 5, retryDelay: 5, retryBackoff: true });
  }
}
await Promise.all(Array.from({ length: producers }, producer));
await done;
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
await boss.stop({ graceful: false, wait: false });
await pool.close();
console.log(JSON.stringify({ sent, ok, seconds, rate: ok / seconds }));
process.exit(0);
