"""replicer_hooks.aio: a context driven by the asyncio loop's own watch of
its sockets and its timer, with no thread and no polling task."""
import asyncio
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import replicer_hooks as rh  # noqa: E402
from replicer_hooks import aio  # noqa: E402
from test_replicer_hooks import Receiver  # noqa: E402


class AsyncDriving(unittest.TestCase):
    def setUp(self):
        self.rx = Receiver()

    def tearDown(self):
        self.rx.close()

    def test_deliveries_go_from_the_loop(self):
        async def run():
            async with aio.AsyncContext(development=True) as ctx:
                ep, secret = ctx.add_endpoint(self.rx.url, ["order.*"])
                self.rx.secret = secret
                ticks = 0

                async def other_timer():  # the host's own work on the loop
                    nonlocal ticks
                    while True:
                        await asyncio.sleep(0.005)
                        ticks += 1
                beside = asyncio.ensure_future(other_timer())
                self.rx.delay = 0.05  # each answer takes 50 ms
                for i in range(20):
                    ctx.emit("order.paid", {"n": i})
                # the loop does the work: this coroutine only waits
                self.assertTrue(await ctx.idle(timeout=10))
                beside.cancel()
                self.assertEqual(20, len(list(ctx.attempts(status=200))))
                self.assertGreater(ticks, 5)  # the loop was never blocked
            return len(self.rx.requests), all(r["valid"] for r in self.rx.requests)
        self.assertEqual((20, True), asyncio.run(run()))

    def test_idle_gives_up_while_retries_are_due(self):
        async def run():
            async with aio.AsyncContext(development=True) as ctx:
                ctx.add_endpoint("http://127.0.0.1:9/refused", ["*"])
                ctx.emit("order.paid", {})
                return await ctx.idle(timeout=0.3)  # a retry in 5 s
        self.assertFalse(asyncio.run(run()))

    def test_what_a_hook_raises_idle_raises(self):
        seen = []

        def on_attempt(attempt):
            seen.append(attempt["status"])
            raise KeyError("from the hook")

        async def run():
            async with aio.AsyncContext(development=True, on_attempt=on_attempt) as ctx:
                ctx.add_endpoint(self.rx.url, ["*"])
                ctx.emit("order.paid", {})
                with self.assertRaises(KeyError):
                    await ctx.idle(timeout=10)
                # the attempt was stored all the same, and the loop goes on
                self.assertEqual([200], [a["status"] for a in ctx.attempts()])
                ctx.emit("order.paid", {})
                with self.assertRaises(KeyError):
                    await ctx.idle(timeout=10)
        asyncio.run(run())
        self.assertEqual([200, 200], seen)
        self.assertEqual(2, len(self.rx.requests))

    def test_hooks_go_together_and_need_a_loop(self):
        with self.assertRaises(TypeError):
            rh.Context(on_socket=lambda fd, what: None)
        with self.assertRaises(TypeError):
            rh.Context(on_socket=1, on_timer=lambda ms: None)
        with self.assertRaises(RuntimeError):  # no running loop
            aio.AsyncContext(development=True)


if __name__ == "__main__":
    unittest.main()
