# Sourced by .ci/run (one line: `source .ci/postgres.sh`): a throwaway PostgreSQL server on
# 127.0.0.1 for perf-history's tests, which read its URL from PERF_GATE_TEST_POSTGRES_URL and
# fail under CI=true without it.
#
# Installs Debian's `postgresql` when no server binaries are found, makes a cluster in a temporary
# directory (initdb, trust authentication on 127.0.0.1 only, a free port), starts it with pg_ctl
# as the `postgres` user (initdb refuses root), and stops and removes it when .ci/run exits.

perf_gate_pg_bin() {
    local dir found=""
    # /usr/lib/postgresql/<major>/bin: the highest major wins.
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then found=$dir; fi
    done
    echo "$found"
}

PERF_GATE_PG_BIN=$(perf_gate_pg_bin)
if [ -z "$PERF_GATE_PG_BIN" ]; then
    echo "postgres.sh: no PostgreSQL server found, installing Debian's postgresql" >&2
    ci_apt_install postgresql
    PERF_GATE_PG_BIN=$(perf_gate_pg_bin)
    if [ -z "$PERF_GATE_PG_BIN" ]; then
        echo "postgres.sh: postgresql installed but no initdb under /usr/lib/postgresql" >&2
        return 1 2>/dev/null || exit 1
    fi
fi
if ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
fi

perf_gate_as_postgres() {
    if [ "$(id -u)" = 0 ]; then
        su postgres -s /bin/sh -c "$1"
    else
        sh -c "$1"
    fi
}

# A free port: nothing answers on it.
PERF_GATE_PG_PORT=55432
while (exec 3<>"/dev/tcp/127.0.0.1/$PERF_GATE_PG_PORT") 2>/dev/null; do
    PERF_GATE_PG_PORT=$((PERF_GATE_PG_PORT + 1))
done

PERF_GATE_PG_DIR=$(mktemp -d /tmp/perf-gate-postgres.XXXXXX)
if [ "$(id -u)" = 0 ]; then chown postgres "$PERF_GATE_PG_DIR"; fi

perf_gate_pg_stop() {
    if [ -n "${PERF_GATE_PG_DIR:-}" ] && [ -d "$PERF_GATE_PG_DIR/data" ]; then
        perf_gate_as_postgres "'$PERF_GATE_PG_BIN/pg_ctl' -D '$PERF_GATE_PG_DIR/data' -m immediate -w stop" >/dev/null 2>&1 || true
    fi
    rm -rf "${PERF_GATE_PG_DIR:-/nonexistent}"
}
ci_on_exit perf_gate_pg_stop

perf_gate_as_postgres "'$PERF_GATE_PG_BIN/initdb' -D '$PERF_GATE_PG_DIR/data' -A trust -U postgres --no-sync" >"$PERF_GATE_PG_DIR/initdb.log" 2>&1 \
    || { cat "$PERF_GATE_PG_DIR/initdb.log" >&2; return 1 2>/dev/null || exit 1; }
perf_gate_as_postgres "'$PERF_GATE_PG_BIN/pg_ctl' -D '$PERF_GATE_PG_DIR/data' -l '$PERF_GATE_PG_DIR/server.log' -w \
    -o \"-p $PERF_GATE_PG_PORT -k '$PERF_GATE_PG_DIR' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200\" start" >/dev/null \
    || { cat "$PERF_GATE_PG_DIR/server.log" >&2; return 1 2>/dev/null || exit 1; }

export PERF_GATE_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PERF_GATE_PG_PORT/postgres"
echo "postgres.sh: PostgreSQL $("$PERF_GATE_PG_BIN/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$PERF_GATE_PG_PORT (PERF_GATE_TEST_POSTGRES_URL)" >&2
