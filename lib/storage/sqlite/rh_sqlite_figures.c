/* replicer-hooks SQLite storage: the queue's figures (the queue_figures
 * slot) in one statement, so one read transaction: the open deliveries
 * counted through the partial indexes that hold them by due time (in all,
 * by endpoint, by tenant), the in-flight and the failed ones through
 * indexes of their own, which stay small. And an endpoint's health from
 * its log (the endpoint_health slot). */
#include "rh_sqlite_store.h"

#include <stdio.h>
#include <string.h>

/* %s: the key column ('' for the total), then the GROUP BY of each part
 * ("" for the total: one row of a constant through a sorter cost 1M rows'
 * worth). open counts pending and in flight, flight all in flight, live
 * those whose lease has not ended. The in-flight and failed parts name
 * their indexes: grouped, the planner otherwise walked every open row
 * through rh_deliveries_ready for its endpoint order (0.32 s at 1M). */
static const char figures_sql[] =
    "SELECT key, sum(open) - sum(flight), sum(due), sum(live), sum(failed),"
    " min(oldest) FROM ("
    " SELECT %s AS key, count(*) AS open, sum(due_ms <= ?1) AS due,"
    "  min(CASE WHEN due_ms <= ?1 THEN due_ms END) AS oldest, 0 AS flight,"
    "  0 AS live, 0 AS failed FROM rh_deliveries WHERE state < 2%s"
    " UNION ALL"
    " SELECT %s, 0, 0, NULL, count(*), sum(due_ms > ?1), 0 FROM rh_deliveries"
    "  INDEXED BY rh_deliveries_flight WHERE state = 1%s"
    " UNION ALL"
    " SELECT %s, 0, 0, NULL, 0, 0, count(*) FROM rh_deliveries"
    "  INDEXED BY rh_deliveries_failed WHERE state = 3 AND updated_ms >= ?2%s"
    ") GROUP BY key ORDER BY key";

static int each_row(sqlite3_stmt *st, int total, rh_queue_figures_cb each,
                    void *each_ud)
{
    int rc = RH_OK, rows = 0, step;
    while (rc == RH_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t f[RH_QUEUE_FIGURE_COUNT];
        for (int i = 0; i < RH_QUEUE_FIGURE_COUNT; i++)
            f[i] = sqlite3_column_int64(st, i + 1); /* NULL reads 0 */
        const char *key = (const char *)sqlite3_column_text(st, 0);
        rc = each(key ? key : "", f, RH_QUEUE_FIGURE_COUNT, each_ud);
        rows++;
    }
    if (rc == RH_OK && step != SQLITE_DONE)
        return RH_E_STORAGE;
    if (rc == RH_OK && total && rows == 0) { /* an empty queue: all 0 */
        int64_t zero[RH_QUEUE_FIGURE_COUNT] = {0};
        rc = each("", zero, RH_QUEUE_FIGURE_COUNT, each_ud);
    }
    return rc;
}

int rh__sqlite_queue_figures(store *s, int64_t now_ms, int64_t failed_since_ms,
                             int group, rh_queue_figures_cb each, void *each_ud)
{
    const char *key = group == RH_QUEUE_BY_ENDPOINT ? "endpoint_id"
                      : group == RH_QUEUE_BY_TENANT ? "tenant"
                                                    : "''";
    const char *gb = group == RH_QUEUE_TOTAL ? "" : " GROUP BY 1";
    char sql[sizeof figures_sql + 96];
    sqlite3_stmt *st = NULL;
    snprintf(sql, sizeof sql, figures_sql, key, gb, key, gb, key, gb);
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return rh__sqlite_fail(s, "queue_figures");
    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_int64(st, 2, failed_since_ms);
    int rc = each_row(st, group == RH_QUEUE_TOTAL, each, each_ud);
    if (rc == RH_E_STORAGE)
        rh__sqlite_fail(s, "queue_figures");
    sqlite3_finalize(st);
    return rc;
}

int rh__sqlite_endpoint_health(store *s, const char *endpoint_id, int64_t *out)
{
    sqlite3_stmt *st = rh__sqlite_stmt(s, S_ENDPOINT_HEALTH);
    int rc;
    if (!st)
        return RH_E_STORAGE;
    sqlite3_bind_text(st, 1, endpoint_id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < 3; i++)
            out[i] = sqlite3_column_int64(st, i); /* NULL reads 0 */
        rc = RH_OK;
    } else {
        rc = rh__sqlite_fail(s, "endpoint_health");
    }
    rh__sqlite_done_with(st);
    return rc;
}
