// The Node.js peer of `perf-gate summarize` for `cargo xtask bench` (issue 20): every `*.jsonl`
// file under the root, read with readline and JSON.parse, grouped by tool/step, latencies of
// records with a known outcome kept and sorted, every group's counts and p50/p95/p99 printed as
// one JSON document (as `perf-gate summarize --format json` prints every group).
// Usage: node xtask/bench/summarize.mjs ROOT
import { createReadStream, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

function listFiles(root) {
  if (statSync(root).isFile()) return [root];
  const files = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(path));
    else if (entry.name.endsWith(".jsonl")) files.push(path);
  }
  return files.sort();
}

function quantile(sorted, q) {
  const h = (sorted.length - 1) * q; // type 7, as perf-gate's default
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

const groups = new Map();
let records = 0;
for (const file of listFiles(process.argv[2])) {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    let record;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    records += 1;
    const key = `${record.tool}/${record.step}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { samples: [], ok: 0, errors: 0, unknown: 0 };
      groups.set(key, group);
    }
    if (record.ok === true) group.ok += 1;
    else if (record.ok === false) group.errors += 1;
    else {
      group.unknown += 1;
      continue;
    }
    group.samples.push(record.ms);
  }
}
const summary = [];
for (const [key, group] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
  const sorted = Float64Array.from(group.samples).sort();
  summary.push({
    group: key,
    samples: sorted.length,
    errors: group.errors,
    unknown: group.unknown,
    p50: sorted.length ? quantile(sorted, 0.5) : null,
    p95: sorted.length ? quantile(sorted, 0.95) : null,
    p99: sorted.length ? quantile(sorted, 0.99) : null,
  });
}
process.stdout.write(JSON.stringify({ records, groups: summary }) + "\n");
