// node bench/summarize.mjs DIR: medians and ratios from the hyperfine JSON that bench/run-e2e.sh wrote into DIR.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const ms = (s) => (s * 1000).toFixed(1);
const load = (name) => {
  const file = join(dir, `${name}.json`);
  if (!existsSync(file)) return null;
  return Object.fromEntries(JSON.parse(readFileSync(file, 'utf8')).results.map((r) => [r.command, r]));
};

function table(title, results, ratios) {
  console.log(`### ${title}\n`);
  console.log('| contender | median | mean ± σ | min | max | CPU user+sys (mean) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name, r] of Object.entries(results)) {
    console.log(`| ${name} | ${ms(r.median)} ms | ${ms(r.mean)} ± ${ms(r.stddev)} ms | ${ms(r.min)} ms | ${ms(r.max)} ms | ${ms(r.user + r.system)} ms |`);
  }
  console.log('\n| ratio | wall (of medians) | CPU user+sys (of means) |');
  console.log('|---|---:|---:|');
  for (const [a, b, note] of ratios) {
    if (results[a] && results[b]) {
      const cpu = (r) => r.user + r.system;
      const wall = (results[a].median / results[b].median).toFixed(2);
      console.log(`| ${a} / ${b} | ${wall}×${note ? ` ${note}` : ''} | ${(cpu(results[a]) / cpu(results[b])).toFixed(2)}× |`);
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
  const on = cpu['wasmbox run --timeout 60s'];
  const off = cpu['wasmbox run'];
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
