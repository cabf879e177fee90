"""The Emitter from Python threads: every emit durable and delivered once,
emits of threads at once sharing commits, each thread's errors its own, and
what the emitter refuses (the memory store, a closed emitter)."""
import os
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from test_replicer_hooks import Receiver  # noqa: E402

import replicer_hooks as rh  # noqa: E402

THREADS, EMITS = 16, 40


class Threads(unittest.TestCase):
    def setUp(self):
        self.receiver = Receiver()
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "hooks.db")

    def tearDown(self):
        self.receiver.close()
        self.dir.cleanup()

    def test_threads_emit_into_one_store_and_a_worker_delivers(self):
        worker = rh.Context(development=True, store=rh.SQLite(self.path))
        _, self.receiver.secret = worker.add_endpoint(self.receiver.url, ["load.*"])
        ids, errors = [], []

        def emit_some(em, thread):
            for n in range(EMITS):
                try:
                    evt, queued, dup = em.emit("load.test", {"thread": thread, "n": n},
                                               ordering_key="t%d" % thread)
                    ids.append(evt)
                    if (queued, dup) != (1, False):
                        errors.append((queued, dup))
                except rh.Error as e:
                    errors.append(e)

        emitting = rh.Context(development=True, store=rh.SQLite(self.path))
        with rh.Emitter(emitting) as em:
            threads = [threading.Thread(target=emit_some, args=(em, t))
                       for t in range(THREADS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            counts = em.counts()
            # the same key again, from this thread: nothing more is queued
            first = em.emit("load.once", {}, idempotency_key="k-1")
            again = em.emit("load.once", {}, idempotency_key="k-1")
        emitting.close()
        self.assertEqual([], errors)
        self.assertEqual(THREADS * EMITS, len(set(ids)))
        self.assertEqual(THREADS * EMITS, counts["emits"])
        self.assertLess(counts["commits"], counts["emits"])  # groups were made
        self.assertGreater(counts["largest_group"], 1)
        self.assertEqual((first[0], 0, True), again)
        self.assertTrue(worker.run_until_idle(60))
        worker.close()
        got = self.receiver.requests
        self.assertEqual(THREADS * EMITS + 1, len(got))
        self.assertTrue(all(r["valid"] for r in got))
        for thread in range(THREADS):  # each thread's events in its order
            ns = [r["body"]["data"]["n"] for r in got
                  if r["body"]["data"].get("thread") == thread]
            self.assertEqual(list(range(EMITS)), ns)

    def test_each_threads_error_is_its_own(self):
        ctx = rh.Context(development=True, store=rh.SQLite(self.path))
        ctx.add_endpoint(self.receiver.url, ["*"])
        results = {}

        def emit(name, data):
            try:
                results[name] = em.emit("a.b", data)
            except rh.Error as e:
                results[name] = e

        with rh.Emitter(ctx) as em:
            threads = [threading.Thread(target=emit, args=("good%d" % i, {"i": i}))
                       for i in range(8)]
            threads.append(threading.Thread(target=emit, args=("bad", "[1, 2")))
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            with self.assertRaises(rh.InvalidArgument) as e:
                em.emit("no spaces allowed", {})
            self.assertEqual("event_type", e.exception.arg)
        bad = results.pop("bad")
        self.assertIsInstance(bad, rh.InvalidArgument)
        self.assertEqual(("data", "malformed"), (bad.arg, bad.refusal))
        self.assertTrue(all(r[1] == 1 for r in results.values()), results)
        with self.assertRaises(rh.StateError):
            em.emit("a.b", {})
        ctx.close()

    def test_the_lent_context_is_refused_until_the_emitter_closes(self):
        ctx = rh.Context(development=True, store=rh.SQLite(self.path))
        ctx.add_endpoint(self.receiver.url, ["*"])
        em = rh.Emitter(ctx)
        with self.assertRaises(rh.StateError):
            rh.Emitter(ctx)  # a second leader on the same context
        with self.assertRaises(rh.StateError):
            ctx.emit("a.b", {})  # its threads would share the context
        with self.assertRaises(rh.StateError):
            ctx.close()
        self.assertEqual(1, em.emit("a.b", {})[1])
        em.close()
        em.close()
        self.assertEqual(1, ctx.emit("a.b", {})[1])  # given back
        with self.assertRaises(rh.StateError):
            em.counts()
        ctx.close()

    def test_the_memory_store_is_refused(self):
        with rh.Context(development=True) as ctx:
            with self.assertRaises(rh.Error) as e:
                rh.Emitter(ctx)
            self.assertEqual(rh.RH_E_UNSUPPORTED, e.exception.code)
            self.assertIn("memory store", e.exception.message)

    @unittest.skipUnless(os.environ.get("RH_TEST_PG"), "no PostgreSQL test cluster")
    def test_postgresql(self):
        store = rh.PostgreSQL(os.environ["RH_TEST_PG"], "pyem_%d" % os.getpid())
        with rh.Context(development=True, store=store) as ctx:
            ctx.add_endpoint(self.receiver.url, ["*"])
            with rh.Emitter(ctx) as em:
                threads = [threading.Thread(target=em.emit, args=("a.b", {"i": i}))
                           for i in range(16)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                self.assertEqual(16, em.counts()["emits"])
            self.assertTrue(ctx.run_until_idle())
        self.assertEqual(16, len(self.receiver.requests))


if __name__ == "__main__":
    unittest.main()
