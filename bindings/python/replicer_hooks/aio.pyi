# Type stub of replicer_hooks.aio (see __init__.pyi): AsyncContext takes
# Context's arguments by keyword, except on_socket and on_timer, which it
# sets itself to hand the library's sockets and timer to the running loop.
from typing_extensions import Self

from . import (
    Context, SQLite, PostgreSQL, _Bytes, _Ints, _OnAttempt, _OnEndpointState,
    _OnEventType, _OnFailed, _Path, _Text, _Texts, _Token,
)


class AsyncContext(Context):
    def __init__(
        self,
        *,
        development: bool = ...,
        store: SQLite | PostgreSQL | None = ...,
        timeout_ms: int | None = ...,
        retry_schedule_ms: _Ints | None = ...,
        idle_connections: int | None = ...,
        tenant_required: bool = ...,
        max_in_flight_per_tenant: int | None = ...,
        sealing_key: _Bytes | None = ...,
        http_version: int | None = ...,
        on_failed: _OnFailed | None = ...,
        on_attempt: _OnAttempt | None = ...,
        on_endpoint_state: _OnEndpointState | None = ...,
        on_event_type: _OnEventType | None = ...,
        token: _Token | None = ...,
        max_in_flight: int = ...,
        max_in_flight_per_endpoint: int = ...,
        max_pending: int = ...,
        max_log: int = ...,
        max_data_bytes: int = ...,
        lease_ms: int = ...,
        retention_ms: int = ...,
        idempotency_window_ms: int = ...,
        auto_disable_ms: int = ...,
        endpoint_refresh_ms: int = ...,
        retry_jitter_pct: int = ...,
        standard_headers: bool = ...,
        ca_file: _Path = ...,
        proxy: _Text = ...,
        allow_cidrs: _Texts = ...,
    ) -> None: ...
    # True once nothing is pending or in flight; False when timeout
    # (seconds) runs out first
    async def idle(self, timeout: float | None = None) -> bool: ...
    def close(self) -> None: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: object) -> None: ...
