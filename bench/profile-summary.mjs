// Where a process's time went, from the .cpuprofile files `node bench/run.mjs --cpu-prof DIR`
// leaves (one per Tessera process): self time per function, summed over the files given, as
// shares of all samples, with the idle time, garbage collection and native code apart.
//
//   node bench/profile-summary.mjs DIR_OR_FILES… [--top 25] [--by-file]
//
// --by-file sums by source file instead (Tessera's modules, Node's internals, native code).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

const argv = process.argv.slice(2);
const topIndex = argv.indexOf('--top');
const top = topIndex >= 0 ? Number(argv[topIndex + 1]) : 25;
const byFile = argv.includes('--by-file');
const inputs = argv.filter((a, i) => !a.startsWith('--') && (topIndex < 0 || i !== topIndex + 1));
const files = inputs.flatMap((p) =>
  statSync(p).isDirectory()
    ? readdirSync(p)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(p, f))
    : [p],
);

/** Self time (µs) per function label, over every profile. */
const selfTime = new Map();
let total = 0;
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const labels = new Map();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${basename(url)}:${lineNumber + 1}` : '';
    const file = url ? url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/') : functionName === '(idle)' ? '(idle)' : '(native code, GC)';
    labels.set(node.id, byFile ? file : `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`);
  }
  // timeDeltas[i] is the time before sample i: each sample's node is charged the delta that follows it.
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    const delta = timeDeltas[i + 1] ?? 0;
    const label = labels.get(samples[i]);
    selfTime.set(label, (selfTime.get(label) ?? 0) + delta);
    total += delta;
  }
}

// Shares of the time the processes were busy: waiting for requests is told apart.
const idle = selfTime.get('(idle)') ?? 0;
selfTime.delete('(idle)');
const busy = total - idle;
const rows = [...selfTime].sort((a, b) => b[1] - a[1]);
process.stdout.write(
  `${files.length} profile(s), ${(total / 1e6).toFixed(1)} s of samples, ${((100 * idle) / total).toFixed(1)}% idle; shares of the busy time:\n`,
);
process.stdout.write(`| ${byFile ? 'file' : 'function'} | share |\n|---|---:|\n`);
for (const [label, us] of rows.slice(0, top)) process.stdout.write(`| ${label} | ${((100 * us) / busy).toFixed(1)}% |\n`);
