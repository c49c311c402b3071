// node bench/summarize.mjs DIR: medians and ratios from the hyperfine JSON that bench/run-e2e.sh or
// bench/run-wasi-e2e.sh wrote into DIR. A row is NAME.json, or NAME.pass1.json, NAME.pass2.json, ... when the script ran
// it in several passes (PASSES=N); then each contender's runs from all passes are pooled before the median is taken.
// Every ratio is of medians, between contenders measured in the same hyperfine runs. N and CYCLES (environment) give
// the per-operation figures of the WASI rows.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const ms = (s) => (s * 1000).toFixed(1);

function load(name) {
  const files = readdirSync(dir).filter((f) => f === `${name}.json` || new RegExp(`^${name}\\.pass\\d+\\.json$`).test(f));
  if (files.length === 0) return null;
  const pooled = {};
  for (const f of files.sort()) {
    for (const r of JSON.parse(readFileSync(join(dir, f), 'utf8')).results) {
      const p = (pooled[r.command] ??= { times: [], cpu: 0 });
      p.times.push(...r.times);
      p.cpu += (r.user + r.system) * r.times.length; // hyperfine gives only the mean user/system time per command
    }
  }
  const out = {};
  for (const [command, p] of Object.entries(pooled)) {
    const t = [...p.times].sort((a, b) => a - b);
    const n = t.length;
    const mean = t.reduce((a, b) => a + b, 0) / n;
    const stddev = Math.sqrt(t.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
    const median = n % 2 ? t[(n - 1) / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
    const q = (x) => t[Math.min(n - 1, Math.floor(x * n))];
    out[command] = { n, median, mean, stddev, min: t[0], max: t[n - 1], p25: q(0.25), p75: q(0.75), cpu: p.cpu / n };
  }
  return { passes: files.length, results: out };
}

const machine = existsSync(join(dir, 'machine.txt')) ? readFileSync(join(dir, 'machine.txt'), 'utf8') : '';
console.log(`## ${dir}\n\n\`\`\`\n${machine.trim()}\n\`\`\`\n`);

// ratios: [a, b, target] where target is null, or { max } (a/b ≤ max), or { below: 1 } (a/b < 1)
function table(title, row, ratios, absolute = []) {
  const results = row.results;
  console.log(`### ${title}\n`);
  if (row.passes > 1) console.log(`(${row.passes} interleaved passes pooled)\n`);
  console.log('| contender | runs | median | p25–p75 | mean ± σ | min | max | CPU user+sys (mean) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name, r] of Object.entries(results)) {
    console.log(`| ${name} | ${r.n} | ${ms(r.median)} ms | ${ms(r.p25)}–${ms(r.p75)} ms | ${ms(r.mean)} ± ${ms(r.stddev)} ms | ${ms(r.min)} ms | ${ms(r.max)} ms | ${ms(r.cpu)} ms |`);
  }
  console.log('\n| ratio | wall (of medians) | CPU user+sys (of means) | target | verdict |');
  console.log('|---|---:|---:|---|---|');
  for (const [a, b, target] of ratios) {
    if (!results[a] || !results[b]) continue;
    const v = results[a].median / results[b].median;
    let t = '', verdict = '';
    if (target?.max !== undefined) { t = `≤ ${target.max}×`; verdict = v <= target.max ? 'met' : `MISSED (by ${((v / target.max - 1) * 100).toFixed(0)} %)`; }
    if (target?.below !== undefined) { t = '< 1× (faster)'; verdict = v < 1 ? 'met' : 'MISSED'; }
    console.log(`| ${a} / ${b} | ${v.toFixed(2)}× | ${(results[a].cpu / results[b].cpu).toFixed(2)}× | ${t} | ${verdict} |`);
  }
  for (const [a, maxMs] of absolute) {
    if (!results[a]) continue;
    const v = results[a].median * 1000;
    console.log(`| ${a} median | ${v.toFixed(1)} ms | | ≤ ${maxMs} ms | ${v <= maxMs ? 'met' : `MISSED (by ${(v - maxMs).toFixed(1)} ms)`} |`);
  }
  console.log('');
}

// --- bench/run-e2e.sh ---------------------------------------------------------------------------------------------
const hello = load('hello');
if (hello) {
  table('hello.wasm, warm cache (issues #2 and #4)', hello, [
    ['wasmbox run (jail)', 'node wasi', { below: 1 }],
    ['wasmbox run (jail)', 'plainembed'],
    ['wasmbox run (jail)', 'native'],
    ['wasmbox run (process)', 'node wasi', { below: 1 }],
    ['wasmbox run (process)', 'plainembed'],
    ['wasmbox run (none)', 'plainembed'],
    ['wasmbox run (none)', 'node wasi', { below: 1 }],
    ['wasmbox run (none)', 'native'],
    ['wasmbox run (jail)', 'wasmbox run (none)'],
    ['wasmbox run (process)', 'wasmbox run (none)'],
    ['wasmbox --version', 'native', null],
    ['JIT wasmbox run (none)', 'wasmbox run (none)'],
    ['JIT plainembed', 'plainembed'],
  ], [['wasmbox run (jail)', 30]]);
  const r = hello.results;
  if (r['wasmbox run (jail)'] && r['wasmbox run (none)'] && r['wasmbox run (process)']) {
    console.log(`Difference of medians: process − none = ${ms(r['wasmbox run (process)'].median - r['wasmbox run (none)'].median)} ms, ` +
      `jail − process = ${ms(r['wasmbox run (jail)'].median - r['wasmbox run (process)'].median)} ms.\n`);
  }
}
const cpu = load('cpu');
if (cpu) {
  table('cpu.wasm (CPU-bound, issue #2)', cpu, [
    ['wasmbox run (none) --timeout 60s', 'wasmbox run (none)', { max: 1.2 }],
    ['wasmbox run (jail) --timeout 60s', 'wasmbox run (jail)', { max: 1.2 }],
    ['wasmbox run (jail)', 'wasmbox run (none)'],
    ['wasmbox run (none)', 'native'],
    ['wasmbox run (none) --timeout 60s', 'native'],
    ['wasmbox run (jail)', 'native'],
    ['wasmbox run (jail) --timeout 60s', 'native'],
    ['wasmbox run (none)', 'plainembed'],
    ['wasmbox run (none)', 'node wasi'],
    ['wasmbox run (none) --fuel', 'wasmbox run (none)'],
  ]);
  const r = cpu.results;
  if (r['wasmbox run (jail)'] && r['wasmbox run (none)']) {
    const d = r['wasmbox run (jail)'].median - r['wasmbox run (none)'].median;
    const h = hello?.results['wasmbox run (jail)'] && hello?.results['wasmbox run (none)']
      ? ` (in the hello row of this run the jail's start-up cost jail − none = ${ms(hello.results['wasmbox run (jail)'].median - hello.results['wasmbox run (none)'].median)} ms)` : '';
    console.log(`Difference of medians: jail − none = ${ms(d)} ms${h}.\n`);
  }
}
const tiers = load('tiers');
if (tiers) {
  table('diagnostic: cpu.wasm in each tier, no limits', tiers, [
    ['wasmbox run (process)', 'wasmbox run (none)'],
    ['wasmbox run (jail)', 'wasmbox run (none)'],
    ['wasmbox run (jail)', 'wasmbox run (process)'],
  ]);
  const r = tiers.results;
  if (r['wasmbox run (jail)'] && r['wasmbox run (none)'] && r['wasmbox run (process)']) {
    console.log(`Difference of medians: process − none = ${ms(r['wasmbox run (process)'].median - r['wasmbox run (none)'].median)} ms, ` +
      `jail − process = ${ms(r['wasmbox run (jail)'].median - r['wasmbox run (process)'].median)} ms.\n`);
  }
}
const epoch = load('epoch');
if (epoch) {
  table('diagnostic: cost of epoch interruption in a plain embedding (cpu.wasm)', epoch, [
    ['plainembed --epoch', 'plainembed'],
    ['plainembed --epoch-tick 5', 'plainembed'],
    ['plainembed --epoch-tick 5', 'plainembed --epoch'],
  ]);
}

// --- bench/run-wasi-e2e.sh ----------------------------------------------------------------------------------------
const startup = load('startup');
if (startup) table('fixed cost: output_flood.wasm 0 (no writes)', startup, [
  ['wasmbox run (none)', 'native'], ['wasmbox run (jail)', 'native'], ['wasmtime wasi (none)', 'native'], ['node wasi', 'native'],
]);
for (const [name, title, nativeTarget, count, op] of [
  ['flood', `output_flood.wasm: ${process.env.N ?? 'N'} 64-byte writes to stdout (/dev/null) (issue #3)`, 1.3, Number(process.env.N), 'write'],
  ['files', `file_cycles.wasm: ${process.env.CYCLES ?? 'N'} create/write/stat/read/unlink cycles in a granted dir (issue #3)`, 2.0, Number(process.env.CYCLES), 'cycle'],
]) {
  const row = load(name);
  if (!row) continue;
  const ratios = [];
  for (const ours of ['wasmbox run (none)', 'wasmbox run (jail)']) {
    ratios.push([ours, 'native', { max: nativeTarget }], [ours, 'wasmtime wasi (none)', { below: 1 }], [ours, 'node wasi', { below: 1 }]);
  }
  ratios.push(['wasmbox run (jail)', 'wasmbox run (none)', null]);
  table(title, row, ratios);
  if (startup && count > 0) {
    console.log(`| contender | fixed (0-write run, median) | marginal per ${op} = (median − fixed) / ${count} |`);
    console.log('|---|---:|---:|');
    for (const [k, x] of Object.entries(row.results)) {
      if (!startup.results[k]) continue;
      console.log(`| ${k} | ${ms(startup.results[k].median)} ms | ${((x.median - startup.results[k].median) / count * 1e9).toFixed(0)} ns |`);
    }
    console.log('');
  }
}
