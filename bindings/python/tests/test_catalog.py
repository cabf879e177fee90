"""The event-type catalog through the Python binding: define, read, list
and archive; strict mode refusing a typo by argument; an example sent as a
signed test event the log can tell; import of the shipped OpenAPI document
twice, and export; bad input refused before or by the library."""
import json
import os
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import replicer_hooks as rh  # noqa: E402
from test_replicer_hooks import Receiver  # noqa: E402

# the suite may run from a copy (tests/bindings/pip_install.sh): RH_SOURCE_TREE
# names the tree the document is in
OPENAPI = (Path(os.environ.get("RH_SOURCE_TREE") or Path(__file__).resolve().parents[3])
           / "tests" / "catalog" / "openapi.json")


class Catalog(unittest.TestCase):
    def setUp(self):
        self.rx = Receiver()
        self.dir = tempfile.TemporaryDirectory()
        self.ctx = rh.Context(development=True, retry_schedule_ms=[],
                              store=rh.SQLite(self.dir.name + "/s.db"))

    def tearDown(self):
        self.ctx.close()
        self.rx.close()
        self.dir.cleanup()

    def test_define_read_list_archive(self):
        self.assertEqual("created", self.ctx.define_event_type(
            "order.paid", description="Paid.", example={"order": "o_1"},
            schema={"type": "object"}))
        self.assertEqual("unchanged", self.ctx.define_event_type(
            "order.paid", example='{ "order": "o_1" }'))
        self.assertEqual("updated", self.ctx.define_event_type(
            "order.paid", group="billing"))
        t = self.ctx.event_type("order.paid")
        self.assertEqual((t["group"], t["state"], json.loads(t["example"])),
                         ("billing", "active", {"order": "o_1"}))
        self.ctx.define_event_type("ping")
        self.ctx.set_event_type_state("ping", "archived")
        self.assertEqual([t["name"] for t in self.ctx.event_types()], ["order.paid"])
        self.assertEqual(len(self.ctx.event_types(archived=True)), 2)
        self.assertEqual(self.ctx.event_types(group="billing")[0]["name"], "order.paid")
        with self.assertRaises(rh.Error) as e:
            self.ctx.event_type("nope")
        self.assertEqual(e.exception.code, rh.RH_E_NOT_FOUND)

    def test_strict_and_example(self):
        self.ctx.define_event_type("order.paid", example={"order": "o_1"})
        self.ctx.strict = True
        self.assertTrue(self.ctx.strict)
        with self.assertRaises(rh.Error) as e:
            self.ctx.emit("ordr.paid", {})
        self.assertEqual((e.exception.code, e.exception.arg),
                         (rh.RH_E_INVALID_ARG, "event_type"))
        with self.assertRaises(rh.Error) as e:
            self.ctx.add_endpoint(self.rx.url, ["refund.*"])
        self.assertEqual(e.exception.arg, "events")
        ep, secret = self.ctx.add_endpoint(self.rx.url, ["order.*"])
        self.rx.secret = secret
        evt = self.ctx.send_example(ep, "order.paid")
        self.assertTrue(rh.is_test_event(evt))
        self.assertTrue(self.ctx.run_until_idle(10))
        self.assertEqual(len(self.rx.requests), 1)
        r = self.rx.requests[0]
        self.assertEqual((r["test"], r["valid"], r["body"]["data"]),
                         ("1", True, {"order": "o_1"}))
        self.assertEqual([rh.is_test_event(a["event_id"]) for a in self.ctx.attempts()],
                         [True])

    def test_import_twice_and_export(self):
        doc = OPENAPI.read_text()
        self.assertEqual(3, self.ctx.import_catalog(doc))
        self.assertEqual(0, self.ctx.import_catalog(json.loads(doc)))
        exported = json.loads(self.ctx.export_catalog())
        self.assertEqual(sorted(t["name"] for t in exported["event_types"]),
                         ["account.closed", "call.ended", "invoice.paid"])
        self.assertEqual(0, self.ctx.import_catalog(exported))

    def test_tenant_limits(self):
        self.ctx.add_endpoint(self.rx.url, ["*"], tenant="acct")
        self.ctx.set_tenant_limits("acct", max_pending=1, rate=5)
        self.assertEqual(self.ctx.tenant_limits("acct"),
                         {"max_endpoints": 0, "max_pending": 1, "max_in_flight": 0,
                          "rate": 5})
        self.ctx.emit("x.y", {}, tenant="acct")
        with self.assertRaises(rh.Error) as e:
            self.ctx.emit("x.y", {}, tenant="acct")
        self.assertEqual((e.exception.code, e.exception.arg), (rh.RH_E_FULL, "tenant"))
        self.ctx.emit("x.y", {})  # no tenant: no limit of acct's
        self.assertEqual(self.ctx.prune(0, tenant="acct"), 0)  # none finished
        with self.assertRaises(rh.Error) as e:
            self.ctx.prune(0, tenant="two words")
        self.assertEqual(e.exception.arg, "tenant")
        with self.assertRaises(OverflowError):
            self.ctx.set_tenant_limits("acct", rate=-1)
        with self.assertRaises(rh.Error) as e:
            self.ctx.set_tenant_limits("two words", rate=1)
        self.assertEqual(e.exception.arg, "tenant")

    def test_bad_input(self):
        with self.assertRaises(rh.Error) as e:
            self.ctx.define_event_type("order paid")
        self.assertEqual(e.exception.arg, "event_type")
        with self.assertRaises(rh.Error) as e:
            self.ctx.define_event_type("a.b", example=[1])
        self.assertEqual(e.exception.arg, "example")
        with self.assertRaises(rh.Error) as e:
            self.ctx.define_event_type("a.b", schema="{" + " " * (2 << 20) + "}")
        self.assertEqual(e.exception.code, rh.RH_E_TOO_LARGE)
        with self.assertRaises(TypeError):
            self.ctx.define_event_type("a.b", description=3)
        with self.assertRaises(ValueError):
            self.ctx.set_event_type_state("a.b", "gone")
        with self.assertRaises(rh.Error) as e:
            self.ctx.import_catalog({"event_types": [{"name": "ok"}, {"name": "no good"}]})
        self.assertEqual(e.exception.arg, "catalog")
        self.assertEqual(self.ctx.event_types(archived=True), [])


if __name__ == "__main__":
    unittest.main()
