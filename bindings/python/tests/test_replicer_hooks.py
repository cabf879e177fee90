"""The Python binding against the real library: signing against the
Standard Webhooks test vector, a context delivering to a real HTTP receiver
on loopback (which checks each signature), the SQLite store across a
restart, PostgreSQL when RH_TEST_PG names a cluster, and errors."""
import http.server
import json
import os
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import replicer_hooks as rh  # noqa: E402

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
BODY = b'{"test": 2432232314}'
SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


class Receiver:
    """A loopback HTTP server: answers `status` (a list, used in turn, then
    200), records each request with its signature's verdict for `secret`."""

    def __init__(self, statuses=()):
        self.statuses, self.requests, self.secret = list(statuses), [], None
        self.delay = 0  # seconds before each answer
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = receiver.secret and rh.verify(
                    receiver.secret, self.headers["webhook-id"],
                    self.headers["webhook-timestamp"],
                    self.headers["webhook-signature"], body)
                receiver.requests.append({"path": self.path, "body": json.loads(body),
                                          "valid": bool(ok),
                                          "test": self.headers.get("X-Replicer-Test"),
                                          "authorization": self.headers.get("Authorization"),
                                          "traceparent": self.headers.get("traceparent"),
                                          "tracestate": self.headers.get("tracestate")})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/in" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Signing(unittest.TestCase):
    def test_known_answer(self):
        self.assertEqual(SIG, rh.sign(SECRET, MSG_ID, 1614265330, BODY))
        self.assertTrue(rh.verify(SECRET, MSG_ID, 1614265330, SIG, BODY, now=1614265330))
        self.assertFalse(rh.verify(SECRET, MSG_ID, 1614265330, SIG, BODY + b" ",
                                   now=1614265330))
        self.assertFalse(rh.verify(SECRET, MSG_ID, 1614265330, SIG, BODY,
                                   now=1614265330 + 301))

    def test_bad_input_is_an_error_with_its_code(self):
        with self.assertRaises(rh.Error) as e:
            rh.sign("whsec_x", MSG_ID, 1, b"")
        self.assertEqual(rh.RH_E_INVALID_ARG, e.exception.code)
        self.assertEqual("RH_E_INVALID_ARG", e.exception.name)

    def test_constants_match_the_library(self):
        self.assertEqual(32, rh.RH_ID_SIZE)
        self.assertEqual(-13, rh.RH_E_BUFFER)
        self.assertTrue(rh.version.startswith("%d.%d." % (rh.RH_VERSION_MAJOR,
                                                         rh.RH_VERSION_MINOR)))


class Delivering(unittest.TestCase):
    def setUp(self):
        self.receiver = Receiver()

    def tearDown(self):
        self.receiver.close()

    def test_emit_deliver_and_read_the_log(self):
        failed = []
        with rh.Context(development=True, retry_schedule_ms=[],
                        on_failed=failed.append) as ctx:
            ep, secret = ctx.add_endpoint(self.receiver.url, ["order.*"])
            self.receiver.secret = secret
            self.assertEqual([{"id": ep, "url": self.receiver.url, "events": ["order.*"],
                               "enabled": True, "paused": False, "tenant": None,
                               "name": None, "description": None, "labels": {},
                               "http_version": rh.RH_HTTP_VERSION_DEFAULT,
                               "mode": "development"}],
                             ctx.endpoints())
            evt, n, dup = ctx.emit("order.paid", {"order": "o_1"})
            self.assertEqual((1, False), (n, dup))
            self.assertTrue(evt.startswith("evt_"))
            self.assertEqual(0, ctx.emit("user.made", {})[1])  # nobody subscribes
            self.receiver.statuses = [500]
            ctx.emit("order.refunded", '{"order":"o_1"}')
            self.assertTrue(ctx.run_until_idle())
            self.assertEqual(2, len(self.receiver.requests))
            self.assertTrue(all(r["valid"] for r in self.receiver.requests))
            self.assertEqual({"order": "o_1"}, self.receiver.requests[0]["body"]["data"])
            attempts = list(ctx.attempts())
            self.assertEqual([200, 500], sorted(a["status"] for a in attempts))
            self.assertEqual(["http_status"],
                             [a["outcome"] for a in ctx.attempts(status=500)])
            failed_dl = list(ctx.deliveries(state="failed"))
            self.assertEqual(1, len(failed_dl))
            self.assertEqual(failed_dl[0]["id"], failed[0]["id"])
            self.assertEqual(1, ctx.recover(event_type="order.*"))
            self.assertTrue(ctx.run_until_idle())
            self.assertEqual(3, len(self.receiver.requests))
            self.assertEqual([], list(ctx.deliveries(state="failed")))

    def test_idempotency_and_ordering_keys(self):
        with rh.Context(development=True) as ctx:
            ctx.add_endpoint(self.receiver.url, ["*"])
            first = ctx.emit("job.done", {"n": 1}, idempotency_key="job-1",
                             ordering_key="job")
            again = ctx.emit("job.done", {"n": 1}, idempotency_key="job-1",
                             ordering_key="job")
            self.assertEqual((first[0], 0, True), again)
            ctx.emit("job.done", {"n": 2}, ordering_key="job")
            self.assertEqual(["job", "job"],
                             [d["ordering_key"] for d in ctx.deliveries()])
            self.assertTrue(ctx.run_until_idle())
            self.assertEqual([1, 2], [r["body"]["data"]["n"] for r in self.receiver.requests])

    def test_refusals_name_the_argument(self):
        with rh.Context() as ctx:  # production mode
            with self.assertRaises(rh.Error) as e:
                ctx.add_endpoint("http://127.0.0.1:1/x", ["*"])
            self.assertEqual(rh.RH_E_INVALID_ARG, e.exception.code)
            self.assertEqual("url", e.exception.arg)
            self.assertIn("production", e.exception.message)
            with self.assertRaises(rh.Error) as e:
                ctx.emit("bad type!", {})
            self.assertEqual("event_type", e.exception.arg)
            with self.assertRaises(rh.Error) as e:
                ctx.resend("dlv_nobody")
            self.assertEqual(rh.RH_E_NOT_FOUND, e.exception.code)


class Stores(unittest.TestCase):
    def test_sqlite_keeps_everything_across_a_restart(self):
        receiver = Receiver()
        try:
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "hooks.db")
                with rh.Context(development=True, store=rh.SQLite(path)) as ctx:
                    ep, _ = ctx.add_endpoint(receiver.url, ["*"])
                    ctx.emit("a.b", {"x": 1})
                with rh.Context(development=True, store=rh.SQLite(path)) as ctx:
                    self.assertEqual([ep], [e["id"] for e in ctx.endpoints()])
                    self.assertTrue(ctx.run_until_idle())
                self.assertEqual(1, len(receiver.requests))
        finally:
            receiver.close()

    def test_sqlite_open_error(self):
        with self.assertRaises(rh.Error) as e:
            rh.SQLite("/nonexistent-dir/x.db")
        self.assertEqual(rh.RH_E_STORAGE, e.exception.code)
        self.assertIn("nonexistent-dir", e.exception.message)

    def test_a_damaged_file_is_a_storage_error(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "damaged.db")
            with open(path, "wb") as f:
                f.write(b"this is not a database, " * 200)
            with self.assertRaises(rh.StorageError) as e:
                rh.SQLite(path)
            self.assertIn("damaged", e.exception.message)
            with open(path, "rb") as f:  # and left as it was
                self.assertTrue(f.read().startswith(b"this is not a database"))

    def test_unused_store_is_closed(self):
        with tempfile.TemporaryDirectory() as d:
            store = rh.SQLite(os.path.join(d, "x.db"))
            store.close()
            store.close()
            # a with-block closes a store no context took, and leaves one a
            # context took to that context
            with rh.SQLite(os.path.join(d, "x.db")) as store:
                pass
            with self.assertRaisesRegex(ValueError, "closed"):
                rh.Context(store=store)
            with rh.SQLite(os.path.join(d, "x.db")) as store:
                ctx = rh.Context(development=True, store=store)
            self.assertEqual([], ctx.endpoints())
            ctx.close()

    @unittest.skipUnless(os.environ.get("RH_TEST_PG"), "no PostgreSQL test cluster")
    def test_postgresql(self):
        schema = "py_%d" % os.getpid()
        receiver = Receiver()
        try:
            store = rh.PostgreSQL(os.environ["RH_TEST_PG"], schema)
            with rh.Context(development=True, store=store) as ctx:
                ctx.add_endpoint(receiver.url, ["*"])
                self.assertEqual(1, ctx.emit("a.b", {})[1])
                self.assertTrue(ctx.run_until_idle())
                self.assertEqual(["succeeded"], [d["state"] for d in ctx.deliveries()])
        finally:
            receiver.close()


if __name__ == "__main__":
    unittest.main()
