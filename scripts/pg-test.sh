#!/bin/sh
# A throwaway PostgreSQL cluster for the tests: start DIR | stop DIR |
# restart DIR. It listens on a Unix socket in DIR only (no TCP), and runs as
# the unprivileged postgres user when we are root. DIR/conninfo holds the
# connection string.
set -e
cmd=$1
dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] && [ -x "$bin/pg_ctl" ] || { echo "PostgreSQL is not installed" >&2; exit 3; }
as_owner() {
    if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
start)
    mkdir -p "$dir"
    [ "$(id -u)" = "0" ] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U rh --auth=trust -E UTF8 >/dev/null
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
        -o "-c listen_addresses='' -k $dir -c max_connections=100" start >/dev/null
    echo "host=$dir user=rh dbname=postgres" > "$dir/conninfo"
    ;;
stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
restart)
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -m fast -w \
        -o "-c listen_addresses='' -k $dir -c max_connections=100" restart >/dev/null
    ;;
*)
    echo "usage: $0 start|stop|restart DIR" >&2
    exit 2
    ;;
esac
