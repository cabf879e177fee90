/* The transactional outbox: the host's business change and its webhook event
 * commit (or roll back) in one SQLite transaction, on the host's own
 * connection. Usage: example-outbox DB_PATH URL (development mode). */
#include <replicer-hooks/rh.h>
#include <replicer-hooks/rh_sqlite.h>

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static int place_order(sqlite3 *db, rh_ctx *ctx, const char *order, int fail)
{
    char data[128], sql[128];
    snprintf(sql, sizeof sql, "INSERT INTO orders(id) VALUES('%s')", order);
    snprintf(data, sizeof data, "{\"order\":\"%s\"}", order);
    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
        rh_emit(ctx, "order.created", data, strlen(data), NULL, 0) < 0 ||
        fail) {
        /* Nothing of the order, and no webhook, survives. */
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        printf("order %s rolled back: no row, no webhook\n", order);
        return -1;
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    printf("order %s committed with its webhook\n", order);
    return 0;
}

int main(int argc, char **argv)
{
    sqlite3 *db = NULL;
    rh_storage storage;
    rh_config *cfg = NULL;
    rh_ctx *ctx = NULL;
    char err[256], ep[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    const char *events[] = {"order.*"};
    if (argc != 3) {
        fprintf(stderr, "usage: %s DB_PATH URL\n", argv[0]);
        return 2;
    }
    if (sqlite3_open(argv[1], &db) != SQLITE_OK ||
        sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS orders(id TEXT)", NULL,
                     NULL, NULL) != SQLITE_OK)
        return 1;
    /* The adapter uses our connection; it never closes it. */
    if (rh_sqlite_attach(&storage, db, 0, err, sizeof err) != RH_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    rh_config_new(&cfg);
    rh_config_set_mode(cfg, RH_MODE_DEVELOPMENT);
    rh_config_set_storage(cfg, &storage);
    if (rh_ctx_new(&ctx, cfg) != RH_OK)
        return 1;
    rh_config_free(cfg);
    if (rh_endpoint_add(ctx, argv[2], events, 1, ep, sizeof ep, secret,
                        sizeof secret) != RH_OK) {
        fprintf(stderr, "%s\n", rh_ctx_last_error(ctx));
        return 1;
    }
    place_order(db, ctx, "o_1", 0);
    place_order(db, ctx, "o_2", 1); /* the business logic fails */
    /* Deliver outside of any host transaction. */
    for (int i = 0; i < 100 && rh_next_timeout_ms(ctx) == 0; i++) {
        rh_tick(ctx);
        rh_wait(ctx, 100);
    }
    while (rh_ctx_in_flight(ctx) > 0) {
        rh_tick(ctx);
        rh_wait(ctx, 100);
    }
    rh_ctx_free(ctx);
    sqlite3_close(db);
    return 0;
}
