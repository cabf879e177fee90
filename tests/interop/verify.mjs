// Interop, receiver side: every request captured by tests/interop/capture.c
// must verify with the Standard Webhooks reference library for Node and
// with Svix's own package (what many receivers run), and a tampered copy
// must not. Prints "N passed, N failed".
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";

const lines = readFileSync(process.argv[2], "utf8").split("\n").filter(Boolean);
let passed = 0, failed = 0;
for (const line of lines) {
  const r = JSON.parse(line);
  const headers = {
    "webhook-id": r.id,
    "webhook-timestamp": r.timestamp,
    "webhook-signature": r.signature,
  };
  // The captured requests were signed on a fixed clock: verify at that time.
  const realNow = Date.now;
  Date.now = () => Number(r.timestamp) * 1000;
  try {
    for (const Lib of [Webhook, SvixWebhook]) {
      new Lib(r.secret).verify(r.body, headers);
      let tamperedAccepted = true;
      try {
        new Lib(r.secret).verify(r.body.replace("}", " }"), headers);
      } catch {
        tamperedAccepted = false;
      }
      if (tamperedAccepted)
        throw new Error(`tampered body accepted by ${Lib === Webhook ? "standardwebhooks" : "svix"}`);
    }
    passed++;
    console.log(`ok   ${r.id} (${r.body.length} bytes)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${r.id}: ${e.message}`);
  } finally {
    Date.now = realNow;
  }
}
if (lines.length === 0) failed++;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
