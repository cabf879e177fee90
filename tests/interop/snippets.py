#!/usr/bin/env python3
"""Interop, the documentation's side: the receiver snippets marked
<!-- interop:sh --> and <!-- interop:python --> in docs/receiving.md are run
on every captured request (each must accept it, and refuse a tampered copy).
The Python one needs the standardwebhooks module and is skipped without it.
Prints "N passed, N failed".

usage: snippets.py docs/receiving.md requests.jsonl
"""
import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

doc = Path(sys.argv[1]).read_text()
requests = [json.loads(l) for l in Path(sys.argv[2]).read_text().splitlines() if l]


def snippet(tag):
    m = re.search(r'<!-- interop:%s -->\s*```\w+\n(.*?)```' % tag, doc, re.S)
    if not m:
        sys.exit('no %s snippet in %s' % (tag, sys.argv[1]))
    return m.group(1)


def shell_accepts(r, body):
    env = dict(os.environ, SECRET=r["secret"], WEBHOOK_ID=r["id"],
               WEBHOOK_TIMESTAMP=r["timestamp"], WEBHOOK_SIGNATURE=r["signature"])
    return subprocess.run(["sh", "-c", snippet("sh")], input=body.encode(),
                          env=env).returncode == 0


def python_check():
    try:
        import standardwebhooks.webhooks as swh
    except ImportError:
        return None
    scope = {}
    exec(snippet("python"), scope)

    def accepts(r, body):
        # the captured requests were signed on a fixed clock: verify then
        class Then(dt.datetime):
            @classmethod
            def now(cls, tz=None):
                return dt.datetime.fromtimestamp(int(r["timestamp"]), tz=tz)
        swh.datetime, real = Then, swh.datetime
        try:
            scope["handle"](r["secret"], {"webhook-id": r["id"],
                                          "webhook-timestamp": r["timestamp"],
                                          "webhook-signature": r["signature"]},
                            body.encode())
            return True
        except swh.WebhookVerificationError:
            return False
        finally:
            swh.datetime = real
    return accepts


checks = [("sh", shell_accepts)]
py = python_check()
if py:
    checks.append(("python", py))
else:
    print("skip python snippet: no standardwebhooks module (pip install standardwebhooks)")
passed = failed = 0
for r in requests:
    for name, accepts in checks:
        ok = accepts(r, r["body"]) and not accepts(r, r["body"].replace("}", " }", 1))
        passed += ok
        failed += not ok
        print("%s %s snippet: %s" % ("ok  " if ok else "FAIL", name, r["id"]))
if not requests:
    failed += 1
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
