/* replicer-hooks emitter (rh_emitter.h): emits from many threads into one
 * context, committed in groups. Leader/follower: each caller queues its
 * emit; the first that finds no commit under way takes the queue (up to
 * RH_EMITTER_GROUP_MAX) and commits it in one emit batch while the others
 * wait; those that arrived meanwhile form the next group. The context is
 * touched by the leader only, so it needs no lock of its own, and the
 * library starts no thread. */
#include "rh_base.h"

#include <pthread.h>
#include <string.h>

struct rh_emit_result {
    char id[RH_ID_SIZE];
    int duplicate;
    int err_arg;
    int err_refusal;
    size_t group_size;
    char err[512];
};

/* One emit waiting for its commit: the caller's arguments, borrowed (the
 * caller waits until it is done), and its answer. On the caller's stack. */
typedef struct emit_req {
    const char *type;
    const char *json;
    size_t json_len;
    const rh_emit_options *opts;
    int keyed; /* an idempotency key */
    int alone; /* keyed, and the store's batch cannot answer it: committed
                  alone, after the group */
    int rc;
    int done; /* under the mutex: the answer is in, the caller may go */
    pthread_cond_t cv; /* its caller waits here: done, or its turn to lead */
    rh_emit_result res;
    struct emit_req *next;
} emit_req;

struct rh_emitter {
    rh_ctx *ctx;
    pthread_mutex_t mu;
    emit_req *head, *tail; /* queued, not yet taken by a leader */
    int leading;           /* a leader is committing a group */
    pthread_t leader;
    uint64_t emits, commits, largest;
};

/* ---------------------------------------------------------------- results */

int rh_emit_result_new(rh_emit_result **out)
{
    if (!out)
        return RH_E_INVALID_ARG;
    *out = rh__calloc(&rh__default_allocator, sizeof **out);
    return *out ? RH_OK : RH_E_NOMEM;
}

void rh_emit_result_free(rh_emit_result *result)
{
    rh__free(&rh__default_allocator, result);
}

const char *rh_emit_result_id(const rh_emit_result *result)
{
    return result ? result->id : "";
}

int rh_emit_result_duplicate(const rh_emit_result *result)
{
    return result ? result->duplicate : 0;
}

const char *rh_emit_result_error(const rh_emit_result *result)
{
    return result ? result->err : "";
}

int rh_emit_result_error_arg(const rh_emit_result *result)
{
    return result ? result->err_arg : RH_ARG_NONE;
}

int rh_emit_result_error_refusal(const rh_emit_result *result)
{
    return result ? result->err_refusal : RH_REFUSAL_NONE;
}

size_t rh_emit_result_group_size(const rh_emit_result *result)
{
    return result ? result->group_size : 0;
}

/* ------------------------------------------------------------ the emitter */

int rh_emitter_new(rh_ctx *ctx, rh_emitter **out)
{
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    if (!out)
        return rh__ctx_error(ctx, RH_E_INVALID_ARG, "out is NULL");
    if (ctx->store_private)
        return rh__ctx_error(ctx, RH_E_UNSUPPORTED,
                             "the memory store is private to its context: no "
                             "other context could deliver the emits (give "
                             "the emitter SQLite, PostgreSQL or a shared "
                             "store)");
    if (ctx->store.batch_open)
        return rh__ctx_error(ctx, RH_E_STATE, "an emit batch is open");
    if (ctx->lent_to_emitter) /* two leaders would share the context */
        return rh__ctx_error(ctx, RH_E_STATE,
                             "the context has an emitter already");
    rh_emitter *em = rh__calloc(&ctx->alloc, sizeof *em);
    if (!em)
        return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    if (pthread_mutex_init(&em->mu, NULL) != 0) {
        rh__free(&ctx->alloc, em);
        return rh__ctx_error(ctx, RH_E_NOMEM, "cannot make a mutex");
    }
    em->ctx = ctx;
    ctx->lent_to_emitter = 1;
    *out = em;
    return RH_OK;
}

void rh_emitter_free(rh_emitter *em)
{
    if (!em)
        return;
    em->ctx->lent_to_emitter = 0;
    rh__ctx_update_timer(em->ctx); /* the host's timer hears of the emits */
    pthread_mutex_destroy(&em->mu);
    rh__free(&em->ctx->alloc, em);
}

int rh_emitter_counts(rh_emitter *em, uint64_t *emits, uint64_t *commits,
                      uint64_t *largest_group)
{
    if (!em)
        return RH_E_INVALID_ARG;
    pthread_mutex_lock(&em->mu);
    if (emits)
        *emits = em->emits;
    if (commits)
        *commits = em->commits;
    if (largest_group)
        *largest_group = em->largest;
    pthread_mutex_unlock(&em->mu);
    return RH_OK;
}

/* ------------------------------------------------------- a group's commit */

/* What the context said of r's emit (rc), into r's answer. */
static void note(emit_req *r, const rh_ctx *ctx, int rc)
{
    r->rc = rc;
    r->res.duplicate = rc >= 0 && rh_ctx_last_emit_duplicate(ctx);
    r->res.group_size = rc >= 0 ? 1 : 0;
    if (rc >= 0)
        return;
    r->res.id[0] = '\0';
    rh__strlcpy(r->res.err, rh_ctx_last_error(ctx), sizeof r->res.err);
    r->res.err_arg = rh_ctx_last_error_arg(ctx);
    r->res.err_refusal = rh_ctx_last_error_refusal(ctx);
}

static int emit_one(rh_ctx *ctx, emit_req *r)
{
    int rc = rh_emit_with(ctx, r->type, r->json, r->json_len, r->opts,
                          r->res.id, sizeof r->res.id);
    note(r, ctx, rc);
    return rc;
}

/* The group's n emits that are not alone in one batch: each refused one
 * fails by itself, and a batch that cannot begin or commit fails all that
 * got in. Returns the commits that kept emits (0 or 1). */
static uint64_t commit_batched(rh_ctx *ctx, emit_req *group, size_t n)
{
    emit_req *r;
    size_t stored = 0;
    if (n == 0)
        return 0;
    if (n == 1) { /* alone: rh_emit_with commits it */
        for (r = group; r->alone; r = r->next)
            ;
        return emit_one(ctx, r) >= 0;
    }
    int rc = rh_emit_batch_begin(ctx);
    for (r = group; r; r = r->next)
        if (!r->alone && rc != RH_OK)
            note(r, ctx, rc);
        else if (!r->alone)
            stored += emit_one(ctx, r) >= 0;
    if (rc != RH_OK)
        return 0;
    rc = rh_emit_batch_commit(ctx);
    for (r = group; r; r = r->next)
        if (!r->alone && r->rc >= 0) {
            if (rc != RH_OK)
                note(r, ctx, rc); /* none of the batch was kept */
            else
                r->res.group_size = stored;
        }
    return rc == RH_OK;
}

/* The endpoints reloaded as a claim reloads them, since no tick runs on
 * the emitter's context; a failure keeps the copy there is. */
static void reload_if_stale(rh_ctx *ctx)
{
    if (rh__ctx_endpoints_stale(ctx, rh__ctx_now(ctx)))
        (void)rh__ctx_load_endpoints(ctx);
}

/* Commit a group taken off the queue, without the mutex: one batch, and
 * after it each keyed emit the store's batch cannot answer. Returns the
 * commits that kept emits. */
static uint64_t commit_group(rh_ctx *ctx, emit_req *group)
{
    size_t batched = 0;
    uint64_t commits;
    emit_req *r;
    reload_if_stale(ctx);
    int keys_in_batch = rh__store_can(&ctx->store, RH__STORE_BATCH_KEYS);
    for (r = group; r; r = r->next) {
        r->alone = r->keyed && !keys_in_batch;
        batched += !r->alone;
    }
    commits = commit_batched(ctx, group, batched);
    for (r = group; r; r = r->next)
        if (r->alone)
            commits += emit_one(ctx, r) >= 0;
    return commits;
}

/* Lead one group: called and returns with the mutex held. */
static void lead(rh_emitter *em)
{
    emit_req *group = em->head, *last = em->head, *r, *next;
    size_t n = 1;
    while (last->next && n < RH_EMITTER_GROUP_MAX) {
        last = last->next;
        n++;
    }
    em->head = last->next;
    if (!em->head)
        em->tail = NULL;
    last->next = NULL;
    em->leading = 1;
    em->leader = pthread_self();
    pthread_mutex_unlock(&em->mu);
    uint64_t commits = commit_group(em->ctx, group);
    pthread_mutex_lock(&em->mu);
    em->commits += commits;
    if (n > em->largest)
        em->largest = n;
    /* each caller of the group woken alone, and the first still queued,
     * whose turn it is to lead: no herd of every waiter at every commit */
    for (r = group; r; r = next) {
        next = r->next; /* r is its caller's once done is set */
        r->done = 1;
        pthread_cond_signal(&r->cv);
    }
    em->leading = 0;
    if (em->head)
        pthread_cond_signal(&em->head->cv);
}

int rh_emitter_emit(rh_emitter *em, const char *type, const char *json,
                    size_t json_len, const rh_emit_options *opts,
                    rh_emit_result *result)
{
    emit_req r;
    memset(&r, 0, sizeof r);
    if (!em || pthread_cond_init(&r.cv, NULL) != 0) {
        if (result) { /* not the last emit's answer */
            memset(result, 0, sizeof *result);
            rh__strlcpy(result->err,
                        em ? "cannot make a condition" : "em is NULL",
                        sizeof result->err);
        }
        return em ? RH_E_NOMEM : RH_E_INVALID_ARG;
    }
    r.type = type;
    r.json = json;
    r.json_len = json_len;
    r.opts = opts;
    r.keyed = opts && opts->idempotency_key[0];
    pthread_mutex_lock(&em->mu);
    if (em->leading && pthread_equal(em->leader, pthread_self())) {
        pthread_mutex_unlock(&em->mu);
        r.rc = RH_E_REENTRANT;
        rh__strlcpy(r.res.err, "called from a callback of its own commit",
                    sizeof r.res.err);
    } else {
        if (em->tail)
            em->tail->next = &r;
        else
            em->head = &r;
        em->tail = &r;
        em->emits++;
        while (!r.done) {
            if (!em->leading)
                lead(em);
            else
                pthread_cond_wait(&r.cv, &em->mu);
        }
        pthread_mutex_unlock(&em->mu);
    }
    pthread_cond_destroy(&r.cv);
    if (result)
        *result = r.res;
    return r.rc;
}
