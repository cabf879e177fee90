#!/bin/sh
# make bench-instructions: user-space instructions per request, counted by
# callgrind (the same count on every run, whatever else the machine does),
# for the raw libcurl loop, the raw loop with the wire contract's headers,
# the library's delivery path, emit alone and emit + delivery end to end.
# Kernel time is not counted.
# Usage: scripts/bench-instructions.sh BENCH_BINARY [N]
set -eu
bench=$1
n=${2:-20000}
out=$(mktemp -d /tmp/rh-callgrind-XXXXXX)
trap 'rm -rf "$out"' EXIT

# count MODE FUNCTION...: instructions collected inside the functions
count() {
    mode=$1
    shift
    toggles=""
    for f in "$@"; do
        toggles="$toggles --toggle-collect=$f"
    done
    # shellcheck disable=SC2086
    RH_BENCH_ONLY=$mode RH_BENCH_N=$n valgrind --tool=callgrind $toggles \
        --callgrind-out-file="$out/$mode.out" "$bench" >/dev/null 2>&1
    sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out/$mode.out"
}

raw=$(count raw run_raw)
wire=$(count raw_wire_headers run_raw)
# under valgrind the CPU's SHA instructions are hidden: signing runs on
# Mbed TLS there, so its count is taken apart and shown on its own
signing_in() {
    callgrind_annotate --inclusive=yes "$out/$1.out" 2>/dev/null |
        sed -n 's/^ *\([0-9,]*\) .*:rh__mac_sign .*/\1/p' | head -1 | tr -d ,
}
deliver=$(count deliver rh_tick rh_wait)
mac=$(signing_in deliver)
# emit alone (its own run: the same mode, counted in rh_emit), then emit
# and delivery in one loop, as a user pays for them
emit=$(count deliver rh_emit)
e2e=$(count e2e_1k run_e2e_to)
e2e_mac=$(signing_in e2e_1k)
per() { echo "$1 $n" | awk '{printf "%.1f", $1 / $2 / 1000}'; }
printf '%-46s %10s\n' "path ($n requests)" "k instr/request"
printf '%-46s %10s\n' "raw libcurl loop" "$(per "$raw")"
printf '%-46s %10s\n' "raw loop + the 9 wire-contract headers" "$(per "$wire")"
printf '%-46s %10s\n' "deliver_1k, signing left out" "$(per $((deliver - mac)))"
printf '%-46s %10s\n' "  of which signing on Mbed TLS (left out)" "$(per "$mac")"
printf '%-46s %10s\n' "emit of 1 KB (memory store)" "$(per "$emit")"
printf '%-46s %10s\n' "e2e_1k: emit + delivery, signing left out" "$(per $((e2e - e2e_mac)))"
echo "$raw $wire $deliver $mac" | awk '{
    printf "deliver / raw_wire_headers: %.2f   deliver / raw: %.2f (instructions, signing left out)\n",
        $2 / ($3 - $4), $1 / ($3 - $4) }'
