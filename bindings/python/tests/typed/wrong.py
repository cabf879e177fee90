"""Uses of replicer_hooks that the stubs must refuse, one to a line, each
marked with the error mypy gives it. tests/bindings/mypy_types.sh runs
mypy --strict --warn-unused-ignores on this file: a line the stubs let
through leaves its ignore unused, which fails the check, and an error of
another kind than the one named is not ignored. Never run (it would fail
at the first line, as each line would at run time)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import replicer_hooks as rh
from replicer_hooks import aio

if TYPE_CHECKING:
    from replicer_hooks import _AttemptRow, _EndpointRow

KEY = b"0123456789abcdef0123456789abcdef"
URL = "https://example.com/in"


def settings() -> None:
    # a flag is True or False: "false" (or 1) is refused at run time too
    rh.Context(development="false")  # type: ignore[arg-type]
    rh.Context(development=1)  # type: ignore[arg-type]
    # the C-named settings are keywords the stub knows by name
    rh.Context(max_inflight=3)  # type: ignore[call-arg]
    # a list is a list or a tuple: a str would be a list of characters
    rh.Context(allow_cidrs="10.0.0.0/8")  # type: ignore[arg-type]
    rh.Context(retry_schedule_ms=[1.5])  # type: ignore[list-item]
    rh.Context(store="hooks.db")  # type: ignore[arg-type]
    rh.Context(timeout_ms="30s")  # type: ignore[arg-type]
    rh.SQLite(None)  # type: ignore[arg-type]
    rh.SQLite("hooks.db", sync_normal="yes")  # type: ignore[arg-type]
    rh.PostgreSQL(None)  # type: ignore[arg-type]


def hooks() -> None:
    def token_is_an_int(endpoint: _EndpointRow) -> int:
        return 1

    def change_is_an_int(endpoint: _EndpointRow, change: int) -> None:
        pass

    def two_arguments(attempt: _AttemptRow, extra: int) -> None:
        pass

    # each hook is called with the row (and change or notice) it is given
    rh.Context(on_attempt=two_arguments)  # type: ignore[arg-type]
    rh.Context(token=token_is_an_int)  # type: ignore[arg-type]
    rh.Context(on_endpoint_state=change_is_an_int)  # type: ignore[arg-type]
    rh.Context(on_failed="print")  # type: ignore[arg-type]
    rh.Context(on_attempt=lambda a: a["statuss"])  # type: ignore[typeddict-item]
    # AsyncContext sets the loop hooks itself and takes keywords only
    aio.AsyncContext(on_socket=lambda fd, what: None)  # type: ignore[call-arg]
    aio.AsyncContext(True)  # type: ignore[misc]


def calls(ctx: rh.Context) -> None:
    ctx.add_endpoint(URL, "order.*")  # type: ignore[arg-type]
    # labels: None removes one in update_endpoint, not in add_endpoint
    ctx.add_endpoint(URL, ["*"], labels={"env": None})  # type: ignore[dict-item]
    ctx.add_endpoint(URL, ["*"], labels=["env=prod"])  # type: ignore[arg-type]
    # data is JSON text or what json.dumps writes
    ctx.emit("order.paid", {"when": object()})  # type: ignore[dict-item]
    ctx.emit("order.paid", {}, idempotency_key=5)  # type: ignore[arg-type]
    ctx.emit("order.paid", {}, hold_on_failure=1)  # type: ignore[arg-type]
    ctx.emit("order.paid", {}, ordering_key=b"o", tenent="t")  # type: ignore[call-arg]
    # emit gives (event_id, deliveries_queued, duplicate)
    event_id, queued = ctx.emit("order.paid", {})  # type: ignore[misc]
    # the log's filters: the library's names, keywords known by name
    ctx.attempts(outcome="timed_out")  # type: ignore[arg-type]
    ctx.deliveries(state="done")  # type: ignore[arg-type]
    ctx.attempts(sate="failed")  # type: ignore[call-arg]
    ctx.deliveries(after=7)  # type: ignore[arg-type]
    ctx.attempts(after="seq-7")  # type: ignore[arg-type]
    # the log is read a page at a time, as it is iterated: no len()
    len(ctx.attempts())  # type: ignore[arg-type]
    ctx.set_event_type_state("order.paid", "gone")  # type: ignore[arg-type]
    # a certificate and its key go together (both None removes them)
    ctx.set_client_cert("ep_1", "cert", None)  # type: ignore[call-overload]
    ctx.set_endpoint_settings("ep_1", retry_schedule_ms="default")  # type: ignore[arg-type]
    ctx.set_endpoint_settings("ep_1", rate_limit="fast")  # type: ignore[arg-type]
    ctx.update_endpoint("ep_1", labels={"env": 3})  # type: ignore[dict-item]
    ctx.define_event_type("order.paid", example={"at": object()})  # type: ignore[dict-item]
    ctx.tick(5)  # type: ignore[call-arg]
    ctx.strict = "yes"  # type: ignore[assignment]
    ctx.pause(1)  # type: ignore[arg-type]
    # batch() is a with-block
    ctx.batch().emit("order.paid", {})  # type: ignore[attr-defined]
    ctx.stats()["events_emitted"] + ""  # type: ignore[operator]
    ctx.queue_figures(group="endpoints")  # type: ignore[arg-type]
    ctx.queue_figures()[0]["inflight"]  # type: ignore[typeddict-item]
    ctx.rotate_secret("ep_1", grace_ms=1.5)  # type: ignore[arg-type]
    ctx.prune()  # type: ignore[call-arg]


def rows(ctx: rh.Context) -> None:
    # rows are dicts with known keys, their enums Literals
    for a in ctx.attempts():
        a.seq  # type: ignore[attr-defined]
        a["status"] + "x"  # type: ignore[operator]
        a["outcome"] == "timed_out"  # type: ignore[comparison-overlap]
        a["response"].decode() + 1  # type: ignore[operator]
    for d in ctx.deliveries():
        d["state"] == "done"  # type: ignore[comparison-overlap]
        d["ordering_key"].upper()  # type: ignore[union-attr]
    ep = ctx.endpoint("ep_1")
    # the schedule is a list, or "the context's"
    schedule_ms: int = ep["retry_schedule_ms"][0]  # type: ignore[assignment]
    ep["disabled_reason"] == "by_host"  # type: ignore[comparison-overlap]
    # the settings, headers and health are in endpoint(id) only
    ctx.endpoints()[0]["timeout_ms"]  # type: ignore[typeddict-item]
    ctx.event_type("order.paid")["example"].upper()  # type: ignore[union-attr]
    ctx.tenant_limits("t")["max_rate"]  # type: ignore[typeddict-item]


def elsewhere(ctx: rh.Context) -> None:
    # sign takes an int timestamp (verify also the header's text)
    rh.sign("whsec_x", "msg_1", "1614265330", b"{}")  # type: ignore[arg-type]
    rh.verify("whsec_x", "msg_1", 1, "v1,x", None)  # type: ignore[arg-type]
    rh.mint_portal_link(KEY, "t", caps=["admin"])  # type: ignore[list-item]
    rh.mint_portal_link(KEY, "t", caps="view")  # type: ignore[arg-type]
    rh.verify_portal_token(KEY, "token")["sub"]  # type: ignore[typeddict-item]
    rh.Portal(ctx, KEY, insecure_cookie="yes")  # type: ignore[arg-type]
    rh.Portal(ctx, KEY).handle("GET", "/x", headers={"Cookie": 1})  # type: ignore[arg-type]
    rh.Error("boom")  # type: ignore[arg-type]
    rh.RH_NO_SUCH_CONSTANT  # type: ignore[attr-defined]
    rh.version()  # type: ignore[operator]
    rh.is_test_event(None)  # type: ignore[arg-type]


async def loop() -> None:
    async with aio.AsyncContext(development=True) as ctx:
        # idle() is awaited
        idle: bool = ctx.idle()  # type: ignore[assignment, misc]
        await ctx.idle(timeout="10s")  # type: ignore[arg-type]
    try:
        pass
    except rh.Error as e:
        # a refusal is one of the library's names
        e.refusal == "privat_address"  # type: ignore[comparison-overlap]
        e.code + ""  # type: ignore[operator]
