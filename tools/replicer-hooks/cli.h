/* replicer-hooks, the command-line tool: what its files share. Each command
 * is a cli_command with its own option table; main.c parses and dispatches. */
#ifndef RH_CLI_H
#define RH_CLI_H

#include <replicer-hooks/rh.h>

#include <signal.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define EXIT_DELIVERED 0
#define EXIT_FAILED 1 /* a delivery failed for good, a store failed */
#define EXIT_USAGE 2  /* bad input: an option, an argument, an unknown id */
#define EXIT_UNSENT 3 /* worker --until-idle: deliveries wait on a resume,
                         a --dev worker or a skip */

extern const char *cli_prog;

/* Every option any command takes; a command's table picks some. */
typedef enum cli_opt_id {
    O_NONE = 0,
    O_STORE,
    O_SCHEMA,
    O_ALLOW,
    O_DEV,
    O_JSON,
    O_FAILED,
    O_UNTIL_IDLE,
    O_QUIET,
    O_EVENTS,
    O_EVENT,
    O_DATA,
    O_SECRET,
    O_GRACE,
    O_SINCE,
    O_UNTIL,
    O_ENDPOINT,
    O_DELIVERY,
    O_AUTO_DISABLE,
    O_RETENTION,
    O_OLDER_THAN,
    O_CLIENT_CERT,
    O_CLIENT_KEY,
    O_NO_CLIENT_CERT,
    O_TIMEOUT_MS,
    O_SCHEDULE,
    O_MAX_IN_FLIGHT,
    O_PER_ENDPOINT,
    O_RATE,
    O_LEASE_MS,
    O_LIMIT,
    O_MAX_DATA,
    O_CA_FILE,
    O_ID,
    O_TIMESTAMP,
    O_SIGNATURE,
    O_BODY_FILE,
    O_NOW,
    O_TOLERANCE,
    O_PORT,
    O_STATUS,
    O_COUNT,
    O_LISTEN,
    O_TOKEN,
    O_TOKEN_FILE,
    O_KEY_FILE,
    O_ALLOW_HOST,
    O_SAVE,
    O_METRICS,
    O_METRICS_TOP,
    O_TRACEPARENT,
    O_FOLLOW,
    O_SHOW,
    O_STDIN,
    O_BATCH,
    O_TRACESTATE,
    O_EP_TIMEOUT_MS, /* an endpoint's own: endpoint add and set */
    O_EP_SCHEDULE,
    O_EP_MAX_IN_FLIGHT,
    O_EVENT_TYPE, /* log and recover: a type or "prefix.*" */
    O_OUTCOME,
    O_STATE,
    O_DELIVERIES,
    O_AFTER,
    O_IDEMPOTENCY_KEY,
    O_ORDERING_KEY,
    O_HOLD_ON_FAILURE,
    O_TENANT, /* accounts: endpoint add|list|set, emit, log, recover, ... */
    O_NAME,
    O_DESCRIPTION,
    O_LABEL,
    O_URL,
    O_PER_TENANT,
    O_GROUP, /* the catalog: event-type add and list */
    O_EXAMPLE,
    O_JSON_SCHEMA,
    O_ARCHIVED,
    O_MAX_ENDPOINTS, /* tenant set */
    O_MAX_PENDING,
    O_PORTAL_KEY_FILE, /* portal and portal link */
    O_BASE,
    O_REFRESH_URL,
    O_TTL,
    O_CAN,
    O_OPERATOR,
    O_HTTP_VERSION,    /* worker: every transfer's */
    O_EP_HTTP_VERSION, /* endpoint add and set: its own */
    O__COUNT
} cli_opt_id;

typedef enum cli_kind {
    K_FLAG,     /* no value */
    K_TEXT,     /* a string */
    K_LIST,     /* a string, repeatable (at most CLI_LIST_MAX) */
    K_INT,      /* an integer within lo..hi */
    K_REAL,     /* a number within lo..hi */
    K_DURATION, /* 24h, 30m, 90s, 1500ms, 2d; a bare number is seconds */
    K_TIME,     /* Unix seconds, 2026-11-27T05:00:00Z, or a duration ago */
    K_SCHEDULE  /* seconds separated by commas; "default" */
} cli_kind;

typedef struct cli_opt {
    cli_opt_id id;
    const char *name; /* "--timeout-ms" */
    cli_kind kind;
    double lo, hi;   /* K_INT and K_REAL bounds */
    const char *arg; /* the value in the help: "N", "DURATION" */
    const char *help;
} cli_opt;

#define CLI_LIST_MAX 16
#define CLI_SCHEDULE_MAX 32

struct cli_command;

/* What the command line said, after parsing and range checks. */
typedef struct cli_args {
    const struct cli_command *cmd;
    int set[O__COUNT];
    const char *text[O__COUNT];
    int64_t num[O__COUNT]; /* K_INT; K_DURATION and K_TIME in ms */
    double real[O__COUNT];
    const char *list[CLI_LIST_MAX];
    cli_opt_id list_of[CLI_LIST_MAX]; /* the option each value came with */
    size_t n_list;
    int64_t schedule[CLI_SCHEDULE_MAX];
    size_t n_schedule;
    int schedule_default; /* --schedule default */
    const char *pos[4];
    int n_pos;
} cli_args;

typedef struct cli_command {
    const char *name;     /* "endpoint add" */
    const char *synopsis; /* after the name: "URL --events TYPE[,TYPE...]" */
    const char *summary;  /* one line for the top-level help */
    const char *about;    /* its own help's paragraph */
    const char *pos_names[4];
    int min_pos, max_pos;
    const cli_opt *opts; /* ends with {O_NONE} */
    int (*run)(cli_args *a);
} cli_command;

/* The shared option rows, so that a flag means one thing everywhere. */
#define CLI_OPT_STORE                                                          \
    {O_STORE,                                                                  \
     "--store",                                                                \
     K_TEXT,                                                                   \
     0,                                                                        \
     0,                                                                        \
     "STORE",                                                                  \
     "sqlite:PATH, postgresql://... or pg:CONNINFO (default: "                 \
     "$REPLICER_HOOKS_STORE)"},                                               \
        {O_KEY_FILE, "--key-file", K_TEXT, 0, 0, "PATH",                       \
         "the sealing key for the store's secrets (default: "                  \
         "$REPLICER_HOOKS_KEY_FILE, else ~/.config/replicer-hooks/"             \
         "sealing.key; made, mode 0600, when absent)"},                                                \
    {                                                                          \
        O_SCHEMA, "--schema", K_TEXT, 0, 0, "NAME",                            \
            "PostgreSQL schema (default replicer_hooks)"                       \
    }
#define CLI_OPT_ALLOW                                                          \
    {                                                                          \
        O_ALLOW, "--allow", K_LIST, 0, 0, "CIDR",                              \
            "production: admit a private range the address guard refuses, "    \
            "e.g. "                                                            \
            "10.1.2.0/24 (repeatable)"                                         \
    }
#define CLI_OPT_DEV                                                            \
    {                                                                          \
        O_DEV, "--dev", K_FLAG, 0, 0, NULL,                                    \
            "development mode: http:// and loopback or private addresses "     \
            "allowed"                                                          \
    }
#define CLI_OPT_TIMEOUT                                                        \
    {                                                                          \
        O_TIMEOUT_MS, "--timeout-ms", K_INT, 1, 600000, "N",                   \
            "per-attempt timeout (default 10000)"                              \
    }
#define CLI_OPT_SCHEDULE                                                       \
    {                                                                          \
        O_SCHEDULE, "--schedule", K_SCHEDULE, 0, 0, "LIST",                    \
            "retry delays in seconds, e.g. 5,30,120 (default "                 \
            "5,30,120,600,1800; \"\" for none)"                                \
    }
#define CLI_OPT_MAX_DATA                                                       \
    {                                                                          \
        O_MAX_DATA, "--max-data-bytes", K_INT, 2, 1073741824, "N",             \
            "refuse larger data (default 1048576)"                             \
    }
#define CLI_OPT_TENANT(what)                                                   \
    {                                                                          \
        O_TENANT, "--tenant", K_TEXT, 0, 0, "ID", what                         \
    }
#define CLI_OPT_END                                                            \
    {                                                                          \
        O_NONE, NULL, K_FLAG, 0, 0, NULL, NULL                                 \
    }

/* main.c */
const cli_opt *cli_find_opt(const cli_command *c, const char *name);
int cli_has(const cli_command *c, const char *name); /* option or POS */
void cli_usage(const cli_command *c, FILE *f);

/* cli_util.c */
int cli_bad(const cli_args *a, const char *what, const char *why);
/* A library failure on ctx, named by the command's own flag or argument;
 * frees ctx. EXIT_USAGE for bad input and unknown ids, else EXIT_FAILED. */
int cli_fail(const cli_args *a, rh_ctx *ctx, int rc);
/* As cli_fail, for a failure about the value of option `flag`. */
int cli_fail_at(const cli_args *a, rh_ctx *ctx, int rc, const char *flag);
int cli_exit_code(int rc);
int cli_parse_i64(const char *s, int64_t *out);
/* Set the sealing key (cli_key.c) on cfg; 0, or an exit code after
 * saying why. */
int cli_sealing_key(const cli_args *a, rh_config *cfg);
/* The portal's key from --portal-key-file (made, 0600, when absent); 0, or
 * an exit code after saying why. */
int cli_portal_key(const cli_args *a, unsigned char key[32]);
/* n bytes from the system's random source: 0, or -1 when it failed. */
int cli_random_bytes(unsigned char *out, size_t n);
int cli_parse_duration_ms(const char *s, int64_t *out);
int cli_parse_time_ms(const char *s, int64_t *out);
int cli_parse_schedule(const char *s, int64_t *out, size_t *n);
int cli_load_data(const cli_args *a, const char *what, const char *arg,
                  size_t max, const char **data, size_t *len, char **buf);
char *cli_read_all(FILE *f, size_t *len);
void cli_format_time(int64_t ms, char out[32]);
void cli_json_str(FILE *f, const char *s, size_t n);
/* "1 delivery" / "2 deliveries": n and the word for it */
const char *cli_plural(long long n, const char *one, const char *many);
/* "enabled", "paused", "disabled (gone)", ... (buf may be returned) */
const char *cli_endpoint_state(const rh_endpoint *ep, char *buf, size_t size);
/* "ok 2026-12-02T20:00:00Z", "failing since ..., 3 failed", ... */
/* An endpoint's health from the store's log now (rh_endpoint_health; the
 * stored health inside a list's callback): h[0] last success, h[1]
 * failing since, h[2] failed for good since; and as a phrase. */
void cli_health_now(rh_ctx *ctx, const rh_endpoint *ep, int64_t h[3]);
void cli_endpoint_health(rh_ctx *ctx, const rh_endpoint *ep, char *buf,
                         size_t size);
/* rh_endpoint_add with the events as one text, "a.b,c.*" or "a.b, c.*" */
/* Bytes from outside (a sender, a stored URL) printed so that a terminal
 * shows them and obeys none: C0 and C1 controls and DEL as \xNN, a
 * backslash doubled; newlines kept only with keep_newlines. */
void cli_print_escaped(const char *p, size_t len, int keep_newlines);
/* The id of an endpoint of the same tenant ("" for none) already sending
 * these events (in any order) to url, into found ("" when there is none):
 * another tenant's never gets this tenant's events. */
void cli_endpoint_twin(rh_ctx *ctx, const char *url, const char *events,
                       const char *tenant, char found[RH_ID_SIZE]);
int cli_endpoint_add(rh_ctx *ctx, const char *url, const char *events,
                     const rh_endpoint_options *opts, char id[RH_ID_SIZE],
                     char secret[RH_SECRET_SIZE]);
/* "a.b,c.*" or "a.b, c.*" split in place into list (257 slots, one more
 * than the library takes, so that too many is its error): how many. */
size_t cli_split_events(char *events, const char *list[257]);

/* cmd_tenant.c: the accounts' options of endpoint add (a handle built
 * from --tenant, --name, --description and --label; 0 or EXIT_USAGE after
 * saying why) and endpoint set (--url, --events and the same: 0, or an
 * exit code after cli_fail, which freed ctx); what show prints of them. */
int cli_endpoint_options(const cli_args *a, rh_endpoint_options **out);
int cli_endpoint_edit(const cli_args *a, rh_ctx *ctx, const char *id);
void cli_print_profile(const rh_endpoint *ep);
/* cli_open for a command on one endpoint: with --tenant, an endpoint of
 * another tenant is refused as unknown (EXIT_USAGE, said). */
int cli_open_endpoint(const cli_args *a, const char *id, rh_ctx **out);
/* SIGTERM and SIGINT set cli_stop, for the commands that run until told */
extern volatile sig_atomic_t cli_stop;
void cli_catch_stop(void);
/* log --follow (cmd_log_follow.c): the attempts q selects that are stored
 * after from_seq, by any process, each to print, until a stop. 0, or a
 * negative code. */
int cli_log_follow(rh_ctx *ctx, rh_query *q, int64_t from_seq,
                   int (*print)(const rh_attempt *at, void *ud), void *ud);
/* log --show (cmd_log_show.c): each attempt of a delivery with the request
 * it sent and the start of its answer. 0, or a negative code. */
int cli_log_show(rh_ctx *ctx, const char *delivery_id);
/* emit --stdin (cmd_emit_lines.c): a JSON line an event, --batch to a
 * commit, each id printed once stored. 0, or an exit code. */
int cli_emit_stdin(cli_args *a);

/* cli_store.c */
/* A config from the options a command was given (mode, timeouts,
 * schedule, caps, limits, --allow). 0, or EXIT_USAGE after saying why. */
int cli_config(const cli_args *a, rh_config **out);
/* A context on the --store store, with cfg (consumed; NULL: cli_config's).
 * 0, or an exit code after saying why. */
int cli_open(const cli_args *a, rh_config *cfg, rh_ctx **out);
/* cli_open for a worker: a store that cannot be opened for a passing
 * reason (a full disk, a lock, a database restarting) is waited for until
 * it opens or the process is told to stop. */
int cli_open_waiting(const cli_args *a, rh_config *cfg, rh_ctx **out);

/* the commands, one table entry each */
extern const cli_command cli_cmd_send, cli_cmd_verify, cli_cmd_listen;
extern const cli_command cli_cmd_endpoint_add, cli_cmd_endpoint_list,
    cli_cmd_endpoint_show, cli_cmd_endpoint_set, cli_cmd_endpoint_disable,
    cli_cmd_endpoint_enable, cli_cmd_endpoint_pause, cli_cmd_endpoint_resume,
    cli_cmd_endpoint_remove, cli_cmd_endpoint_rotate, cli_cmd_endpoint_header;
extern const cli_command cli_cmd_emit, cli_cmd_worker, cli_cmd_log,
    cli_cmd_resend, cli_cmd_skip, cli_cmd_recover, cli_cmd_prune,
    cli_cmd_dashboard;
extern const cli_command cli_cmd_tenant_list, cli_cmd_tenant_show,
    cli_cmd_tenant_remove, cli_cmd_tenant_set;
extern const cli_command cli_cmd_type_add, cli_cmd_type_list,
    cli_cmd_type_show, cli_cmd_type_deprecate, cli_cmd_type_archive,
    cli_cmd_type_restore, cli_cmd_type_import, cli_cmd_type_export,
    cli_cmd_type_strict, cli_cmd_endpoint_test;
extern const cli_command cli_cmd_portal, cli_cmd_portal_link;

#endif
