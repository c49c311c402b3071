// node bench/summarize.mjs DIR: medians and ratios from the hyperfine JSON that bench/run-e2e.sh wrote into DIR.
// A row is NAME.json, or NAME.pass1.json, NAME.pass2.json, ... when run-e2e.sh ran it in several passes (PASSES=N);
// then each contender's runs from all passes are pooled before the median is taken.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const ms = (s) => (s * 1000).toFixed(1);

function load(name) {
  const files = readdirSync(dir).filter((f) => f === `${name}.json` || new RegExp(`^${name}\\.pass\\d+\\.json$`).test(f));
  if (files.length === 0) return null;
  const pooled = {};
  for (const f of files) {
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
    out[command] = { n, median, mean, stddev, min: t[0], max: t[n - 1], cpu: p.cpu / n };
  }
  return { passes: files.length, results: out };
}

function table(title, row, ratios) {
  const results = row.results;
  console.log(`### ${title}\n`);
  if (row.passes > 1) console.log(`(${row.passes} interleaved passes pooled)\n`);
  console.log('| contender | runs | median | mean ± σ | min | max | CPU user+sys (mean) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [name, r] of Object.entries(results)) {
    console.log(`| ${name} | ${r.n} | ${ms(r.median)} ms | ${ms(r.mean)} ± ${ms(r.stddev)} ms | ${ms(r.min)} ms | ${ms(r.max)} ms | ${ms(r.cpu)} ms |`);
  }
  console.log('\n| ratio | wall (of medians) | CPU user+sys (of means) |');
  console.log('|---|---:|---:|');
  for (const [a, b, note] of ratios) {
    if (results[a] && results[b]) {
      const wall = (results[a].median / results[b].median).toFixed(2);
      console.log(`| ${a} / ${b} | ${wall}×${note ? ` ${note}` : ''} | ${(results[a].cpu / results[b].cpu).toFixed(2)}× |`);
    }
  }
  console.log('');
}

const machine = existsSync(join(dir, 'machine.txt')) ? readFileSync(join(dir, 'machine.txt'), 'utf8') : '';
console.log(`## ${dir}\n\n\`\`\`\n${machine.trim()}\n\`\`\`\n`);

const hello = load('hello');
if (hello) {
  table('a. hello.wasm, warm cache', hello, [
    ['wasmbox run', 'plainembed'],
    ['wasmbox run', 'node wasi'],
    ['wasmbox run', 'native'],
    ['wasmbox --version', 'plainembed', '(CLI start-up alone vs a whole plain run)'],
  ]);
}
const cpu = load('cpu');
if (cpu) {
  const on = cpu.results['wasmbox run --timeout 60s'];
  const off = cpu.results['wasmbox run'];
  const verdict = on && off ? (on.median / off.median <= 1.2 ? '(target ≤ 1.2×: met)' : '(target ≤ 1.2×: MISSED)') : '';
  table('b. cpu.wasm (CPU-bound)', cpu, [
    ['wasmbox run --timeout 60s', 'wasmbox run', verdict],
    ['wasmbox run', 'native'],
    ['wasmbox run --timeout 60s', 'native'],
    ['wasmbox run --fuel', 'wasmbox run'],
    ['wasmbox run', 'plainembed'],
    ['wasmbox run', 'node wasi'],
  ]);
}
const epoch = load('epoch');
if (epoch) {
  table('c. diagnostic: cost of epoch interruption in a plain embedding (cpu.wasm)', epoch, [
    ['plainembed --epoch', 'plainembed', '(checks compiled in, no ticking)'],
    ['plainembed --epoch-tick 5', 'plainembed', '(checks + 5 ms ticker + callback)'],
    ['plainembed --epoch-tick 5', 'plainembed --epoch'],
  ]);
}
