#!/bin/sh
# Runs a command with a throwaway PostgreSQL cluster: RH_TEST_PG holds its
# connection string and RH_TEST_PG_RESTART the command that restarts it.
# Without PostgreSQL the command runs anyway, and its PostgreSQL tests are
# counted as skipped. The cluster is stopped and removed at the end.
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/rh-pg-XXXXXX)
if sh "$here/pg-test.sh" start "$dir"; then
    RH_TEST_PG=$(cat "$dir/conninfo")
    RH_TEST_PG_RESTART="sh $here/pg-test.sh restart $dir"
    export RH_TEST_PG RH_TEST_PG_RESTART
else
    echo "PostgreSQL could not be started: its tests will be skipped" >&2
fi
"$@"
rc=$?
sh "$here/pg-test.sh" stop "$dir" 2>/dev/null
rm -rf "$dir"
exit $rc
