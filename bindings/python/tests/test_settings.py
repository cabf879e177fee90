"""Context's settings by their C names: taken, checked for type, refused
by the library out of range (naming the setting), unknown names refused,
and in effect (a cap on pending deliveries, a CA file in development)."""
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import replicer_hooks as rh  # noqa: E402


class Settings(unittest.TestCase):
    def test_every_setting_is_taken(self):
        with rh.Context(development=True, max_in_flight=16,
                        max_in_flight_per_endpoint=4, max_pending=1000,
                        max_log=10000, max_data_bytes=4096, lease_ms=70000,
                        retention_ms=86400000, idempotency_window_ms=3600000,
                        auto_disable_ms=0, endpoint_refresh_ms=5000,
                        retry_jitter_pct=10, standard_headers=True,
                        allow_cidrs=["10.1.2.0/24", "fd00:1::/64"],
                        proxy="http://127.0.0.1:3128") as ctx:
            self.assertEqual(ctx.endpoints(), [])

    def test_the_settings_hold(self):
        with rh.Context(development=True, max_pending=1,
                        max_data_bytes=64) as ctx:
            ctx.add_endpoint("http://127.0.0.1:9/in", ["*"])
            ctx.emit("a", {})
            with self.assertRaises(rh.Full):
                ctx.emit("a", {})
            with self.assertRaises(rh.Error) as e:
                ctx.emit("b", {"x": "y" * 100})
            self.assertEqual(e.exception.name, "RH_E_TOO_LARGE")

    def test_bad_settings_are_refused_by_name(self):
        with self.assertRaises(TypeError) as e:
            rh.Context(max_inflight=3)
        self.assertIn("max_inflight", str(e.exception))
        with self.assertRaises(TypeError):
            rh.Context(standard_headers=1)
        with self.assertRaises(TypeError):
            rh.Context(allow_cidrs="10.0.0.0/8")  # a list, not a string
        with self.assertRaises(OverflowError):
            rh.Context(max_pending=-1)
        with self.assertRaises(rh.InvalidArgument) as e:
            rh.Context(allow_cidrs=["not a cidr"])
        self.assertEqual(e.exception.arg, "allow_cidrs")
        with self.assertRaises(rh.InvalidArgument) as e:
            rh.Context(retry_jitter_pct=101)
        self.assertEqual(e.exception.arg, "retry_jitter_pct")
        with self.assertRaises(ValueError):
            rh.Context(proxy="http://a\0b")


class ContextCalls(unittest.TestCase):
    def test_batch_stats_and_pause(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d, \
                rh.Context(development=True, store=rh.SQLite(d + "/b.db")) as ctx:
            ctx.add_endpoint("http://127.0.0.1:9/in", ["*"])
            with ctx.batch():
                for i in range(5):
                    ctx.emit("a", {"i": i})
            self.assertEqual(5, len(list(ctx.deliveries(state="pending"))))
            stats = ctx.stats()
            self.assertEqual((5, 5), (stats["events_emitted"], stats["deliveries_queued"]))
            self.assertIn("attempt_ms_sum", stats)
            # an exception in the block: what was emitted is still queued
            with self.assertRaises(KeyError):
                with ctx.batch():
                    ctx.emit("a", {})
                    raise KeyError("host's own")
            self.assertEqual(6, ctx.stats()["events_emitted"])
            with self.assertRaises(rh.StateError):  # no batch within a batch
                with ctx.batch():
                    with ctx.batch():
                        pass
            ctx.pause()
            ctx.tick()
            self.assertEqual(0, ctx.in_flight())  # claims nothing while paused
            ctx.pause(False)
            # the queue as the store holds it: six due, none sent yet
            [total] = ctx.queue_figures()
            self.assertEqual({"key": "", "pending": 6, "due": 6, "in_flight": 0,
                              "failed_recent": 0}, {k: v for k, v in total.items()
                                                    if k != "oldest_due_ms"})
            self.assertGreater(total["oldest_due_ms"], 0)
            [ep] = ctx.queue_figures(group="endpoint")
            self.assertEqual(ctx.endpoints()[0]["id"], ep["key"])
            self.assertEqual(6, ep["pending"])
            self.assertEqual([""], [r["key"] for r in ctx.queue_figures("tenant")])
            with self.assertRaises(ValueError):
                ctx.queue_figures(group="nope")
            with self.assertRaises(rh.InvalidArgument):
                ctx.queue_figures(failed_window_ms=-1)
            with self.assertRaises(TypeError):
                ctx.pause(1)


if __name__ == "__main__":
    unittest.main()
