"""The Context's hooks and the log's full rows through the Python binding,
against a real receiver on loopback: on_attempt with the response's
start, on_endpoint_state on a 410, on_event_type on a deprecated type, a
bearer token from the token hook, a hook's exception raised by tick(),
the log read on from a cursor, refusals named, and a client certificate
presented to a TLS receiver that requires one (certificates made now)."""
import http.server
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import replicer_hooks as rh  # noqa: E402
from test_replicer_hooks import Receiver  # noqa: E402


class Hooks(unittest.TestCase):
    def setUp(self):
        self.rx = Receiver()

    def tearDown(self):
        self.rx.close()

    def drive(self, ctx):
        self.assertTrue(ctx.run_until_idle(10))

    def test_on_attempt_gets_the_whole_row(self):
        self.rx.statuses = [500]
        seen = []
        with rh.Context(development=True, retry_schedule_ms=[0],
                        on_attempt=seen.append) as ctx:
            ep, _ = ctx.add_endpoint(self.rx.url, ["*"])
            evt, _, _ = ctx.emit("order.paid", {"n": 1})
            self.drive(ctx)
            self.assertEqual([(1, 500, False), (2, 200, True)],
                             [(a["number"], a["status"], a["success"]) for a in seen])
            self.assertEqual({ep}, {a["endpoint_id"] for a in seen})
            self.assertEqual({evt}, {a["event_id"] for a in seen})
            self.assertEqual([b"ok", b"ok"], [a["response"] for a in seen])
            # the hook runs before the store numbers the row: seq is 0 there
            stored = list(ctx.attempts())
            self.assertEqual([0, 0], [a.pop("seq") for a in seen])
            self.assertTrue(all(a.pop("seq") > 0 for a in stored))
            self.assertEqual(seen, stored)

    def test_the_trace_context_goes_with_each_attempt(self):
        tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        self.rx.statuses = [500]
        seen = []
        with rh.Context(development=True, retry_schedule_ms=[0],
                        on_attempt=seen.append) as ctx:
            ctx.add_endpoint(self.rx.url, ["*"])
            ctx.emit("order.paid", {}, traceparent=tp, tracestate="congo=t61")
            self.drive(ctx)
            sent = [r["traceparent"] for r in self.rx.requests]
            self.assertEqual(sent, [a["traceparent"] for a in seen])
            self.assertEqual(2, len(set(sent)))  # each attempt a span of its own
            self.assertTrue(all(t[:36] == tp[:36] and t[-3:] == "-01" for t in sent))
            self.assertEqual(["congo=t61"] * 2, [r["tracestate"] for r in self.rx.requests])
            self.assertEqual(["", ""], [a["traceparent"] for a in ctx.attempts()])
            # what each attempt sent, rebuilt: the body as received,
            # the signature redacted
            dlv = seen[0]["delivery_id"]
            for n in (1, 2):
                req = ctx.attempt_request(dlv, n)
                self.assertEqual(self.rx.requests[n - 1]["body"], json.loads(req["body"]))
                headers = dict(req["headers"])
                self.assertEqual("<redacted>", headers["X-Replicer-Signature"])
                self.assertEqual(dlv, headers["X-Replicer-Delivery-Id"])
            with self.assertRaises(rh.NotFound):
                ctx.attempt_request(dlv, 3)
            with self.assertRaises(rh.InvalidArgument) as e:
                ctx.emit("order.paid", {}, traceparent=tp.upper())
            self.assertEqual("traceparent", e.exception.arg)
            with self.assertRaises(rh.InvalidArgument):
                ctx.emit("order.paid", {}, tracestate="a=b")

    def test_counters_per_endpoint_and_tenant(self):
        with rh.Context(development=True) as ctx:
            ep, _ = ctx.add_endpoint(self.rx.url, ["*"], tenant="acct")
            ctx.emit("order.paid", {}, tenant="acct")
            self.drive(ctx)
            by_ep = ctx.stats_by("endpoint")
            self.assertEqual(1, by_ep[ep]["attempts"])
            self.assertEqual(1, by_ep[ep]["succeeded"])
            self.assertEqual({"acct"}, set(ctx.stats_by("tenant")))
            health = ctx.endpoint_health(ep)
            self.assertGreater(health["last_success_ms"], 0)
            self.assertEqual((0, 0), (health["failing_since_ms"], health["failed_in_a_row"]))
            with self.assertRaises(rh.NotFound):
                ctx.endpoint_health("ep_nobody")
            with self.assertRaises(ValueError):
                ctx.stats_by("total")

    def test_a_410_tells_on_endpoint_state(self):
        self.rx.statuses = [410]
        changes = []
        with rh.Context(development=True,
                        on_endpoint_state=lambda e, c: changes.append((e["id"], c))) as ctx:
            ep, _ = ctx.add_endpoint(self.rx.url, ["*"])
            ctx.emit("order.paid", {})
            self.drive(ctx)
            self.assertIn((ep, "disabled"), changes)
            self.assertFalse(ctx.endpoints()[0]["enabled"])

    def test_a_deprecated_type_tells_on_event_type(self):
        notices = []
        with rh.Context(development=True,
                        on_event_type=lambda n, what: notices.append((n, what))) as ctx:
            ctx.define_event_type("order.paid", description="Paid")
            ctx.set_event_type_state("order.paid", "deprecated")
            ctx.emit("order.paid", {})
            ctx.emit("order.paid", {})
            self.assertEqual([("order.paid", "deprecated_emitted")], notices)

    def test_the_token_hook_signs_requests_in(self):
        asked = []

        def token(endpoint):
            asked.append(endpoint["id"])
            return None if endpoint["name"] == "open" else ("tok-" + endpoint["name"], 0)
        with rh.Context(development=True, token=token) as ctx:
            a, _ = ctx.add_endpoint(self.rx.url + "/a", ["*"], name="a")
            b, _ = ctx.add_endpoint(self.rx.url + "/b", ["*"], name="open")
            ctx.emit("order.paid", {})
            self.drive(ctx)
        auth = {r["path"]: r["authorization"] for r in self.rx.requests}
        self.assertEqual({"/in/a": "Bearer tok-a", "/in/b": None}, auth)
        self.assertEqual({a, b}, set(asked))

    def test_what_a_hook_raises_tick_raises(self):
        def boom(attempt):
            raise KeyError("from the hook")
        with rh.Context(development=True, on_attempt=boom) as ctx:
            ctx.add_endpoint(self.rx.url, ["*"])
            ctx.emit("order.paid", {})
            with self.assertRaises(KeyError):
                for _ in range(200):
                    ctx.tick()
                    ctx.wait(50)
            self.assertEqual(1, len(self.rx.requests))  # sent once, not lost

    def test_a_token_that_raises_fails_the_attempt_unsent(self):
        with rh.Context(development=True, retry_schedule_ms=[],
                        token=lambda ep: "bad\ntoken") as ctx:
            ctx.add_endpoint(self.rx.url, ["*"])
            ctx.emit("order.paid", {})
            with self.assertRaises(ValueError):  # a newline: not a header we send
                for _ in range(200):
                    ctx.tick()
                    ctx.wait(50)
            self.drive(ctx)
            self.assertEqual([], self.rx.requests)
            self.assertEqual(["other"], [a["outcome"] for a in ctx.attempts()])

    def test_hooks_must_be_callable(self):
        for name in ("on_attempt", "on_endpoint_state", "on_event_type", "token"):
            with self.assertRaises(TypeError) as e:
                rh.Context(development=True, **{name: "nope"})
            self.assertIn(name, str(e.exception))


class LogCursors(unittest.TestCase):
    def test_reading_on_from_a_cursor(self):
        with Receiver() as rx, rh.Context(development=True) as ctx:
            ctx.add_endpoint(rx.url, ["*"])
            for i in range(5):
                ctx.emit("order.paid", {"n": i})
            self.assertTrue(ctx.run_until_idle(10))
            attempts = list(ctx.attempts())
            self.assertEqual(attempts[2:], list(ctx.attempts(after=attempts[1]["seq"])))
            deliveries = list(ctx.deliveries())
            self.assertEqual(5, len(deliveries))
            self.assertEqual(deliveries[3:], list(ctx.deliveries(after=deliveries[2])))
            last = deliveries[-1]
            self.assertEqual([], list(ctx.deliveries(after=(last["created_ms"], last["id"]))))
            self.assertEqual(5, len(list(ctx.deliveries(failed_only=False, page=2))))
            with self.assertRaises(TypeError):
                ctx.deliveries(after=7)


class Refusals(unittest.TestCase):
    def test_a_refusal_says_why(self):
        with rh.Context() as ctx:  # production: HTTPS to public hosts only
            for url, why in (("http://example.com/in", "insecure_scheme"),
                             ("https://10.1.2.3/in", "private_address"),
                             ("https://exa mple.com/in", "malformed")):
                with self.assertRaises(rh.InvalidArgument) as e:
                    ctx.add_endpoint(url, ["*"])
                self.assertEqual(("url", why), (e.exception.arg, e.exception.refusal), url)
            with self.assertRaises(rh.NotFound) as e:
                ctx.remove_endpoint("ep_nope")
            self.assertEqual("unknown_id", e.exception.refusal)
            with self.assertRaises(rh.Full) as e:
                ctx.set_tenant_limits("acct", max_endpoints=1)
                ctx.add_endpoint("https://example.com/a", ["*"], tenant="acct")
                ctx.add_endpoint("https://example.com/b", ["*"], tenant="acct")
            self.assertIsNone(e.exception.refusal)


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@unittest.skipUnless(shutil.which("openssl"), "no openssl command to make certificates")
class ClientCertificates(unittest.TestCase):
    """A TLS receiver that requires a client certificate from its CA."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        d = self.dir
        for name, cn in (("ca", "test CA"), ("client", "replicer client")):
            _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                     "-subj", "/CN=" + cn, "-keyout", name + ".key", "-out", name + ".pem",
                     cwd=d)
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                 "-keyout", "server.key", "-out", "server.csr", cwd=d)
        Path(d, "ext").write_text("subjectAltName=IP:127.0.0.1\n")
        _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-days", "1", "-extfile", "ext", "-out", "server.pem",
                 cwd=d)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(os.path.join(d, "server.pem"), os.path.join(d, "server.key"))
        tls.verify_mode = ssl.CERT_REQUIRED
        tls.load_verify_locations(os.path.join(d, "client.pem"))  # self-signed client
        self.peers = []
        test = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                test.peers.append(self.connection.getpeercert()["subject"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.url = "https://127.0.0.1:%d/in" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        shutil.rmtree(self.dir)

    def test_the_receiver_sees_the_certificate(self):
        d = self.dir
        with rh.Context(development=True, retry_schedule_ms=[],
                        ca_file=os.path.join(d, "ca.pem")) as ctx:
            without, _ = ctx.add_endpoint(self.url, ["*"], name="without")
            ctx.emit("order.paid", {}, endpoint=without)
            self.assertTrue(ctx.run_until_idle(10))
            self.assertEqual([], self.peers)  # refused in the handshake
            self.assertFalse(list(ctx.attempts())[0]["success"])

            ep, _ = ctx.add_endpoint(self.url, ["*"], name="with")
            ctx.set_client_cert(ep, Path(d, "client.pem").read_text(),
                                Path(d, "client.key").read_text())
            self.assertTrue(ctx.endpoint(ep)["has_client_cert"])
            ctx.emit("order.paid", {}, endpoint=ep)
            self.assertTrue(ctx.run_until_idle(10))
            self.assertEqual([((("commonName", "replicer client"),),)], self.peers)
            with self.assertRaises(TypeError):
                ctx.set_client_cert(ep, "cert", None)
            with self.assertRaises(rh.InvalidArgument):
                ctx.set_client_cert(ep, "not a pem", "not a key")
            ctx.set_client_cert(ep, None, None)
            self.assertFalse(ctx.endpoint(ep)["has_client_cert"])


if __name__ == "__main__":
    unittest.main()
