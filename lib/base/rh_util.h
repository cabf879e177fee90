/* replicer-hooks util, private: limits, allocation through the host's
 * allocator, ids, time text, hashing, wiping (rh_util.c). Below everything. */
#ifndef RH_UTIL_PRIVATE_H
#define RH_UTIL_PRIVATE_H

#include <replicer-hooks/rh.h>
#include <replicer-hooks/sys/storage.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define RH_TYPE_MAX 128                       /* longest event type */
#define RH_URL_MAX 2048                       /* longest endpoint URL */
#define RH_KEY_MAX 64                         /* longest decoded secret */
#define RH_SCHEDULE_MAX 32                    /* most retries in a schedule */
#define RH_TIMEOUT_MAX_MS 600000LL            /* a transfer: 10 minutes */
#define RH_DELAY_MAX_MS (30LL * 86400 * 1000) /* one retry delay: 30 days */
#define RH_RESPONSE_KEEP 65536 /* response body prefix kept in the log */
#define RH_ALLOW_MAX 64        /* CIDR allowlist entries */
#define RH_HEADERS_MAX 32      /* custom headers per endpoint */
#define RH_STANDARD_HEADERS 13 /* the wire contract's, and trace context */
#define RH_REQUEST_HEADERS_MAX (RH_STANDARD_HEADERS + RH_HEADERS_MAX)

/* ------------------------------------------------------------ allocation */
extern const rh_allocator rh__default_allocator;
void *rh__malloc(const rh_allocator *a, size_t n);
void *rh__calloc(const rh_allocator *a, size_t n);
void *rh__realloc(const rh_allocator *a, void *p, size_t n);
void rh__free(const rh_allocator *a, void *p);
char *rh__strdup(const rh_allocator *a, const char *s);
char *rh__memdup(const rh_allocator *a, const char *s, size_t n);
/* A growing NUL-terminated text: on out of memory it stops growing and
 * says so (failed), so that a writer checks once, at its end. */
typedef struct rh_text {
    const rh_allocator *a;
    char *p; /* the caller's to free */
    size_t len, cap;
    int failed;
} rh_text;
void rh__text_put(rh_text *t, const char *s, size_t n);
void rh__text_puts(rh_text *t, const char *s);
/* Wipe then free a NUL-terminated secret. */
void rh__free_secret(const rh_allocator *a, char *s);

/* ----------------------------------------------------------------- util */
void rh__format_rfc3339(int64_t ms, char out[32]);
int64_t rh__system_clock_ms(void);
/* An id: prefix + 10 time chars + 16 random chars, ASCII-sortable. */
int rh__id_make(const char *prefix, int64_t now_ms, unsigned int seq,
                const unsigned char *rnd16, char out[RH_ID_SIZE]);
int rh__id_valid(const char *id);
size_t rh__strlcpy(char *dst, const char *src, size_t size);

void rh__wipe(void *p, size_t n);
size_t rh__hash(const char *s, size_t n);

#endif
