// The durable baseline a Node developer would use instead of linking the
// library: BullMQ on Redis with every write synced (appendonly yes,
// appendfsync always), a Worker signing each job (Standard Webhooks v1)
// and POSTing it with undici's Pool, 64 at once, 6 attempts. PRODUCERS
// callers add the jobs at once, each add awaited (durable when it
// resolves), as a host's request handlers would. It starts its own
// redis-server on a unix socket in a temporary folder and stops it.
// make bench runs it against the bench's sink, interleaved with the
// library's emitter figures.
// Usage: node bullmq_sender.mjs PORT COUNT SECRET PAYLOAD_FILE PRODUCERS
import { Queue, Worker } from 'bullmq';
import { Pool } from 'undici';
import { postSigned } from './signed.mjs';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [port, count, secret, payloadFile, producersArg] = process.argv.slice(2);
const total = Number(count);
const producers = Number(producersArg || 64);
const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
const data = readFileSync(payloadFile, 'utf8');

const dir = mkdtempSync(join(tmpdir(), 'rh-bench-redis-'));
const socket = join(dir, 'redis.sock');
const redis = spawn('redis-server', ['--port', '0', '--unixsocket', socket,
  '--unixsocketperm', '700', '--appendonly', 'yes', '--appendfsync', 'always',
  '--save', '', '--dir', dir], { stdio: 'ignore' });
const stop = () => { redis.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); };
process.on('exit', stop);
for (let i = 0; i < 250 && !existsSync(socket); i++)
  await new Promise((r) => setTimeout(r, 20));

const connection = { path: socket, maxRetriesPerRequest: null };
const queue = new Queue('hooks', { connection });
const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 64 });
let ok = 0;
let finished = 0;
let allDone;
const done = new Promise((r) => { allDone = r; });

async function deliver(job) {
  const status = await postSigned(pool, key, job.data.data);
  if (status < 200 || status >= 300) throw new Error(`status ${status}`);
}

const worker = new Worker('hooks', deliver, { connection, concurrency: 64 });
worker.on('completed', () => { ok++; if (++finished === total) allDone(); });
worker.on('failed', (job) => { if (job.attemptsMade >= 6 && ++finished === total) allDone(); });

let added = 0;
async function producer() {
  while (added < total) {
    added++;
    await queue.add('hook', { data }, { attempts: 6, backoff: { type: 'exponential', delay: 5000 },
      removeOnComplete: true, removeOnFail: true });
  }
}

const t0 = process.hrtime.bigint();
await Promise.all(Array.from({ length: producers }, producer));
await done;
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
await worker.close();
await queue.close();
await pool.close();
stop();
console.log(JSON.stringify({ sent: added, ok, seconds, rate: ok / seconds }));
process.exit(0);
