// What every Node baseline of the bench sends: the envelope the library
// builds around an event's data, signed as Standard Webhooks v1 (HMAC-SHA256
// over "id.timestamp.body"), POSTed to /e2e through an undici Pool or Agent.
import { createHmac, randomBytes } from 'node:crypto';

/** One POST of data, signed with key; its status (the body is read). */
export async function postSigned(pool, key, data, options = {}) {
  const id = 'msg_' + randomBytes(16).toString('base64url');
  const now = Date.now();
  const ts = String(Math.floor(now / 1000));
  const body = `{"id":"${id}","event":"bench.e2e","timestamp":"${new Date(now).toISOString()}","data":${data}}`;
  const sig = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
  const res = await pool.request({
    ...options,
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
  return res.statusCode;
}
