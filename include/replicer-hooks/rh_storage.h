/* replicer-hooks: the records the library keeps (events, deliveries, attempts)
 * as a user reads them, and queries over the log. What a storage backend
 * implements (the method table, record constructors) is in sys/storage.h. */
#ifndef RH_STORAGE_H
#define RH_STORAGE_H

#include "rh_common.h"

RH_BEGIN_DECLS

/* ------------------------------------------------------------------------ */
/* Records. All are opaque; read them with the getters below. A record lent
 * to a callback is valid only during that call.                            */

typedef struct rh_event rh_event;
typedef struct rh_delivery rh_delivery;
typedef struct rh_attempt rh_attempt;
typedef struct rh_query rh_query;

/** The state of a delivery. @since 0.1.0 */
typedef enum rh_state {
    RH_DELIVERY_PENDING = 0,   /* waiting for its next attempt */
    RH_DELIVERY_IN_FLIGHT = 1, /* claimed by a worker until its lease ends */
    RH_DELIVERY_SUCCEEDED = 2, /* a 2xx was received */
    RH_DELIVERY_FAILED = 3     /* failed for good; resend or recover it */
} rh_state;

/** The class of an attempt's outcome (docs/wire-format.md). @since 0.1.0 */
typedef enum rh_outcome {
    RH_OUTCOME_OK = 0,          /* 2xx within the timeout */
    RH_OUTCOME_HTTP_STATUS = 1, /* an answer, but not 2xx */
    RH_OUTCOME_TIMEOUT = 2,
    RH_OUTCOME_CONNECT = 3, /* connection refused or unreachable */
    RH_OUTCOME_DNS = 4,
    RH_OUTCOME_TLS = 5,
    RH_OUTCOME_BLOCKED = 6,   /* refused by policy before connecting */
    RH_OUTCOME_TOO_LARGE = 7, /* the response was larger than we read */
    RH_OUTCOME_RESET = 8,     /* connection reset or closed mid-answer */
    RH_OUTCOME_OTHER = 9,
    /* the answer broke HTTP (status line, framing); retried. @since 0.2.0 */
    RH_OUTCOME_BAD_RESPONSE = 10
} rh_outcome;

/** "ok", "http_status", "timeout", ... ; "other" for unknown values.
 *  @since 0.1.0 */
RH_EXTERN const char *rh_outcome_name(int outcome);
/** "pending", "in_flight", "succeeded", "failed". @since 0.1.0 */
RH_EXTERN const char *rh_delivery_state_name(int state);

/* An event: what the host emitted. The data is the host's JSON text exactly
 * as given to rh_emit, and not NUL-terminated in general: use the length. */
RH_EXTERN const char *rh_event_id(const rh_event *ev);
RH_EXTERN const char *rh_event_type(const rh_event *ev);
RH_EXTERN int64_t rh_event_timestamp_ms(const rh_event *ev);
RH_EXTERN const char *rh_event_data(const rh_event *ev);
RH_EXTERN size_t rh_event_data_len(const rh_event *ev);
/* Since 0.2.0: the emit's ordering key (NULL: none), and 1 when a delivery
 * of it that fails for good holds the key (rh_emit_options_set_ordering_key).
 * A store keeps both with each delivery at enqueue. */
RH_EXTERN const char *rh_event_ordering_key(const rh_event *ev);
RH_EXTERN int rh_event_ordering_holds(const rh_event *ev);
/* Since 0.3.0: the tenant it was emitted for ("" for none). */
RH_EXTERN const char *rh_event_tenant(const rh_event *ev);
/** Its trace context (rh_emit_options_set_trace_context); "" when none.
 *  @since 0.3.0 */
RH_EXTERN const char *rh_event_traceparent(const rh_event *ev);
RH_EXTERN const char *rh_event_tracestate(const rh_event *ev);

/* A delivery: one event for one endpoint. Its id is the same on every
 * attempt. attempts counts the attempts made since it was (re)queued. */
RH_EXTERN const char *rh_delivery_id(const rh_delivery *dl);
RH_EXTERN const char *rh_delivery_event_id(const rh_delivery *dl);
RH_EXTERN const char *rh_delivery_endpoint_id(const rh_delivery *dl);
RH_EXTERN const char *rh_delivery_event_type(const rh_delivery *dl);
RH_EXTERN int rh_delivery_state(const rh_delivery *dl);
RH_EXTERN int rh_delivery_attempts(const rh_delivery *dl);
RH_EXTERN int64_t rh_delivery_next_attempt_ms(const rh_delivery *dl);
RH_EXTERN int64_t rh_delivery_created_ms(const rh_delivery *dl);
RH_EXTERN int64_t rh_delivery_updated_ms(const rh_delivery *dl);
/* Since 0.2.0: the ordering key its event was emitted with; NULL: none. */
RH_EXTERN const char *rh_delivery_ordering_key(const rh_delivery *dl);
/* Since 0.3.0: its event's tenant ("" for none). */
RH_EXTERN const char *rh_delivery_tenant(const rh_delivery *dl);

/* An attempt: one HTTP request and its outcome, as logged. seq is the
 * storage's order of appends (a cursor for queries; 0 before it is stored).
 * The response is a capped prefix of the body; the error is libcurl's text
 * (or ours), "" when there was none. */
RH_EXTERN int64_t rh_attempt_seq(const rh_attempt *at);
RH_EXTERN const char *rh_attempt_delivery_id(const rh_attempt *at);
RH_EXTERN const char *rh_attempt_endpoint_id(const rh_attempt *at);
RH_EXTERN const char *rh_attempt_event_id(const rh_attempt *at);
RH_EXTERN const char *rh_attempt_event_type(const rh_attempt *at);
RH_EXTERN int rh_attempt_number(const rh_attempt *at); /* 1 is the first */
RH_EXTERN int64_t rh_attempt_started_ms(const rh_attempt *at);
RH_EXTERN int64_t rh_attempt_duration_ms(const rh_attempt *at);
RH_EXTERN int rh_attempt_status(const rh_attempt *at); /* 0: no answer */
RH_EXTERN int rh_attempt_success(const rh_attempt *at);
RH_EXTERN int rh_attempt_outcome(const rh_attempt *at); /* rh_outcome */
RH_EXTERN const char *rh_attempt_response(const rh_attempt *at);
RH_EXTERN size_t rh_attempt_response_len(const rh_attempt *at);
RH_EXTERN const char *rh_attempt_error(const rh_attempt *at);
/* Since 0.3.0: its delivery's tenant ("" for none). */
RH_EXTERN const char *rh_attempt_tenant(const rh_attempt *at);
/** The traceparent this attempt sent (its event's trace id, a span id of
 *  its own): what a host records a span with, in the attempt callback.
 *  "" when its event had no trace context, and in the log's rows (it is
 *  not stored). @since 0.3.0 */
RH_EXTERN const char *rh_attempt_traceparent(const rh_attempt *at);

/* A query over the delivery log: every filter is optional (NULL / -1 / 0
 * means "any"). Results come oldest first; to read the next page pass the
 * last seen seq to rh_query_set_cursor (attempts), or the last delivery's
 * created time and id to rh_query_set_delivery_cursor (deliveries). */
RH_EXTERN int rh_query_new(rh_query **out);
RH_EXTERN void rh_query_free(rh_query *q);
RH_EXTERN int rh_query_set_endpoint(rh_query *q, const char *endpoint_id);
RH_EXTERN int rh_query_set_delivery(rh_query *q, const char *delivery_id);
RH_EXTERN int rh_query_set_event(rh_query *q, const char *event_id);
RH_EXTERN int rh_query_set_failed_only(rh_query *q, int failed_only);
RH_EXTERN int rh_query_set_state(rh_query *q, int state); /* -1: any */
RH_EXTERN int rh_query_set_time_range(rh_query *q, int64_t since_ms,
                                      int64_t until_ms); /* until 0: none */
RH_EXTERN int rh_query_set_limit(rh_query *q, size_t limit); /* 0: 100 */
RH_EXTERN int rh_query_set_cursor(rh_query *q, int64_t after); /* attempts */
/* Since 0.2.0: an event type or pattern ("order.paid", "order.*"; NULL or
 * "*": any); for attempts an HTTP status (0: no answer, 100-599; -1 any)
 * and an rh_outcome (-1 any); for deliveries, the page after the delivery
 * last seen (its created time and id; NULL: from the start). */
RH_EXTERN int rh_query_set_event_type(rh_query *q, const char *pattern);
RH_EXTERN int rh_query_set_status(rh_query *q, int status);
RH_EXTERN int rh_query_set_outcome(rh_query *q, int outcome);
RH_EXTERN int rh_query_set_delivery_cursor(rh_query *q, int64_t created_ms,
                                           const char *delivery_id);
RH_EXTERN const char *rh_query_endpoint(const rh_query *q);
RH_EXTERN const char *rh_query_delivery(const rh_query *q);
RH_EXTERN const char *rh_query_event(const rh_query *q);
RH_EXTERN int rh_query_failed_only(const rh_query *q);
RH_EXTERN int rh_query_state(const rh_query *q);
RH_EXTERN int64_t rh_query_since_ms(const rh_query *q);
RH_EXTERN int64_t rh_query_until_ms(const rh_query *q);
RH_EXTERN size_t rh_query_limit(const rh_query *q);
RH_EXTERN int64_t rh_query_cursor(const rh_query *q);
RH_EXTERN const char *rh_query_event_type(const rh_query *q);     /* 0.2.0 */
RH_EXTERN int rh_query_status(const rh_query *q);                 /* 0.2.0 */
RH_EXTERN int rh_query_outcome(const rh_query *q);                /* 0.2.0 */
RH_EXTERN int64_t rh_query_delivery_cursor_ms(const rh_query *q); /* 0.2.0 */
RH_EXTERN const char *rh_query_delivery_cursor_id(const rh_query *q);
/* Since 0.3.0: only the records of this tenant (1 to RH_TENANT_MAX visible
 * ASCII characters; "": of no tenant only; NULL: of any tenant or none),
 * for log queries and rh_recover. rh_query_tenant() gives NULL when any,
 * "" for none only. */
RH_EXTERN int rh_query_set_tenant(rh_query *q, const char *tenant);
RH_EXTERN const char *rh_query_tenant(const rh_query *q);

/** One attempt or delivery from a query. Return RH_OK, or negative to stop. */
typedef int (*rh_attempt_cb)(const rh_attempt *at, void *userdata);
typedef int (*rh_delivery_cb)(const rh_delivery *dl, void *userdata);

/* ------------------------------------------------------------------------ */
/* The queue's figures, as the store holds them for every process sharing
 * it (rh_queue_figures in rh.h reads them).                                */

/** What the queue's figures are grouped by. @since 0.3.0 */
typedef enum rh_queue_group {
    RH_QUEUE_TOTAL = 0,       /* one row, key "" */
    RH_QUEUE_BY_ENDPOINT = 1, /* a row per endpoint id */
    RH_QUEUE_BY_TENANT = 2    /* a row per tenant ("": of no tenant) */
} rh_queue_group;

/** The figures of a row, by index into its array. @since 0.3.0 */
typedef enum rh_queue_figure {
    /* waiting for an attempt, due or not (state pending) */
    RH_QUEUE_PENDING = 0,
    /* may be claimed now: pending and due, or in flight past its lease */
    RH_QUEUE_DUE = 1,
    /* claimed by a worker whose lease has not ended */
    RH_QUEUE_IN_FLIGHT = 2,
    /* failed for good, last updated within the window asked for */
    RH_QUEUE_FAILED_RECENT = 3,
    /* when the oldest due delivery became due (Unix ms); 0: none is due */
    RH_QUEUE_OLDEST_DUE_MS = 4,
    RH_QUEUE_FIGURE_COUNT = 5 /* how many there are */
} rh_queue_figure;

/** One row of figures: its key (an endpoint id, a tenant, or "" for the
 *  total; borrowed for the call) and n figures by rh_queue_figure. Return
 *  RH_OK, or a negative code to stop (that value is returned). */
typedef int (*rh_queue_figures_cb)(const char *key, const int64_t *figures,
                                   size_t n, void *userdata);

RH_END_DECLS

#endif /* RH_STORAGE_H */
