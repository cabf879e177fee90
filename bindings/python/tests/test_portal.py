"""The portal through the Python binding: a link minted here verifies with
PyJWT (Debian's python3-jwt), a token PyJWT mints opens the portal, and a
tenant's session sees its own endpoints only; bad input refused."""
import json
import sys
import threading
import unittest
import urllib.request
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import replicer_hooks as rh  # noqa: E402
from replicer_hooks import portal_wsgi  # noqa: E402

try:
    import jwt  # PyJWT: a standard JWT library, as a host would use
except ImportError:
    jwt = None

KEY = b"0123456789abcdef0123456789abcdef"


class Portal(unittest.TestCase):
    def setUp(self):
        self.ctx = rh.Context(development=True)
        self.a, _ = self.ctx.add_endpoint("http://127.0.0.1:9/a", ["*"], tenant="acct_a")
        self.b, _ = self.ctx.add_endpoint("http://127.0.0.1:9/b", ["*"], tenant="acct_b")
        self.portal = rh.Portal(self.ctx, KEY, base="/webhooks", insecure_cookie=True)

    def tearDown(self):
        self.portal.close()
        self.ctx.close()

    def test_link_session_and_scope(self):
        token = rh.mint_portal_link(KEY, "acct_a", caps=["view", "manage"], ttl_s=600)
        self.assertEqual(rh.verify_portal_token(KEY, token)["tenant"], "acct_a")
        status, headers, _ = self.portal.handle("GET", "/webhooks/login",
                                                "token=" + token)
        self.assertEqual(status, 303)
        cookie = dict(headers)["Set-Cookie"].split(";")[0]
        status, _, body = self.portal.handle("GET", "/webhooks/api/v1/endpoints",
                                             headers={"Cookie": cookie})
        self.assertEqual(status, 200)
        ids = [e["id"] for e in json.loads(body)["endpoints"]]
        self.assertEqual(ids, [self.a])
        status, _, _ = self.portal.handle(
            "GET", "/webhooks/api/v1/endpoints/" + self.b, headers={"Cookie": cookie})
        self.assertEqual(status, 404)

    @unittest.skipUnless(jwt, "PyJWT missing: apt install python3-jwt")
    def test_standard_jwt_both_ways(self):
        token = rh.mint_portal_link(KEY, "acct_a", caps=["view"])
        claims = jwt.decode(token, KEY, algorithms=["HS256"],
                            audience="replicer-hooks-portal")
        self.assertEqual((claims["sub"], claims["rh_caps"]), ("acct_a", ["view"]))
        theirs = jwt.encode({"aud": "replicer-hooks-portal", "sub": "acct_b",
                             "exp": claims["exp"], "rh_caps": ["view"]}, KEY,
                            algorithm="HS256")
        status, _, body = self.portal.handle(
            "GET", "/webhooks/api/v1/endpoints",
            headers={"Authorization": "Bearer " + theirs})
        self.assertEqual(status, 200)
        self.assertEqual([e["id"] for e in json.loads(body)["endpoints"]], [self.b])
        forged = jwt.encode({"aud": "replicer-hooks-portal", "sub": "acct_b",
                             "exp": claims["exp"], "rh_caps": ["view"]},
                            b"x" * 32, algorithm="HS256")
        with self.assertRaises(rh.Error) as e:
            rh.verify_portal_token(KEY, forged)
        self.assertEqual(e.exception.code, rh.RH_E_SIGNATURE)

    def test_mounted_in_a_wsgi_server(self):
        class Quiet(WSGIRequestHandler):
            def log_message(self, *args):
                pass

        server = make_server("127.0.0.1", 0, portal_wsgi.application(self.portal),
                             handler_class=Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = "http://127.0.0.1:%d" % server.server_address[1]

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args):
                return None
        opener = urllib.request.build_opener(NoRedirect)
        try:
            token = rh.mint_portal_link(KEY, "acct_a", caps=["view"], ttl_s=60)
            try:
                opener.open(base + "/webhooks/login?token=" + token)
                self.fail("the login redirects")
            except urllib.error.HTTPError as e:
                self.assertEqual(e.code, 303)
                cookie = e.headers["Set-Cookie"].split(";")[0]
            req = urllib.request.Request(base + "/webhooks/api/v1/endpoints",
                                         headers={"Cookie": cookie})
            with opener.open(req) as r:
                ids = [e["id"] for e in json.loads(r.read())["endpoints"]]
            self.assertEqual(ids, [self.a])
        finally:
            server.shutdown()
            server.server_close()

    def test_a_sealed_store_opens_with_its_key(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            seal = bytes(range(32))
            with rh.Context(development=True, store=rh.SQLite(d + "/s.db"),
                            sealing_key=seal) as ctx:
                ctx.add_endpoint("http://127.0.0.1:9/x", ["*"], tenant="t")
            with self.assertRaises(rh.Error) as e:
                rh.Context(development=True, store=rh.SQLite(d + "/s.db"))
            self.assertEqual(e.exception.code, rh.RH_E_CRYPTO)
            with rh.Context(development=True, store=rh.SQLite(d + "/s.db"),
                            sealing_key=seal) as ctx:
                self.assertEqual(len(ctx.endpoints()), 1)
            with self.assertRaises(rh.Error):
                rh.Context(development=True, sealing_key=b"short")

    def test_bad_input(self):
        with self.assertRaises(ValueError):
            rh.mint_portal_link(KEY, "acct_a", caps=["admin"])
        with self.assertRaises(rh.Error):
            rh.mint_portal_link(b"short", "acct_a")
        with self.assertRaises(TypeError):
            self.portal.handle("GET", 7)
        with self.assertRaises(rh.Error):
            rh.Portal(self.ctx, KEY, base="no-slash")


if __name__ == "__main__":
    unittest.main()
