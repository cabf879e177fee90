/* replicer-hooks: export macros, error codes, sizes and the allocator table
 * shared by every public header. */
#ifndef RH_COMMON_H
#define RH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) && __GNUC__ >= 4 && !defined(RH_STATICLIB)
#define RH_EXTERN __attribute__((visibility("default")))
#else
#define RH_EXTERN
#endif

#ifdef __cplusplus
#define RH_BEGIN_DECLS extern "C" {
#define RH_END_DECLS }
#else
#define RH_BEGIN_DECLS
#define RH_END_DECLS
#endif

RH_BEGIN_DECLS

/**
 * Every function that can fail returns RH_OK, a count >= 0, or one of these
 * negative codes. Codes are only ever appended; a retired code keeps its
 * number and its string. Detail text is in rh_ctx_last_error().
 */
typedef enum rh_err {
    RH_OK = 0,
    RH_E_INVALID_ARG = -1, /* NULL handle, bad URL, bad event type, bad JSON */
    RH_E_NOMEM = -2,       /* an allocation failed; nothing was changed */
    RH_E_NOT_FOUND = -3,   /* unknown endpoint or delivery id */
    RH_E_STORAGE = -4,     /* a storage callback failed */
    RH_E_REENTRANT = -5,   /* ctx called from inside its own callback */
    RH_E_UNSUPPORTED = -6, /* method table newer than we know, old libcurl */
    RH_E_FULL = -7,        /* the pending-delivery cap is reached: back off */
    RH_E_SIGNATURE = -8,   /* rh_verify: no signature matches the message */
    RH_E_TIMESTAMP = -9,   /* rh_verify: timestamp outside the tolerance */
    RH_E_STATE = -10,      /* the object is not in a state that allows it */
    RH_E_CRYPTO = -11,     /* the random source or a crypto primitive failed */
    RH_E_TOO_LARGE = -12,  /* emit: data over the configured size limit */
    RH_E_BUFFER = -13,     /* an output buffer is NULL or too small (0.2.0) */
    RH_E_USER = -100       /* yours: a callback's own failure, passed up */
} rh_err;

/** Size of a buffer that holds any id we make ("dlv_..."), with its NUL. */
#define RH_ID_SIZE 32
/** The longest tenant id, in bytes: a host's account id, 1 to this many of
 *  visible ASCII ('!' to '~'). @since 0.3.0 */
#define RH_TENANT_MAX 128
/** Size of a buffer that holds any secret ("whsec_..."), with its NUL. */
#define RH_SECRET_SIZE 128
/** Size of a buffer that holds a signature header for up to two secrets. */
#define RH_SIGNATURE_SIZE 128
/** Default timestamp tolerance of rh_verify(), in seconds, both ways. */
#define RH_VERIFY_TOLERANCE_S 300

/* The handles. rh_ctx: one delivery engine; rh_config: an opaque builder,
 * copied by rh_ctx_new(); rh_endpoint: one endpoint lent to a callback;
 * rh_storage: a backend's method table (sys/storage.h). */
typedef struct rh_config rh_config;
typedef struct rh_ctx rh_ctx;
typedef struct rh_endpoint rh_endpoint;
typedef struct rh_storage rh_storage;

/**
 * A per-context allocator for what the library allocates itself
 * (rh_config_set_allocator()). Our dependencies keep their own allocators.
 * @since 0.1.0
 */
typedef struct rh_allocator {
    void *userdata; /* copied at rh_ctx_new() */
    void *(*malloc_fn)(size_t size, void *userdata);
    void *(*realloc_fn)(void *ptr, size_t size, void *userdata);
    void (*free_fn)(void *ptr, void *userdata);
} rh_allocator;

/**
 * Static English text for a code; never NULL ("unknown error" for codes we
 * do not know, "callback failure" for codes <= RH_E_USER).
 * @since 0.1.0
 */
RH_EXTERN const char *rh_strerror(int code);

/** The version of the library actually loaded, as 0xMMmmpp. @since 0.1.0 */
RH_EXTERN unsigned int rh_version_num(void);
/** The version of the library actually loaded, as "M.m.p". @since 0.1.0 */
RH_EXTERN const char *rh_version_string(void);

RH_END_DECLS

#endif /* RH_COMMON_H */
