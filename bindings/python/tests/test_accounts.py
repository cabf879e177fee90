"""Accounts through the Python binding: endpoints and emits of a tenant,
its own log, keys and resends; endpoints edited in place; a tenant removed;
a required tenant; and bad tenants, names and labels refused by name."""
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import replicer_hooks as rh  # noqa: E402
from test_replicer_hooks import Receiver  # noqa: E402


class Accounts(unittest.TestCase):
    def setUp(self):
        self.rx = Receiver()
        self.ctx = rh.Context(development=True, retry_schedule_ms=[])

    def tearDown(self):
        self.ctx.close()
        self.rx.close()

    def test_each_tenant_gets_its_own(self):
        a, _ = self.ctx.add_endpoint(self.rx.url + "/a", ["order.*"],
                                     tenant="acct_a", name="Orders",
                                     labels={"env": "prod"})
        b, _ = self.ctx.add_endpoint(self.rx.url + "/b", ["*"], tenant="acct_b")
        self.ctx.add_endpoint(self.rx.url + "/none", ["*"])
        ev_a, n, dup = self.ctx.emit("order.paid", {"n": 1}, tenant="acct_a",
                                     idempotency_key="k")
        self.assertEqual((n, dup), (1, False))
        ev_b, n, dup = self.ctx.emit("order.paid", {"n": 1}, tenant="acct_b",
                                     idempotency_key="k")
        self.assertEqual((n, dup), (1, False))
        self.assertNotEqual(ev_a, ev_b)
        again, n, dup = self.ctx.emit("order.paid", {}, tenant="acct_a",
                                      idempotency_key="k")
        self.assertEqual((again, n, dup), (ev_a, 0, True))
        with self.assertRaises(rh.Error) as e:
            self.ctx.emit("order.paid", {}, tenant="acct_a", endpoint=b)
        self.assertEqual(e.exception.code, rh.RH_E_NOT_FOUND)
        self.assertTrue(self.ctx.run_until_idle(10))
        self.assertEqual(sorted(r["path"] for r in self.rx.requests),
                         ["/in/a", "/in/b"])
        rows = list(self.ctx.attempts(tenant="acct_a"))
        self.assertEqual([(r["endpoint_id"], r["tenant"]) for r in rows],
                         [(a, "acct_a")])
        self.assertEqual([d["tenant"] for d in self.ctx.deliveries(tenant="acct_b")],
                         ["acct_b"])
        mine = self.ctx.endpoints(tenant="acct_a")
        self.assertEqual(len(mine), 1)
        self.assertEqual((mine[0]["name"], mine[0]["labels"]), ("Orders", {"env": "prod"}))
        self.assertIsNone([e for e in self.ctx.endpoints() if e["id"] not in (a, b)][0]["tenant"])

    def test_resend_and_recover_by_tenant(self):
        self.rx.statuses = [500, 500]
        self.ctx.add_endpoint(self.rx.url + "/a", ["*"], tenant="acct_a")
        self.ctx.add_endpoint(self.rx.url + "/b", ["*"], tenant="acct_b")
        self.ctx.emit("x.y", {}, tenant="acct_a")
        self.ctx.emit("x.y", {}, tenant="acct_b")
        self.assertTrue(self.ctx.run_until_idle(10))
        failed_b = [d["id"] for d in self.ctx.deliveries(tenant="acct_b", failed_only=True)]
        self.assertEqual(len(failed_b), 1)
        with self.assertRaises(rh.Error) as e:
            self.ctx.resend(failed_b[0], tenant="acct_a")
        self.assertEqual(e.exception.code, rh.RH_E_NOT_FOUND)
        self.ctx.resend(failed_b[0], tenant="acct_b")
        self.assertEqual(self.ctx.recover(tenant="acct_a"), 1)
        self.assertTrue(self.ctx.run_until_idle(10))
        self.assertEqual(len(self.rx.requests), 4)

    def test_update_and_remove(self):
        ep, secret = self.ctx.add_endpoint(
            self.rx.url + "/old", ["order.*"], tenant="acct_a",
            secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        self.assertEqual(secret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        self.ctx.update_endpoint(ep, url=self.rx.url + "/new", events=["user.*"],
                                 name="Users", description="two\nlines",
                                 labels={"env": "staging"})
        self.ctx.update_endpoint(ep, labels={"env": None})
        got = self.ctx.endpoints()[0]
        self.assertEqual((got["url"], got["events"], got["name"], got["labels"]),
                         (self.rx.url + "/new", ["user.*"], "Users", {}))
        self.assertEqual(self.ctx.emit("order.paid", {}, tenant="acct_a")[1], 0)
        self.rx.secret = secret
        self.assertEqual(self.ctx.emit("user.made", {}, tenant="acct_a")[1], 1)
        self.assertTrue(self.ctx.run_until_idle(10))
        self.assertEqual([(r["path"], r["valid"]) for r in self.rx.requests],
                         [("/in/new", True)])
        with self.assertRaises(rh.Error) as e:
            self.ctx.update_endpoint(ep, url="ftp://nowhere")
        self.assertEqual(e.exception.arg, "url")
        # one receiver kept on HTTP/1.1; an out-of-range version refused
        self.assertEqual(self.ctx.endpoints()[0]["http_version"],
                         rh.RH_HTTP_VERSION_DEFAULT)
        self.ctx.update_endpoint(ep, http_version=rh.RH_HTTP_VERSION_1_1)
        self.assertEqual(self.ctx.endpoints()[0]["http_version"],
                         rh.RH_HTTP_VERSION_1_1)
        with self.assertRaises(rh.Error) as e:
            self.ctx.update_endpoint(ep, http_version=3)
        self.assertIn("http version", str(e.exception))
        with self.assertRaises(TypeError):
            self.ctx.update_endpoint(ep, http_version="2")
        with self.assertRaises(rh.Error) as e:
            self.ctx.update_endpoint(ep, labels={"gone": None})
        self.assertEqual(e.exception.code, rh.RH_E_NOT_FOUND)
        # the subclass a caller catches, still an rh.Error
        self.assertIsInstance(e.exception, rh.NotFound)
        self.assertIsInstance(e.exception, LookupError)
        with self.assertRaises(rh.InvalidArgument) as bad:
            self.ctx.update_endpoint(ep, url="ftp://nowhere")
        self.assertIsInstance(bad.exception, ValueError)
        self.assertEqual(bad.exception.arg, "url")
        with self.assertRaises(rh.NotFound):
            self.ctx.disable_endpoint("ep_nope")
        self.assertIs(type(rh.Error(rh.RH_E_FULL)), rh.Full)
        self.assertIs(type(rh.Error(rh.RH_E_STORAGE)), rh.StorageError)
        self.assertIs(type(rh.Error(rh.RH_E_STATE)), rh.StateError)
        self.assertIs(type(rh.Error(rh.RH_E_CRYPTO)), rh.Error)

    def test_endpoint_operations_and_settings(self):
        ep, secret = self.ctx.add_endpoint(self.rx.url + "/ops", ["order.*"],
                                           tenant="acct_a")
        got = self.ctx.endpoint(ep)
        self.assertEqual((got["timeout_ms"], got["max_in_flight"], got["rate_limit"],
                          got["retry_schedule_ms"], got["headers"],
                          got["disabled_reason"], got["failed_in_a_row"],
                          got["has_client_cert"]),
                         (0, 0, 0.0, "the context's", {}, None, 0, False))
        self.assertGreater(got["created_ms"], 0)
        self.ctx.set_endpoint_settings(ep, timeout_ms=1500, max_in_flight=3,
                                       rate_limit=2.5, retry_schedule_ms=[1000, 5000])
        self.ctx.set_header(ep, "X-Team", "billing")
        got = self.ctx.endpoint(ep)
        self.assertEqual((got["timeout_ms"], got["max_in_flight"], got["rate_limit"],
                          got["retry_schedule_ms"], got["headers"]),
                         (1500, 3, 2.5, [1000, 5000], {"X-Team": "billing"}))
        self.ctx.set_endpoint_settings(ep, retry_schedule_ms="the context's")
        self.ctx.set_header(ep, "X-Team")
        got = self.ctx.endpoint(ep)
        self.assertEqual((got["retry_schedule_ms"], got["headers"]), ("the context's", {}))
        with self.assertRaises(rh.InvalidArgument):
            self.ctx.set_endpoint_settings(ep, timeout_ms=10**9)
        with self.assertRaises(TypeError):
            self.ctx.set_endpoint_settings(ep, rate_limit="fast")
        with self.assertRaises(rh.NotFound):
            self.ctx.endpoint("ep_nope")
        # paused: the event waits; resumed: it goes, with the header
        self.ctx.set_header(ep, "X-Team", "billing")
        self.ctx.pause_endpoint(ep)
        self.assertTrue(self.ctx.endpoints()[0]["paused"])
        self.ctx.resume_endpoint(ep)
        self.assertFalse(self.ctx.endpoints()[0]["paused"])
        new = self.ctx.rotate_secret(ep, grace_ms=0)
        self.assertTrue(new.startswith("whsec_") and new != secret)
        self.assertEqual(self.ctx.recover_endpoint(ep, 0), 0)  # none failed
        self.ctx.disable_endpoint(ep)
        self.assertIsNotNone(self.ctx.endpoint(ep)["disabled_reason"])
        self.assertEqual(self.ctx.remove_tenant("acct_a"), 1)
        self.assertEqual(self.ctx.remove_tenant("acct_a"), 0)
        self.assertEqual(self.ctx.endpoints(), [])

    def test_required_tenant(self):
        with rh.Context(development=True, tenant_required=True) as ctx:
            with self.assertRaises(rh.Error) as e:
                ctx.add_endpoint(self.rx.url, ["*"])
            self.assertEqual(e.exception.arg, "tenant")
            with self.assertRaises(rh.Error) as e:
                ctx.emit("a.b", {})
            self.assertEqual(e.exception.arg, "tenant")
            ctx.add_endpoint(self.rx.url, ["*"], tenant="t")
            self.assertEqual(ctx.emit("a.b", {}, tenant="t")[1], 1)

    def test_cap_per_tenant(self):
        with rh.Context(development=True, max_in_flight_per_tenant=2) as ctx:
            ctx.add_endpoint(self.rx.url + "/a", ["*"], tenant="a")
            for _ in range(5):
                ctx.emit("x.y", {}, tenant="a")
            self.assertTrue(ctx.run_until_idle(10))
            self.assertEqual(len(self.rx.requests), 5)
        with self.assertRaises(rh.Error):
            rh.Context(max_in_flight_per_tenant=100001)
        with self.assertRaises(OverflowError):
            rh.Context(max_in_flight_per_tenant=-1)

    def test_bad_values_are_refused_by_name(self):
        for bad in ("", "two words", "caf\u00e9", "x" * 129):
            with self.assertRaises(rh.Error) as e:
                self.ctx.emit("a.b", {}, tenant=bad)
            self.assertEqual(e.exception.arg, "tenant")
            with self.assertRaises(rh.Error):
                self.ctx.add_endpoint(self.rx.url, ["*"], tenant=bad)
            if bad:  # a query's "" is the records of no tenant
                with self.assertRaises(rh.Error):
                    list(self.ctx.attempts(tenant=bad))
        with self.assertRaises(ValueError):
            self.ctx.emit("a.b", {}, tenant="a\0b")
        with self.assertRaises(rh.Error) as e:
            self.ctx.add_endpoint(self.rx.url, ["*"], name="bell\x07")
        self.assertEqual(e.exception.arg, "name")
        with self.assertRaises(rh.Error) as e:
            self.ctx.add_endpoint(self.rx.url, ["*"], labels={"no space": "v"})
        self.assertEqual(e.exception.arg, "label")
        with self.assertRaises(TypeError):
            self.ctx.add_endpoint(self.rx.url, ["*"], labels=["env=prod"])
        with self.assertRaises(TypeError):
            self.ctx.add_endpoint(self.rx.url, ["*"], labels={"env": None})
        self.assertEqual(self.ctx.endpoints(), [])


if __name__ == "__main__":
    unittest.main()
