"""The replicer_hooks API used as its type stubs allow, checked by
mypy --strict and run against the library by tests/bindings/mypy_types.sh
(so what it shows is what the package does): hooks, settings, the log,
the catalog, one endpoint, tenants, signing, the portal, asyncio, errors.
It delivers to a port nobody listens on: every attempt fails at once."""
from __future__ import annotations

import asyncio
import io
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import replicer_hooks as rh
from replicer_hooks import aio, portal_wsgi

if TYPE_CHECKING:  # names of the stubs only, for annotations
    from replicer_hooks import (
        _AttemptRow, _DeliveryRow, _EndpointChange, _EndpointRow,
        _EventTypeNotice, _Outcome,
    )

KEY = b"0123456789abcdef0123456789abcdef"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
URL = "http://127.0.0.1:9/in"  # the discard port: refused at once


class Journal:
    """What the hooks heard."""

    def __init__(self) -> None:
        self.failed: list[_DeliveryRow] = []
        self.attempts: list[_AttemptRow] = []
        self.changes: list[tuple[str, _EndpointChange]] = []
        self.notices: list[tuple[str, _EventTypeNotice]] = []

    def on_failed(self, delivery: _DeliveryRow) -> None:
        self.failed.append(delivery)

    def on_attempt(self, attempt: _AttemptRow) -> None:
        self.attempts.append(attempt)

    def on_endpoint_state(self, endpoint: _EndpointRow, change: _EndpointChange) -> None:
        self.changes.append((endpoint["id"], change))

    def on_event_type(self, name: str, notice: _EventTypeNotice) -> None:
        self.notices.append((name, notice))

    @staticmethod
    def token(endpoint: _EndpointRow) -> tuple[str, int] | None:
        name = endpoint["name"]
        return None if name is None else ("tok-" + name, 0)


def signing() -> None:
    body = b'{"test": 2432232314}'
    sig = rh.sign(SECRET, MSG_ID, 1614265330, body)
    assert sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert rh.verify(SECRET, MSG_ID, "1614265330", sig, body, now=1614265330)
    assert not rh.verify(SECRET, MSG_ID, 1614265330, sig, bytearray(body),
                         now=1614265330 + 301, tolerance=300)
    assert rh.version.startswith("%d.%d." % (rh.RH_VERSION_MAJOR, rh.RH_VERSION_MINOR))
    assert rh.__version__ == rh.version
    assert rh.ERROR_NAMES[rh.RH_E_NOT_FOUND] == "RH_E_NOT_FOUND"


def failures(attempts: Iterable[_AttemptRow]) -> dict[_Outcome, int]:
    out: dict[_Outcome, int] = {}
    for a in attempts:
        if not a["success"]:
            out[a["outcome"]] = out.get(a["outcome"], 0) + 1
    return out


def sending(path: str) -> None:
    heard = Journal()
    with rh.Context(development=True, store=rh.SQLite(path, sync_normal=True),
                    timeout_ms=2000, retry_schedule_ms=[], idle_connections=4,
                    max_in_flight_per_tenant=8, http_version=rh.RH_HTTP_VERSION_1_1,
                    on_failed=heard.on_failed, on_attempt=heard.on_attempt,
                    on_endpoint_state=heard.on_endpoint_state,
                    on_event_type=heard.on_event_type, token=Journal.token,
                    max_in_flight=16, max_pending=1000, lease_ms=70000,
                    retry_jitter_pct=10, standard_headers=True,
                    allow_cidrs=["10.1.2.0/24"], auto_disable_ms=0) as ctx:
        ep, secret = ctx.add_endpoint(URL, ["order.*"], tenant="acct_a", name="Orders",
                                      description="the shop", labels={"env": "prod"})
        assert secret.startswith("whsec_")
        ctx.update_endpoint(ep, events=("order.*", "user.*"), labels={"env": None},
                            http_version=rh.RH_HTTP_VERSION_DEFAULT)
        row: _EndpointRow = ctx.endpoints(tenant="acct_a")[0]
        assert (row["events"], row["labels"], row["mode"]) == (
            ["order.*", "user.*"], {}, "development")

        ctx.define_event_type("order.paid", description="Paid.", group="billing",
                              example={"order": "o_1", "total": 19.99},
                              schema={"type": "object"})
        ctx.set_event_type_state("order.paid", "deprecated")
        evt, queued, duplicate = ctx.emit(
            "order.paid", {"order": "o_1", "lines": [1, 2.5, None, True]},
            idempotency_key="o_1-paid", ordering_key="o_1", hold_on_failure=True,
            tenant="acct_a")
        with ctx.batch() as batch:  # no idempotency key in a batch (StateError)
            batch.emit("order.paid", '{"order":"o_2"}', endpoint=ep, tenant="acct_a")
        assert (queued, duplicate) == (1, False) and evt.startswith("evt_")
        assert heard.notices == [("order.paid", "deprecated_emitted")]  # once a context
        assert ctx.run_until_idle(timeout_s=10)
        while ctx.tick() > 0 or ctx.in_flight():
            ctx.wait(max_ms=50)
        assert ctx.next_timeout_ms() < 0

        assert failures(ctx.attempts(tenant="acct_a")) == {"connect": 2}
        assert [a["number"] for a in heard.attempts] == [1, 1]
        first = next(ctx.attempts(outcome="connect", status=0, page=1))
        assert list(ctx.attempts(after=first["seq"], event=evt)) == []
        failed = list(ctx.deliveries(state="failed", failed_only=True, since_ms=0))
        assert [d["id"] for d in failed] == [d["id"] for d in heard.failed]
        assert list(ctx.deliveries(after=failed[0], event_type="order.*")) == failed[1:]
        last = failed[-1]
        assert list(ctx.deliveries(after=(last["created_ms"], last["id"]))) == []
        held = [d["id"] for d in failed if d["ordering_key"] == "o_1"]
        ctx.skip(held[0])  # its key goes on without it
        assert ctx.recover(endpoint=ep, event_type="order.*", tenant="acct_a") == 2
        ctx.pause()
        ctx.pause(False)
        assert ctx.stats()["events_emitted"] == 2
        for fig in ctx.queue_figures(group="endpoint", failed_window_ms=600000):
            backlog: int = fig["pending"] + fig["due"] + fig["in_flight"]
            assert backlog >= 0 and fig["key"] and fig["oldest_due_ms"] >= 0

        ctx.set_endpoint_settings(ep, timeout_ms=1500, max_in_flight=3, rate_limit=2.5,
                                  retry_schedule_ms=[1000, 5000])
        ctx.set_header(ep, "X-Team", "billing")
        details = ctx.endpoint(ep)
        schedule = details["retry_schedule_ms"]
        assert schedule != "the context's" and sum(schedule) == 6000
        assert details["headers"] == {"X-Team": "billing"}
        ctx.set_endpoint_settings(ep, retry_schedule_ms="the context's")
        ctx.set_header(ep, "X-Team")
        ctx.pause_endpoint(ep)
        ctx.resume_endpoint(ep)
        assert ctx.rotate_secret(ep, grace_ms=0) != secret
        assert ctx.recover_endpoint(ep, since_ms=0) == 0
        ctx.disable_endpoint(ep)
        assert ctx.endpoint(ep)["disabled_reason"] == "host"
        ctx.enable_endpoint(ep)
        assert (ep, "enabled") in heard.changes

        ctx.strict = True
        assert ctx.strict
        assert ctx.import_catalog(json.loads(ctx.export_catalog())) == 0
        assert [t["name"] for t in ctx.event_types(group="billing", archived=False)] == [
            "order.paid"]
        assert ctx.event_type("order.paid")["state"] == "deprecated"
        assert rh.is_test_event(ctx.send_example(ep, "order.paid"))
        ctx.set_tenant_limits("acct_a", max_endpoints=5, rate=10)
        assert ctx.tenant_limits("acct_a")["max_endpoints"] == 5
        assert ctx.prune(older_than_ms=0, tenant="acct_a", max=100) >= 0
        ctx.update_endpoint(ep, url=URL + "/v2", name="Orders v2", description="")
        assert ctx.remove_tenant("acct_a") == 1
        other, _ = ctx.add_endpoint(URL, ["*"], secret=SECRET)
        ctx.set_client_cert(other, None, None)
        ctx.remove_endpoint(other)


def errors() -> None:
    with rh.Context() as ctx:  # production: HTTPS to public hosts only
        try:
            ctx.add_endpoint("http://example.com/in", ["*"])
            raise AssertionError("http:// in production")
        except rh.InvalidArgument as e:
            assert (e.code, e.name, e.arg) == (rh.RH_E_INVALID_ARG, "RH_E_INVALID_ARG", "url")
            assert e.refusal == "insecure_scheme" and e.message
        try:
            ctx.resend("dlv_nobody", tenant="acct_a")
            raise AssertionError("resent nothing")
        except rh.NotFound as e:
            assert isinstance(e, LookupError) and e.code == rh.RH_E_NOT_FOUND
            assert (e.arg, e.refusal) == ("delivery_id", "unknown_id")
    err = rh.Error(rh.RH_E_FULL)
    assert isinstance(err, rh.Full) and not isinstance(err, rh.StateError)
    for kind in (rh.StorageError, rh.StateError):
        assert issubclass(kind, rh.Error)


def portal(ctx: rh.Context) -> None:
    ctx.add_endpoint(URL, ["*"], tenant="acct_a")
    token = rh.mint_portal_link(KEY, "acct_a", caps=["view", "manage"], ttl_s=600)
    claims = rh.verify_portal_token(KEY, token)
    assert (claims["tenant"], claims["caps"]) == ("acct_a", ["view", "manage"])
    assert claims["expires_s"] > 0
    assert rh.mint_portal_link(KEY, None, caps=("operator",), now_s=0)
    with rh.Portal(ctx, KEY, base="/webhooks", insecure_cookie=True) as p:
        status, headers, _ = p.handle("GET", "/webhooks/login", "token=" + token)
        assert status == 303
        cookie = dict(headers)["Set-Cookie"].split(";")[0]
        status, _, body = p.handle("GET", "/webhooks/api/v1/endpoints",
                                   headers={"Cookie": cookie}, body=None)
        assert (status, len(json.loads(body)["endpoints"])) == (200, 1)
        app = portal_wsgi.application(p)
        seen: list[str] = []

        def start_response(status: str, headers: list[tuple[str, str]],
                           exc_info: object = None) -> Callable[[bytes], object]:
            seen.append(status)
            return lambda data: None
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/webhooks/api/v1/endpoints",
                   "HTTP_COOKIE": cookie, "wsgi.input": io.BytesIO()}
        out = app(environ, start_response)
        assert seen == ["200 OK"] and json.loads(b"".join(out))["endpoints"]


async def from_asyncio() -> bool:
    async with aio.AsyncContext(development=True, retry_schedule_ms=[]) as ctx:
        ctx.add_endpoint(URL, ["*"])
        ctx.emit("order.paid", {"order": "o_1"})
        return await ctx.idle(timeout=10)


def main() -> None:
    signing()
    with tempfile.TemporaryDirectory() as d:
        sending(os.path.join(d, "hooks.db"))
    errors()
    with rh.Context(development=True) as ctx:
        portal(ctx)
    assert asyncio.run(from_asyncio())
    if os.environ.get("RH_TEST_PG"):
        rh.PostgreSQL(os.environ["RH_TEST_PG"], schema="typed_example").close()
    print("example: ok", file=sys.stderr)


if __name__ == "__main__":
    main()
