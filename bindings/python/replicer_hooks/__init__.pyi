# Type stub of the replicer_hooks package, for mypy and editors: the public
# API as the modules beside it build it (Context gathers the methods of
# _catalog, _endpoint_ops, _context_ops and _log; hooks are in _hooks). The
# row dicts are TypedDicts and the string enums Literals; their names start
# with "_" because they exist for the checker only (none is in the package
# at run time): annotate with them under `if typing.TYPE_CHECKING:`.
# Checked by tests/bindings/mypy_types.sh (mypy --strict over
# tests/typed/, and stubtest against the imported package).
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Literal, TypedDict, overload

# typing_extensions: the stubs serve Python 3.9 (pyproject.toml) as well
from typing_extensions import Self, TypeAlias

# --- what the arguments take (_args.py) ---
# a string for C: str (UTF-8) or bytes, without NUL
_Text: TypeAlias = str | bytes
# bytes passed with their length (sign, verify, keys): str or bytes-like
_Bytes: TypeAlias = str | bytes | bytearray | memoryview
# a file path: str, bytes or os.PathLike
_Path: TypeAlias = str | bytes | os.PathLike[str] | os.PathLike[bytes]
# a list of strings: a list or a tuple (a str is refused, not iterated)
_Texts: TypeAlias = list[str] | list[bytes] | list[str | bytes] | tuple[str | bytes, ...]
# a list of ints (milliseconds): a list or a tuple
_Ints: TypeAlias = list[int] | tuple[int, ...]
# what json.dumps writes: event data, an example, a schema, a catalog
_JSON: TypeAlias = (
    None | bool | int | float | str | Sequence["_JSON"] | Mapping[str, "_JSON"]
)
# JSON text (str or bytes, sent as given), or a dict or list to write as JSON
_JSONDoc: TypeAlias = _Bytes | Mapping[str, _JSON] | Sequence[_JSON]

# --- the names the library gives (its *_name() calls) ---
_Outcome: TypeAlias = Literal[
    "ok", "http_status", "timeout", "connect", "dns", "tls", "blocked",
    "too_large", "reset", "other", "bad_response",
]
_DeliveryState: TypeAlias = Literal["pending", "in_flight", "succeeded", "failed"]
_EndpointChange: TypeAlias = Literal[
    "disabled", "enabled", "recovered", "failing", "paused", "resumed", "held"
]
# "unknown": a notice of a newer library than the binding knows
_EventTypeNotice: TypeAlias = Literal["deprecated_emitted", "unknown"]
_EventTypeState: TypeAlias = Literal["active", "deprecated", "archived"]
_DefineResult: TypeAlias = Literal["created", "updated", "unchanged"]
_DisabledReason: TypeAlias = Literal["host", "gone", "failing"]
_Mode: TypeAlias = Literal["development", "production"]
_Refusal: TypeAlias = Literal[
    "malformed", "insecure_scheme", "private_address", "too_large",
    "unknown_id", "tenant_required", "unknown_event_type",
    "no_matching_event_type",
]
_PortalCap: TypeAlias = Literal["view", "manage", "resend", "operator"]
# set_endpoint_settings and endpoint(): the context's retry schedule
_ContextsSchedule: TypeAlias = Literal["the context's"]


# --- the rows (every key the binding builds) ---
class _AttemptRow(TypedDict):
    seq: int  # 0 in on_attempt: the store numbers the row after the hook
    delivery_id: str
    endpoint_id: str
    event_id: str
    event_type: str
    number: int
    started_ms: int
    duration_ms: int
    status: int
    success: bool
    outcome: _Outcome
    error: str  # "" when none
    tenant: str | None
    response: bytes  # the start of the receiver's answer
    traceparent: str  # what it sent (on_attempt); "" in the log, or none


class _DeliveryRow(TypedDict):
    id: str
    event_id: str
    endpoint_id: str
    event_type: str
    state: _DeliveryState
    attempts: int
    next_attempt_ms: int
    created_ms: int
    updated_ms: int
    ordering_key: str | None
    tenant: str | None


class _EndpointRow(TypedDict):
    id: str
    url: str
    events: list[str]
    enabled: bool
    paused: bool
    tenant: str | None
    http_version: int  # an RH_HTTP_VERSION_* value
    mode: _Mode
    labels: dict[str, str]
    name: str | None
    description: str | None


class _EndpointDetails(_EndpointRow):
    timeout_ms: int
    max_in_flight: int
    rate_limit: float
    retry_schedule_ms: list[int] | _ContextsSchedule
    headers: dict[str, str]
    created_ms: int
    disabled_reason: _DisabledReason | None  # None while enabled
    last_success_ms: int
    failing_since_ms: int
    failed_in_a_row: int
    has_client_cert: bool


class _EventTypeRow(TypedDict):
    name: str
    description: str  # "" when none
    group: str  # the name up to its first dot when none was given
    example: str | None  # JSON text
    schema: str | None  # JSON text
    state: _EventTypeState
    updated_ms: int


class _AttemptRequest(TypedDict):
    headers: list[tuple[str, str]]
    body: bytes


class _QueueFiguresRow(TypedDict):
    key: str
    pending: int
    due: int
    in_flight: int
    failed_recent: int
    oldest_due_ms: int

class _TenantLimits(TypedDict):
    max_endpoints: int
    max_pending: int
    max_in_flight: int
    rate: int


class _PortalClaims(TypedDict):
    tenant: str | None
    caps: list[_PortalCap]
    expires_s: int


# --- the hooks ---
_OnFailed: TypeAlias = Callable[[_DeliveryRow], object]
_OnAttempt: TypeAlias = Callable[[_AttemptRow], object]
_OnEndpointState: TypeAlias = Callable[[_EndpointRow, _EndpointChange], object]
_OnEventType: TypeAlias = Callable[[str, _EventTypeNotice], object]
# a bearer token, (token, expires_ms), or None: this endpoint needs none
_Token: TypeAlias = Callable[[_EndpointRow], str | tuple[_Text, int] | None]
# an event loop's: on_socket(fd, RH_POLL_* bits), on_timer(ms; < 0: no timer)
_OnSocket: TypeAlias = Callable[[int, int], object]
_OnTimer: TypeAlias = Callable[[int], object]

__version__: str
version: str
ERROR_NAMES: dict[int, str]


class Error(Exception):
    code: int
    name: str
    message: str
    arg: str | None
    refusal: _Refusal | None
    def __new__(
        cls, code: int = -100, message: str = "", arg: str | None = None,
        refusal: _Refusal | None = None,
    ) -> Self: ...
    def __init__(
        self, code: int, message: str = "", arg: str | None = None,
        refusal: _Refusal | None = None,
    ) -> None: ...


class InvalidArgument(Error, ValueError): ...
class NotFound(Error, LookupError): ...
class StorageError(Error): ...
class Full(Error): ...
class StateError(Error): ...


class _StoreBase:
    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...

class SQLite(_StoreBase):
    def __init__(self, path: _Path, sync_normal: bool = False) -> None: ...
    def close(self) -> None: ...


class PostgreSQL(_StoreBase):
    def __init__(self, conninfo: _Text, schema: _Text | None = None) -> None: ...
    def close(self) -> None: ...


def sign(secret: _Text, msg_id: _Text, timestamp: int, body: _Bytes) -> str: ...
def verify(
    secret: _Text, msg_id: _Text, timestamp: int | _Text, signature: _Text,
    body: _Bytes, now: int | None = None, tolerance: int | None = None,
) -> bool: ...
def is_test_event(event_id: _Text) -> bool: ...
def mint_portal_link(
    key: _Bytes, tenant: _Text | None,
    caps: list[_PortalCap] | tuple[_PortalCap, ...] = ("view",), ttl_s: int = 600,
    now_s: int | None = None,
) -> str: ...
def verify_portal_token(key: _Bytes, token: _Text, now_s: int | None = None) -> _PortalClaims: ...


class Context:
    def __init__(
        self,
        development: bool = False,
        store: SQLite | PostgreSQL | None = None,
        timeout_ms: int | None = None,
        retry_schedule_ms: _Ints | None = None,
        idle_connections: int | None = None,
        tenant_required: bool = False,
        max_in_flight_per_tenant: int | None = None,
        sealing_key: _Bytes | None = None,
        http_version: int | None = None,
        on_socket: _OnSocket | None = None,
        on_timer: _OnTimer | None = None,
        on_failed: _OnFailed | None = None,
        on_attempt: _OnAttempt | None = None,
        on_endpoint_state: _OnEndpointState | None = None,
        on_event_type: _OnEventType | None = None,
        token: _Token | None = None,
        *,
        # the other settings, by their C names (_config.SETTINGS)
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
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...

    # endpoints
    def add_endpoint(
        self, url: _Text, events: _Texts, tenant: _Text | None = None,
        name: _Text | None = None, description: _Text | None = None,
        labels: dict[str, str] | None = None, secret: _Text | None = None,
    ) -> tuple[str, str]: ...
    def update_endpoint(
        self, endpoint_id: _Text, url: _Text | None = None,
        events: _Texts | None = None, name: _Text | None = None,
        description: _Text | None = None,
        # a dict at run time: a value of None removes that label
        labels: Mapping[str, str | None] | None = None,
        http_version: int | None = None,
    ) -> None: ...
    def endpoints(self, tenant: _Text | None = None) -> list[_EndpointRow]: ...
    @overload
    def set_client_cert(self, endpoint_id: _Text, cert_pem: _Text, key_pem: _Text) -> None: ...
    @overload
    def set_client_cert(self, endpoint_id: _Text, cert_pem: None, key_pem: None) -> None: ...
    def remove_tenant(self, tenant: _Text) -> int: ...
    def disable_endpoint(self, endpoint_id: _Text) -> None: ...
    def enable_endpoint(self, endpoint_id: _Text) -> None: ...
    def remove_endpoint(self, endpoint_id: _Text) -> None: ...

    # emit: (event_id, deliveries_queued, duplicate)
    def emit(
        self, event_type: _Text, data: _JSONDoc, idempotency_key: _Text | None = None,
        ordering_key: _Text | None = None, hold_on_failure: bool = False,
        endpoint: _Text | None = None, tenant: _Text | None = None,
        traceparent: _Text | None = None, tracestate: _Text | None = None,
    ) -> tuple[str, int, bool]: ...

    # driving: tick() gives how many attempts finished (RH_E_STORAGE, not
    # raised, for a storage hiccup); next_timeout_ms() < 0: nothing to do
    def tick(self) -> int: ...
    def next_timeout_ms(self) -> int: ...
    def wait(self, max_ms: int = 1000) -> None: ...
    def in_flight(self) -> int: ...
    def run_until_idle(self, timeout_s: float = 30.0) -> bool: ...
    def resend(self, delivery_id: _Text, tenant: _Text | None = None) -> None: ...
    def skip(self, delivery_id: _Text) -> None: ...

    # the catalog and a tenant's limits (_catalog.CatalogMixin)
    def define_event_type(
        self, name: _Text, description: _Text | None = None, group: _Text | None = None,
        example: _JSONDoc | None = None, schema: _JSONDoc | None = None,
    ) -> _DefineResult: ...
    def event_type(self, name: _Text) -> _EventTypeRow: ...
    def event_types(self, group: _Text | None = None, archived: bool = False) -> list[_EventTypeRow]: ...
    def set_event_type_state(self, name: _Text, state: _EventTypeState) -> None: ...
    @property
    def strict(self) -> bool: ...
    @strict.setter
    def strict(self, on: bool) -> None: ...
    def import_catalog(self, document: _JSONDoc) -> int: ...
    def export_catalog(self) -> str: ...
    def send_example(self, endpoint_id: _Text, event_type: _Text) -> str: ...
    def set_tenant_limits(
        self, tenant: _Text, max_endpoints: int | None = None,
        max_pending: int | None = None, max_in_flight: int | None = None,
        rate: int | None = None,
    ) -> None: ...
    def tenant_limits(self, tenant: _Text) -> _TenantLimits: ...
    def prune(self, older_than_ms: int, tenant: _Text | None = None, max: int = 1000) -> int: ...

    # one endpoint (_endpoint_ops.EndpointOpsMixin)
    def pause_endpoint(self, endpoint_id: _Text) -> None: ...
    def resume_endpoint(self, endpoint_id: _Text) -> None: ...
    def rotate_secret(self, endpoint_id: _Text, grace_ms: int = 86400000) -> str: ...
    def endpoint_health(self, endpoint_id: _Text) -> dict[str, int]: ...
    def recover_endpoint(self, endpoint_id: _Text, since_ms: int) -> int: ...
    def set_header(self, endpoint_id: _Text, name: _Text, value: _Text | None = None) -> None: ...
    def set_endpoint_settings(
        self, endpoint_id: _Text, timeout_ms: int | None = None,
        max_in_flight: int | None = None, rate_limit: float | None = None,
        retry_schedule_ms: _Ints | _ContextsSchedule | None = None,
    ) -> None: ...
    def endpoint(self, endpoint_id: _Text) -> _EndpointDetails: ...

    # the context itself (_context_ops.ContextOpsMixin)
    def batch(self) -> AbstractContextManager[Self]: ...
    def attempt_request(self, delivery_id: _Text, attempt: int = 1) -> _AttemptRequest: ...
    def stats(self) -> dict[str, int]: ...
    def stats_by(self, group: Literal["endpoint", "tenant"] = "endpoint") -> dict[str, dict[str, int]]: ...
    def queue_figures(self, group: Literal["total", "endpoint", "tenant"] = "total",
                      failed_window_ms: int = 3600000) -> list[_QueueFiguresRow]: ...
    def pause(self, paused: bool = True) -> None: ...

    # the log (_log.LogMixin), oldest first: the filters are keywords (None:
    # no filter), checked at the call; the rows are read a page at a time
    # as they are iterated, from after= (an attempt's seq; the last
    # delivery seen, or its (created_ms, id))
    def attempts(
        self, page: int = 500, after: int | None = None, *,
        endpoint: _Text | None = None, delivery: _Text | None = None,
        event: _Text | None = None, event_type: _Text | None = None,
        failed_only: bool = False, state: _DeliveryState | None = None,
        status: int | None = None, outcome: _Outcome | None = None,
        since_ms: int = 0, until_ms: int = 0, tenant: _Text | None = None,
    ) -> Iterator[_AttemptRow]: ...
    def deliveries(
        self, page: int = 500, after: _DeliveryRow | tuple[int, _Text] | None = None, *,
        endpoint: _Text | None = None, delivery: _Text | None = None,
        event: _Text | None = None, event_type: _Text | None = None,
        failed_only: bool = False, state: _DeliveryState | None = None,
        status: int | None = None, outcome: _Outcome | None = None,
        since_ms: int = 0, until_ms: int = 0, tenant: _Text | None = None,
    ) -> Iterator[_DeliveryRow]: ...
    def recover(
        self, endpoint: _Text | None = None, event_type: _Text | None = None,
        since_ms: int = 0, until_ms: int = 0, tenant: _Text | None = None,
    ) -> int: ...


class Portal:
    def __init__(
        self, context: Context, key: _Bytes, base: _Text = "",
        refresh_url: _Text | None = None, insecure_cookie: bool = False,
    ) -> None: ...
    # (status, [(header, value)], body)
    def handle(
        self, method: _Text, path: _Text, query: _Text | None = "",
        headers: Mapping[str, str] | Mapping[bytes, bytes] | None = None,
        body: _Bytes | None = b"",
    ) -> tuple[int, list[tuple[str, str]], bytes]: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...


class _EmitterCounts(TypedDict):
    emits: int
    commits: int
    largest_group: int


# emits from many threads into a SQLite or PostgreSQL context's store,
# committed in groups; the context is taken over until close()
class Emitter:
    def __init__(self, context: Context) -> None: ...
    def emit(
        self, event_type: _Text, data: _JSONDoc, idempotency_key: _Text | None = None,
        ordering_key: _Text | None = None, hold_on_failure: bool = False,
        endpoint: _Text | None = None, tenant: _Text | None = None,
        traceparent: _Text | None = None, tracestate: _Text | None = None,
    ) -> tuple[str, int, bool]: ...
    def counts(self) -> _EmitterCounts: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...


# BEGIN constants.json (scripts/gen-pyi-constants.py writes this block)
# the defines
RH_AUTO_DISABLE_DEFAULT_MS: int
RH_EMITTER_GROUP_MAX: int
RH_ENDPOINT_DESCRIPTION_MAX: int
RH_ENDPOINT_LABELS_MAX: int
RH_ENDPOINT_NAME_MAX: int
RH_EVENT_TYPE_DESCRIPTION_MAX: int
RH_EVENT_TYPE_GROUP_MAX: int
RH_EVENT_TYPE_SCHEMA_MAX: int
RH_IDEMPOTENCY_KEY_MAX: int
RH_IDEMPOTENCY_WINDOW_DEFAULT_MS: int
RH_ID_SIZE: int
RH_LABEL_KEY_MAX: int
RH_LABEL_VALUE_MAX: int
RH_MAX_DATA_BYTES_DEFAULT: int
RH_ORDERING_KEY_MAX: int
RH_PORTAL_KEY_MIN: int
RH_PORTAL_TOKEN_SIZE: int
RH_RETENTION_DEFAULT_MS: int
RH_SECRET_SIZE: int
RH_SIGNATURE_SIZE: int
RH_SQLITE_SYNC_NORMAL: int
RH_STATS_KEYS_MAX: int
RH_STORAGE_VERSION: int
RH_TENANT_LIMIT_MAX: int
RH_TENANT_MAX: int
RH_TOKEN_SIZE: int
RH_TRACEPARENT_SIZE: int
RH_TRACESTATE_MAX: int
RH_VERIFY_TOLERANCE_S: int
RH_VERSION_MAJOR: int
RH_VERSION_MINOR: int
RH_VERSION_NUM: int
RH_VERSION_PATCH: int
# enum rh_arg
RH_ARG_NONE: int
RH_ARG_URL: int
RH_ARG_EVENTS: int
RH_ARG_SECRET: int
RH_ARG_EVENT_TYPE: int
RH_ARG_DATA: int
RH_ARG_ENDPOINT_ID: int
RH_ARG_DELIVERY_ID: int
RH_ARG_HEADER_NAME: int
RH_ARG_HEADER_VALUE: int
RH_ARG_VALUE: int
RH_ARG_CLIENT_CERT: int
RH_ARG_CLIENT_KEY: int
RH_ARG_OUTPUT: int
RH_ARG_TENANT: int
RH_ARG_NAME: int
RH_ARG_DESCRIPTION: int
RH_ARG_LABEL: int
RH_ARG_GROUP: int
RH_ARG_EXAMPLE: int
RH_ARG_SCHEMA: int
RH_ARG_CATALOG: int
RH_ARG_COUNT: int
# enum rh_catalog_state
RH_EVENT_TYPE_ACTIVE: int
RH_EVENT_TYPE_DEPRECATED: int
RH_EVENT_TYPE_ARCHIVED: int
RH_EVENT_TYPE_STATE_COUNT: int
# enum rh_define_result
RH_DEFINE_UNCHANGED: int
RH_DEFINE_CREATED: int
RH_DEFINE_UPDATED: int
# enum rh_disabled_reason
RH_DISABLED_NOT: int
RH_DISABLED_BY_HOST: int
RH_DISABLED_GONE: int
RH_DISABLED_FAILING: int
# enum rh_endpoint_change
RH_ENDPOINT_DISABLED: int
RH_ENDPOINT_ENABLED: int
RH_ENDPOINT_RECOVERED: int
RH_ENDPOINT_FAILING: int
RH_ENDPOINT_PAUSED: int
RH_ENDPOINT_RESUMED: int
RH_ENDPOINT_HELD: int
# enum rh_err
RH_E_USER: int
RH_E_BUFFER: int
RH_E_TOO_LARGE: int
RH_E_CRYPTO: int
RH_E_STATE: int
RH_E_TIMESTAMP: int
RH_E_SIGNATURE: int
RH_E_FULL: int
RH_E_UNSUPPORTED: int
RH_E_REENTRANT: int
RH_E_STORAGE: int
RH_E_NOT_FOUND: int
RH_E_NOMEM: int
RH_E_INVALID_ARG: int
RH_OK: int
# enum rh_event_type_notice
RH_EVENT_TYPE_DEPRECATED_EMITTED: int
# enum rh_http_version
RH_HTTP_VERSION_DEFAULT: int
RH_HTTP_VERSION_1_1: int
RH_HTTP_VERSION_2: int
# enum rh_loop
RH_POLL_IN: int
RH_POLL_OUT: int
RH_POLL_REMOVE: int
# enum rh_mode
RH_MODE_PRODUCTION: int
RH_MODE_DEVELOPMENT: int
# enum rh_ordering_policy
RH_ORDERING_CONTINUE: int
RH_ORDERING_HOLD: int
# enum rh_outcome
RH_OUTCOME_OK: int
RH_OUTCOME_HTTP_STATUS: int
RH_OUTCOME_TIMEOUT: int
RH_OUTCOME_CONNECT: int
RH_OUTCOME_DNS: int
RH_OUTCOME_TLS: int
RH_OUTCOME_BLOCKED: int
RH_OUTCOME_TOO_LARGE: int
RH_OUTCOME_RESET: int
RH_OUTCOME_OTHER: int
RH_OUTCOME_BAD_RESPONSE: int
# enum rh_portal_cap
RH_PORTAL_VIEW: int
RH_PORTAL_MANAGE: int
RH_PORTAL_RESEND: int
RH_PORTAL_OPERATOR: int
# enum rh_queue_figure
RH_QUEUE_PENDING: int
RH_QUEUE_DUE: int
RH_QUEUE_IN_FLIGHT: int
RH_QUEUE_FAILED_RECENT: int
RH_QUEUE_OLDEST_DUE_MS: int
RH_QUEUE_FIGURE_COUNT: int
# enum rh_queue_group
RH_QUEUE_TOTAL: int
RH_QUEUE_BY_ENDPOINT: int
RH_QUEUE_BY_TENANT: int
# enum rh_refusal
RH_REFUSAL_NONE: int
RH_REFUSAL_MALFORMED: int
RH_REFUSAL_INSECURE_SCHEME: int
RH_REFUSAL_PRIVATE_ADDRESS: int
RH_REFUSAL_TOO_LARGE: int
RH_REFUSAL_UNKNOWN_ID: int
RH_REFUSAL_TENANT_REQUIRED: int
RH_REFUSAL_UNKNOWN_EVENT_TYPE: int
RH_REFUSAL_NO_MATCHING_EVENT_TYPE: int
RH_REFUSAL_COUNT: int
# enum rh_stat
RH_STAT_EVENTS_EMITTED: int
RH_STAT_DELIVERIES_QUEUED: int
RH_STAT_ATTEMPTS: int
RH_STAT_SUCCEEDED: int
RH_STAT_FAILED: int
RH_STAT_RETRIED: int
RH_STAT_IN_FLIGHT: int
RH_STAT_OUTCOME_OK: int
RH_STAT_OUTCOME_BAD_RESPONSE: int
RH_STAT_ATTEMPT_MS_LE_10: int
RH_STAT_ATTEMPT_MS_LE_10000: int
RH_STAT_ATTEMPT_MS_SUM: int
RH_STAT_DEPRECATED_EMITS: int
RH_STAT_COUNT: int
# enum rh_state
RH_DELIVERY_PENDING: int
RH_DELIVERY_IN_FLIGHT: int
RH_DELIVERY_SUCCEEDED: int
RH_DELIVERY_FAILED: int
# enum rh_tenant_limit_kind
RH_TENANT_MAX_ENDPOINTS: int
RH_TENANT_MAX_PENDING: int
RH_TENANT_MAX_IN_FLIGHT: int
RH_TENANT_RATE: int
RH_TENANT_LIMIT_COUNT: int
# END constants.json
