/* replicer-hooks HTTP's multi handles: transfers spread over libcurl multi
 * handles of at most 512 each, filled in order, so a handful in flight run
 * on one handle exactly as before and 10,000 run on twenty.
 *
 * Why more than one: libcurl 7.88 walks a multi handle's whole connection
 * cache in every curl_multi_remove_handle after a transfer that kept its
 * connection (close_connect_only, looking for the connection it returned),
 * and again for every new connection it looks for. With 10,000 connections
 * in one cache those walks were half the sender's CPU. Each handle has its
 * own cache, so a walk covers one handle's connections. A connection is
 * reused only within its handle; transfers fill the first handle with room,
 * so an endpoint's connections stay together while the load fits there.
 *
 * The first handle is driven by curl_multi_perform (fastest for a few
 * transfers: no socket bookkeeping). The others run in libcurl's
 * multi_socket mode: their sockets are in an epoll set here (polling
 * 10,000 sockets costs 0.5 ms a pass), the set is one more descriptor in
 * the first handle's curl_multi_poll, and each ready socket is handed to
 * its own handle. In the host's event loop every handle runs in
 * multi_socket mode and the host is told of every socket. */
#include "rh_http_multi.h"

#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define PER_HANDLE 512 /* transfers per handle */
#define HANDLES_MAX 64 /* past 32,768 in flight, handles grow instead */
#define READY_MAX 512  /* ready sockets taken per pass */

typedef struct handle {
    CURLM *multi; /* NULL until the load first needs it */
    struct rh_multis *owner;
    size_t running; /* transfers added and not yet removed */
} handle;

struct rh_multis {
    const rh_allocator *alloc;
    handle handles[HANDLES_MAX];
    size_t n_handles; /* handles usable for this max_in_flight */
    size_t per_handle;
    size_t max_in_flight;
    size_t idle; /* connections kept while idle, in all (0: 256) */
    rh_multis_socket_fn host_socket;
    void *host_ud;
    /* by socket: 1 + the handle that owns it, and the events it is
     * watched for in the epoll set (0: not in it) */
    int *fd_handle;
    int *fd_events;
    size_t fd_cap;
    /* the sockets of the handles past the first (own loop only): an epoll
     * set, itself one descriptor in the first handle's curl_multi_poll */
    int epoll_fd;
    struct epoll_event ready[READY_MAX];
};

static void size_handles(rh_multis *m)
{
    size_t per = m->per_handle, n = (m->max_in_flight + per - 1) / per;
    if (n > HANDLES_MAX) {
        n = HANDLES_MAX;
        m->per_handle = (m->max_in_flight + n - 1) / n;
    }
    m->n_handles = n ? n : 1;
}

/* Grow the socket maps to hold fd: 0 on failure. */
static int reserve_fd(rh_multis *m, size_t fd)
{
    size_t cap = m->fd_cap ? m->fd_cap : 1024;
    int *h, *e;
    if (fd < m->fd_cap)
        return 1;
    while (cap <= fd)
        cap *= 2;
    h = rh__realloc(m->alloc, m->fd_handle, cap * sizeof *h);
    if (!h)
        return 0;
    m->fd_handle = h;
    e = rh__realloc(m->alloc, m->fd_events, cap * sizeof *e);
    if (!e)
        return 0;
    m->fd_events = e;
    memset(h + m->fd_cap, 0, (cap - m->fd_cap) * sizeof *h);
    memset(e + m->fd_cap, 0, (cap - m->fd_cap) * sizeof *e);
    m->fd_cap = cap;
    return 1;
}

/* libcurl tells of a socket before it closes it. */
static void forget_socket(rh_multis *m, int fd)
{
    if (fd < 0 || (size_t)fd >= m->fd_cap)
        return;
    m->fd_handle[fd] = 0;
    if (m->fd_events[fd]) {
        epoll_ctl(m->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
        m->fd_events[fd] = 0;
    }
}

/* Record the socket (fresh: libcurl tells of it for the first time). When
 * that fails (no memory, the epoll watch limit), its transfer is not woken
 * here and ends by its own timeout, which libcurl's timer enforces. */
static void remember_socket(rh_multis *m, int fd, size_t index, int what,
                            int fresh)
{
    struct epoll_event ev;
    int op;
    if (fd < 0 || !reserve_fd(m, (size_t)fd))
        return;
    m->fd_handle[fd] = (int)index + 1;
    if (m->host_socket || index == 0)
        return; /* the host polls it, or curl_multi_poll finds it */
    memset(&ev, 0, sizeof ev);
    if (what & CURL_POLL_IN)
        ev.events |= EPOLLIN;
    if (what & CURL_POLL_OUT)
        ev.events |= EPOLLOUT;
    ev.data.fd = fd;
    if (fresh)
        m->fd_events[fd] = 0; /* a record left by an earlier socket is stale */
    else if ((int)ev.events == m->fd_events[fd])
        return;
    op = m->fd_events[fd] ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    /* the other call when the set disagrees with our record (a socket
     * closed without a notice leaves the set by itself) */
    if (epoll_ctl(m->epoll_fd, op, fd, &ev) == 0 ||
        epoll_ctl(m->epoll_fd,
                  op == EPOLL_CTL_MOD ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd,
                  &ev) == 0)
        m->fd_events[fd] = (int)ev.events;
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp,
                     void *socketp)
{
    handle *hd = userp;
    rh_multis *m = hd->owner;
    (void)easy;
    if (what == CURL_POLL_REMOVE)
        forget_socket(m, (int)s);
    else {
        remember_socket(m, (int)s, (size_t)(hd - m->handles), what,
                        socketp == NULL);
        if (!socketp) /* known from now on: later notices carry this */
            curl_multi_assign(hd->multi, s, hd);
    }
    if (m->host_socket) {
        unsigned int w = 0;
        if (what == CURL_POLL_REMOVE)
            w = RH_POLL_REMOVE;
        else {
            if (what & CURL_POLL_IN)
                w |= RH_POLL_IN;
            if (what & CURL_POLL_OUT)
                w |= RH_POLL_OUT;
        }
        m->host_socket((int)s, w, m->host_ud);
    }
    return 0;
}

/* Make handle i: connections reused within it, as many kept as it may
 * carry (past that libcurl closes the oldest idle one after a walk of all
 * of them, on every finished transfer). */
static int open_handle(rh_multis *m, size_t i)
{
    handle *hd = &m->handles[i];
    size_t keep = m->n_handles > 1 ? m->per_handle : m->max_in_flight;
    if (hd->multi)
        return 1;
    if (i > 0 && !m->host_socket && m->epoll_fd < 0 &&
        (m->epoll_fd = epoll_create1(EPOLL_CLOEXEC)) < 0)
        return 0;
    hd->multi = curl_multi_init();
    if (!hd->multi)
        return 0;
    hd->owner = m;
    if (m->host_socket || i > 0) {
        curl_multi_setopt(hd->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
        curl_multi_setopt(hd->multi, CURLMOPT_SOCKETDATA, hd);
        /* No timer function: curl_multi_timeout() still answers, and the
         * context folds it into the one timer it gives the host. */
    }
    /* The idle connections the host asked for go to the first handle:
     * transfers fill it first, so that is where a quiet context's
     * connections are. The others keep what they carry, and hold
     * connections only while the load is past the first one's. */
    size_t idle = i == 0 && m->idle ? m->idle : 256;
    curl_multi_setopt(hd->multi, CURLMOPT_MAXCONNECTS,
                      (long)(keep > idle ? keep : idle));
    /* h2 (RH_HTTP_VERSION_2): at most this many of our transfers share one
     * connection; more open another (the receiver may allow fewer) */
    curl_multi_setopt(hd->multi, CURLMOPT_MAX_CONCURRENT_STREAMS, 100L);
    return 1;
}

int rh__multis_new(rh_multis **out, const rh_allocator *a, size_t max_in_flight,
                   size_t idle,
                   rh_multis_socket_fn host_socket, void *host_ud)
{
    rh_multis *m = rh__calloc(a, sizeof *m);
    if (!m)
        return RH_E_NOMEM;
    m->alloc = a;
    m->max_in_flight = max_in_flight ? max_in_flight : 1;
    m->idle = idle;
    m->per_handle = PER_HANDLE;
    m->host_socket = host_socket;
    m->host_ud = host_ud;
    m->epoll_fd = -1;
    size_handles(m);
    if (!open_handle(m, 0)) {
        rh__free(a, m);
        return RH_E_NOMEM;
    }
    *out = m;
    return RH_OK;
}

void rh__multis_free(rh_multis *m)
{
    if (!m)
        return;
    /* cleanup tells on_socket of the sockets it closes: maps stay till then */
    for (size_t i = 0; i < HANDLES_MAX; i++)
        if (m->handles[i].multi)
            curl_multi_cleanup(m->handles[i].multi);
    if (m->epoll_fd >= 0)
        close(m->epoll_fd);
    rh__free(m->alloc, m->fd_handle);
    rh__free(m->alloc, m->fd_events);
    rh__free(m->alloc, m);
}

void rh__multis_set_per_handle(rh_multis *m, size_t per_handle)
{
    m->per_handle = per_handle ? per_handle : 1;
    size_handles(m);
}

CURLMcode rh__multis_add(rh_multis *m, CURL *easy, size_t *index)
{
    size_t i = 0, least = 0;
    CURLMcode mc;
    for (i = 0; i < m->n_handles; i++) {
        if (m->handles[i].running < m->per_handle)
            break;
        if (m->handles[i].running < m->handles[least].running)
            least = i;
    }
    if (i == m->n_handles)
        i = least; /* more in flight than planned for: the least loaded */
    if (!open_handle(m, i))
        return CURLM_OUT_OF_MEMORY;
    mc = curl_multi_add_handle(m->handles[i].multi, easy);
    if (mc == CURLM_OK) {
        m->handles[i].running++;
        *index = i;
    }
    return mc;
}

void rh__multis_remove(rh_multis *m, size_t index, CURL *easy)
{
    curl_multi_remove_handle(m->handles[index].multi, easy);
    m->handles[index].running--;
}

size_t rh__multis_count(const rh_multis *m)
{
    return m->n_handles;
}

CURLM *rh__multis_at(const rh_multis *m, size_t index)
{
    return m->handles[index].multi;
}

/* Timers of the handles in multi_socket mode (from `first` on). */
static CURLMcode run_timers(rh_multis *m, size_t first)
{
    int running;
    for (size_t i = first; i < m->n_handles; i++) {
        CURLM *multi = m->handles[i].multi;
        if (!multi)
            continue;
        CURLMcode mc =
            curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
        if (mc != CURLM_OK)
            return mc;
    }
    return CURLM_OK;
}

static CURLMcode act(rh_multis *m, int fd, int mask)
{
    int running;
    size_t i = fd >= 0 && (size_t)fd < m->fd_cap && m->fd_handle[fd]
                   ? (size_t)m->fd_handle[fd] - 1
                   : 0;
    return curl_multi_socket_action(m->handles[i].multi, fd, mask, &running);
}

CURLMcode rh__multis_perform(rh_multis *m)
{
    int running, n_ready = 0;
    CURLMcode mc;
    if (m->host_socket)
        return run_timers(m, 0);
    mc = curl_multi_perform(m->handles[0].multi, &running);
    if (mc != CURLM_OK)
        return mc;
    if (m->epoll_fd >= 0)
        n_ready = epoll_wait(m->epoll_fd, m->ready, READY_MAX, 0);
    /* level-triggered: sockets past READY_MAX are taken by the next pass */
    for (int k = 0; k < n_ready; k++) {
        int mask = 0, fd = m->ready[k].data.fd;
        uint32_t got = m->ready[k].events;
        if (got & (EPOLLIN | EPOLLHUP))
            mask |= CURL_CSELECT_IN;
        if (got & EPOLLOUT)
            mask |= CURL_CSELECT_OUT;
        if (got & EPOLLERR)
            mask |= CURL_CSELECT_ERR;
        /* an earlier socket's action may have closed this one */
        if ((size_t)fd < m->fd_cap && m->fd_handle[fd] &&
            (mc = act(m, fd, mask)) != CURLM_OK)
            return mc;
    }
    return run_timers(m, 1);
}

CURLMcode rh__multis_socket_action(rh_multis *m, int fd, unsigned int events)
{
    int mask = 0;
    if (fd < 0)
        return run_timers(m, 0);
    if (events & RH_POLL_IN)
        mask |= CURL_CSELECT_IN;
    if (events & RH_POLL_OUT)
        mask |= CURL_CSELECT_OUT;
    return act(m, fd, mask);
}

int64_t rh__multis_timeout_ms(const rh_multis *m)
{
    long best = -1;
    for (size_t i = 0; i < m->n_handles; i++) {
        long ms = -1;
        if (!m->handles[i].multi)
            continue;
        curl_multi_timeout(m->handles[i].multi, &ms);
        if (ms >= 0 && (best < 0 || ms < best))
            best = ms;
    }
    return best;
}

void rh__multis_wait(rh_multis *m, int timeout_ms)
{
    struct curl_waitfd others = {m->epoll_fd, CURL_WAIT_POLLIN, 0};
    int n;
    curl_multi_poll(m->handles[0].multi, &others, m->epoll_fd >= 0 ? 1 : 0,
                    timeout_ms, &n);
}
