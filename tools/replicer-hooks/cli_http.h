/* replicer-hooks: the small HTTP server part that listen, worker --metrics
 * and dashboard share, on libmicrohttpd (the core library links none of it). */
#ifndef RH_CLI_HTTP_H
#define RH_CLI_HTTP_H

#include <microhttpd.h>
#include <sys/socket.h>

#include <stddef.h>

/* libmicrohttpd 0.9.71 changed the handler's return type */
#if MHD_VERSION >= 0x00097002
typedef enum MHD_Result cli_mhd_result;
#else
typedef int cli_mhd_result;
#endif

typedef struct cli_http_addr {
    struct sockaddr_storage ss;
    int loopback;  /* 127.0.0.0/8 or ::1 */
    char text[80]; /* as given, for messages */
} cli_http_addr;

/* "127.0.0.1:8080", "[::1]:9100", "0.0.0.0:80" or a bare port (loopback).
 * 0, or -1 when it is not an address with a port. */
int cli_http_parse_addr(const char *text, cli_http_addr *out);

/* A server: libmicrohttpd's daemon behind a guard against connections
 * that hold a place without sending a request (cli_http_guard.c). */
typedef struct cli_http_server cli_http_server;

/* How the guard bounds connections that have not sent a whole request's
 * headers yet ("waiting"): their number in all and per client address (a
 * new one past either cap closes the longest waiting, so a real request
 * always finds room), and how long one may wait. */
#define CLI_HTTP_WAITING_MAX 64
#define CLI_HTTP_WAITING_PER_ADDR 16
#define CLI_HTTP_HEADER_DEADLINE_MS 10000
/* ... and how long a request may take from its headers to its answer
 * (a 4 MiB body on loopback takes milliseconds) */
#define CLI_HTTP_REQUEST_DEADLINE_MS 30000

/* A server on addr with one thread of its own, calling handler for every
 * request and done (may be NULL) when one ends, to free its state; NULL
 * with err filled when it cannot listen. */
cli_http_server *cli_http_start(const cli_http_addr *addr,
                                MHD_AccessHandlerCallback handler,
                                MHD_RequestCompletedCallback done, void *cls,
                                char *err, size_t errsz);
/* Stop it, letting an answer in progress finish; NULL is a no-op. */
void cli_http_stop(cli_http_server *srv);
/* The port it listens on (the one picked, for port 0). */
unsigned cli_http_port(const cli_http_server *srv);
/* "http://127.0.0.1:8080", "http://[::1]:8080": where srv answers. */
void cli_http_base_url(const cli_http_addr *addr, const cli_http_server *srv,
                       char *out, size_t size);

/* The headers every answer of the tool's servers carries: no sniffing, no
 * caching, no framing, no scripts or outside resources. */
void cli_http_secure_headers(struct MHD_Response *r);

/* Queue a response whose body is copied. */
cli_mhd_result cli_http_reply(struct MHD_Connection *c, unsigned status,
                              const char *content_type, const char *body,
                              size_t len);
/* A request's body kept across the handler's calls (listen, portal). */
typedef struct cli_http_upload {
    char *p; /* NUL-terminated */
    size_t len;
    int too_large; /* over the max given: not kept */
} cli_http_upload;
/* One call of the handler: 1 when the body is whole (*up is it), 0 when
 * the handler returns MHD_YES now (the state made, or a piece kept), -1
 * when out of memory (MHD_NO). */
int cli_http_upload_step(void **state, const char *data, size_t *data_size,
                         size_t max, cli_http_upload **up);
/* The completed callback that frees it. */
void cli_http_upload_done(void *cls, struct MHD_Connection *c, void **state,
                          enum MHD_RequestTerminationCode why);

/* A 303 to location (after a form's POST). */
cli_mhd_result cli_http_redirect(struct MHD_Connection *c,
                                 const char *location);

#endif
