# Sourced by .ci/run (after .ci/apt.sh): the real parts the exports are tested against. Installs, when missing,
# Debian's prometheus (promtool), prometheus-pushgateway and chromium, and pip's
# prometheus_client (its OpenMetrics parser); starts a Pushgateway on a free loopback port,
# exports its URL as PERF_GATE_TEST_PUSHGATEWAY for tests/tests/exports.rs, and stops it when
# .ci/run exits (through ci_on_exit).
ci_install promtool prometheus
ci_install prometheus-pushgateway prometheus-pushgateway
ci_install chromium chromium
python3 -c 'import prometheus_client.openmetrics.parser' 2>/dev/null ||
  python3 -m pip install --quiet prometheus_client

perf_gate_pushgateway_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
perf_gate_pushgateway_dir=$(mktemp -d)
prometheus-pushgateway --web.listen-address="127.0.0.1:${perf_gate_pushgateway_port}" \
  >"${perf_gate_pushgateway_dir}/pushgateway.log" 2>&1 &
perf_gate_pushgateway_pid=$!
ci_on_exit "kill ${perf_gate_pushgateway_pid} 2>/dev/null; rm -rf '${perf_gate_pushgateway_dir}'"
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/${perf_gate_pushgateway_port}") 2>/dev/null && break
  sleep 0.1
done
export PERF_GATE_TEST_PUSHGATEWAY="http://127.0.0.1:${perf_gate_pushgateway_port}"
