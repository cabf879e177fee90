"""The Python binding given what it must refuse: strings with a NUL (ctypes
passed them cut short), integers outside their C type (ctypes wrapped
them), a str where a list belongs (iterated character by character),
None for a path (a file named "None"), wrong types. Each refusal names the
argument, and nothing reaches the library."""
import os
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import replicer_hooks as rh  # noqa: E402

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
BODY = b'{"test": 2432232314}'
SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
URL = "http://127.0.0.1:1/in"


class Refusals(unittest.TestCase):
    def refuses(self, exc, arg, fn, *args, **kwargs):
        with self.assertRaises(exc, msg="%s should name %s" % (fn.__name__, arg)) as e:
            fn(*args, **kwargs)
        self.assertIn(arg, str(e.exception))

    def setUp(self):
        self.ctx = rh.Context(development=True)
        self.ctx.add_endpoint(URL, ["*"])

    def tearDown(self):
        self.ctx.close()

    def test_nul_in_a_string_is_refused_not_cut(self):
        ctx = self.ctx
        # the two keys were one: the second event was dropped as a duplicate
        self.refuses(ValueError, "idempotency_key", ctx.emit, "a.b", {},
                     idempotency_key="order-1\0A")
        self.refuses(ValueError, "idempotency_key", ctx.emit, "a.b", {},
                     idempotency_key="order-1\0B")
        self.refuses(ValueError, "ordering_key", ctx.emit, "a.b", {}, ordering_key=b"o\0x")
        self.refuses(ValueError, "endpoint", ctx.emit, "a.b", {}, endpoint="ep_x\0y")
        self.refuses(ValueError, "event_type", ctx.emit, "a.b\0junk", {})
        self.assertEqual([], list(ctx.deliveries()))  # nothing was queued
        self.refuses(ValueError, "url", ctx.add_endpoint, URL + "\0junk", ["*"])
        self.refuses(ValueError, "events[1]", ctx.add_endpoint, URL, ["a.b", "c\0d"])
        self.assertEqual(1, len(ctx.endpoints()))
        for call in (ctx.resend, ctx.skip, ctx.disable_endpoint, ctx.enable_endpoint,
                     ctx.remove_endpoint):
            self.refuses(ValueError, "_id", call, "x\0y")
        self.refuses(ValueError, "event_type", ctx.recover, event_type="a.*\0")
        self.refuses(ValueError, "event", lambda: ctx.attempts(event="evt_x\0"))

    def test_nul_in_verify_and_sign(self):
        # the secret was read up to its NUL: this returned True
        self.refuses(ValueError, "secret", rh.verify, SECRET + "\0junk", MSG_ID,
                     1614265330, SIG, BODY, now=1614265330)
        self.refuses(ValueError, "signature", rh.verify, SECRET, MSG_ID, 1614265330,
                     SIG + "\0x", BODY, now=1614265330)
        self.refuses(ValueError, "timestamp", rh.verify, SECRET, MSG_ID,
                     "1614265330\0x", SIG, BODY, now=1614265330)
        self.refuses(ValueError, "msg_id", rh.sign, SECRET, MSG_ID + "\0x", 1, BODY)

    def test_nul_in_a_store_path_opens_nothing(self):
        with tempfile.TemporaryDirectory() as d:
            self.refuses(ValueError, "path", rh.SQLite, os.path.join(d, "hooks.db\0.bak"))
            self.assertEqual([], os.listdir(d))  # no "hooks.db" instead
        self.refuses(ValueError, "conninfo", rh.PostgreSQL, "dbname=x\0")
        self.refuses(ValueError, "schema", rh.PostgreSQL, "dbname=x", "s\0x")

    def test_a_body_may_hold_nul_it_is_passed_with_its_length(self):
        whole = rh.sign(SECRET, MSG_ID, 1614265330, b"ab\0cd")
        self.assertNotEqual(rh.sign(SECRET, MSG_ID, 1614265330, b"ab"), whole)
        self.assertEqual(whole, rh.sign(SECRET, MSG_ID, 1614265330, "ab\0cd"))
        # a bytearray was signed as its repr, "bytearray(b'...')"
        self.assertEqual(whole, rh.sign(SECRET, MSG_ID, 1614265330, bytearray(b"ab\0cd")))
        self.assertTrue(rh.verify(SECRET, MSG_ID, "1614265330", whole, b"ab\0cd",
                                  now=1614265330))
        self.assertFalse(rh.verify(SECRET, MSG_ID, 1614265330, whole, b"ab",
                                   now=1614265330))

    def test_integers_outside_their_c_type(self):
        ctx = self.ctx
        # 2**64 signed timestamp 0
        self.refuses(OverflowError, "timestamp", rh.sign, SECRET, MSG_ID, 2**64, BODY)
        self.refuses(OverflowError, "timestamp", rh.sign, SECRET, MSG_ID, -2**63 - 1, BODY)
        self.refuses(OverflowError, "timestamp", rh.verify, SECRET, MSG_ID, 2**63, SIG, BODY)
        self.refuses(OverflowError, "now", rh.verify, SECRET, MSG_ID, 1, SIG, BODY, now=2**64)
        self.refuses(OverflowError, "tolerance", rh.verify, SECRET, MSG_ID, 1, SIG, BODY,
                     tolerance=2**63)
        self.refuses(OverflowError, "timeout_ms", rh.Context, timeout_ms=2**64)
        self.refuses(OverflowError, "idle_connections", rh.Context,
                     idle_connections=-1)
        # in range for size_t, past the library's limit: its own refusal
        with self.assertRaises(rh.Error) as e:
            rh.Context(idle_connections=100001)
        self.assertEqual(rh.RH_E_INVALID_ARG, e.exception.code)
        rh.Context(idle_connections=1000).close()
        with self.assertRaises(rh.Error) as e:
            rh.Context(http_version=3)
        self.assertEqual(("http_version", rh.RH_E_INVALID_ARG),
                         (e.exception.arg, e.exception.code))
        self.refuses(OverflowError, "http_version", rh.Context, http_version=2**40)
        rh.Context(http_version=rh.RH_HTTP_VERSION_2).close()
        self.refuses(OverflowError, "retry_schedule_ms[1]", rh.Context,
                     retry_schedule_ms=[1000, 2**64 + 1000])
        self.refuses(OverflowError, "max_ms", ctx.wait, 2**63)
        self.refuses(OverflowError, "status", lambda: ctx.attempts(status=2**32 + 500))
        self.refuses(OverflowError, "since_ms", ctx.recover, since_ms=2**64)
        self.refuses(OverflowError, "page", lambda: ctx.deliveries(page=0))  # IndexError
        # the ends of the range are taken
        self.assertEqual(SIG, rh.sign(SECRET, MSG_ID, 1614265330, BODY))
        self.assertTrue(rh.sign(SECRET, MSG_ID, 2**63 - 1, BODY).startswith("v1,"))

    def test_wrong_types(self):
        ctx = self.ctx
        self.refuses(TypeError, "timestamp", rh.sign, SECRET, MSG_ID, 1.5, BODY)
        self.refuses(TypeError, "body", rh.sign, SECRET, MSG_ID, 1, None)
        self.refuses(TypeError, "secret", rh.sign, 5, MSG_ID, 1, BODY)
        self.refuses(TypeError, "delivery_id", ctx.resend, 123)
        self.refuses(TypeError, "event_type", ctx.emit, 5, {})
        self.refuses(TypeError, "data", ctx.emit, "a.b", {1, 2})
        self.refuses(TypeError, "idempotency_key", ctx.emit, "a.b", {}, idempotency_key=5)
        self.refuses(TypeError, "on_failed", rh.Context, on_failed="log")
        self.refuses(TypeError, "state", lambda: ctx.deliveries(state=3))
        self.refuses(ValueError, "state", lambda: ctx.deliveries(state="lost"))
        self.refuses(ValueError, "outcome", lambda: ctx.attempts(outcome="lost"))
        self.assertEqual([], list(ctx.deliveries()))

    def test_booleans_are_booleans(self):
        # development="false" is a non-empty string: truthiness turned
        # development mode on, which lets http:// and loopback through
        self.refuses(TypeError, "development", rh.Context, development="false")
        self.refuses(TypeError, "development", rh.Context, development=1)
        self.refuses(TypeError, "hold_on_failure", self.ctx.emit, "a.b", {},
                     ordering_key="k", hold_on_failure="no")
        self.refuses(TypeError, "failed_only",
                     lambda: self.ctx.deliveries(failed_only=0))
        # and a bool is not a number (Node refuses it too)
        self.refuses(TypeError, "idle_connections", rh.Context,
                     idle_connections=True)
        self.refuses(TypeError, "limit", lambda: self.ctx.deliveries(limit=True))
        self.assertEqual([], list(self.ctx.deliveries()))

    def test_a_str_where_a_list_belongs(self):
        # "ab" subscribed to event types "a" and "b"
        self.refuses(TypeError, "events", self.ctx.add_endpoint, URL, "ab")
        self.refuses(TypeError, "events", self.ctx.add_endpoint, URL, b"order.*")
        self.refuses(TypeError, "events[0]", self.ctx.add_endpoint, URL, [1])
        self.assertEqual([["*"]], [e["events"] for e in self.ctx.endpoints()])
        self.refuses(TypeError, "retry_schedule_ms", rh.Context, retry_schedule_ms="100")

    def test_none_is_not_a_path(self):
        with tempfile.TemporaryDirectory() as d:
            cwd = os.getcwd()
            os.chdir(d)
            try:  # SQLite(None) opened a file named "None" here
                self.refuses(TypeError, "path", rh.SQLite, None)
                self.refuses(TypeError, "path", rh.SQLite, 5)
                self.assertEqual([], os.listdir(d))
                rh.SQLite(Path("hooks.db")).close()  # os.PathLike is a path
                self.assertIn("hooks.db", os.listdir(d))
            finally:
                os.chdir(cwd)
        self.refuses(TypeError, "conninfo", rh.PostgreSQL, None)


class Stores(unittest.TestCase):
    """A store a context cannot take is an error: its table is NULL, which
    the library takes for "the memory store", and the context acknowledged
    emits that never reached the file."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "hooks.db")

    def tearDown(self):
        self.dir.cleanup()

    def endpoints_in_the_file(self):
        with rh.Context(development=True, store=rh.SQLite(self.path)) as ctx:
            return [e["id"] for e in ctx.endpoints()]

    def test_a_closed_store_is_refused(self):
        store = rh.SQLite(self.path)
        store.close()
        with self.assertRaises(ValueError) as e:
            rh.Context(development=True, store=store)
        self.assertIn("closed", str(e.exception))
        self.assertEqual([], self.endpoints_in_the_file())

    def test_a_store_serves_one_context(self):
        store = rh.SQLite(self.path)
        with rh.Context(development=True, store=store) as ctx:
            ep, _ = ctx.add_endpoint(URL, ["*"])
            with self.assertRaises(ValueError) as e:
                rh.Context(development=True, store=store)
            self.assertIn("already given to a context", str(e.exception))
        with self.assertRaises(ValueError):  # nor once that context is closed
            rh.Context(development=True, store=store)
        store.close()  # a no-op: the context closed it
        self.assertEqual([ep], self.endpoints_in_the_file())

    def test_what_is_not_a_store_is_refused(self):
        for store in (self.path, object(), 0):
            self.assertRaises(TypeError, rh.Context, store=store)
        self.assertFalse(os.path.exists(self.path))


if __name__ == "__main__":
    unittest.main()
