// node bench/report.mjs E2E-DIR WASI-DIR [RSS-DIR] [BDN-DIR]: the per-issue tables of bench/RESULTS.md, from the results
// that bench/run-e2e.sh (ROWS="hello cpu epoch tiers"), bench/run-wasi-e2e.sh, bench/worker-rss.sh and
// bench/run-wasi-bdn.sh wrote. Medians of the pooled runs of all passes; every ratio is between contenders of the same
// hyperfine runs. N and CYCLES (environment, default 200000 and 2000) name the WASI rows' work.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [e2e, wasi, rss, bdn] = process.argv.slice(2);
const N = Number(process.env.N ?? 200000), CYCLES = Number(process.env.CYCLES ?? 2000);

function load(dir, name) {
  if (!dir || !existsSync(dir)) return null;
  const files = readdirSync(dir).filter((f) => f === `${name}.json` || new RegExp(`^${name}\\.pass\\d+\\.json$`).test(f));
  if (!files.length) return null;
  const pooled = {};
  for (const f of files) for (const r of JSON.parse(readFileSync(join(dir, f), 'utf8')).results) (pooled[r.command] ??= []).push(...r.times);
  const out = {};
  for (const [k, t] of Object.entries(pooled)) {
    t.sort((a, b) => a - b);
    const n = t.length;
    out[k] = { n, median: n % 2 ? t[(n - 1) / 2] : (t[n / 2 - 1] + t[n / 2]) / 2, p25: t[Math.floor(0.25 * n)], p75: t[Math.min(n - 1, Math.floor(0.75 * n))] };
  }
  return out;
}
function loads(dir, name) { // the load averages recorded around a row's passes
  if (!dir) return '';
  const l = readFileSync(join(dir, 'machine.txt'), 'utf8').split('\n').filter((x) => x.startsWith(`loadavg before ${name} `) || x.startsWith(`loadavg after ${name} `));
  const one = l.map((x) => Number(x.split(': ')[1].split(' ')[0]));
  return one.length ? `1-min load ${Math.min(...one).toFixed(2)}–${Math.max(...one).toFixed(2)} around its ${l.length / 2} passes` : '';
}
const ms = (s) => (s * 1000).toFixed(1);
const x = (r, a, b) => (r[a] && r[b] ? `${(r[a].median / r[b].median).toFixed(2)}×` : '');
const verdict = (ok, miss) => (ok ? 'met' : `**MISSED** ${miss}`);

const hello = load(e2e, 'hello'), cpu = load(e2e, 'cpu'), epoch = load(e2e, 'epoch'), tiers = load(e2e, 'tiers');

console.log('### Issue 2: foundation\n');
if (hello) {
  console.log(`**hello.wasm, warm cache** (run-e2e.sh row \`hello\`; ${hello['wasmbox run (jail)'].n} runs each; ${loads(e2e, 'hello')})\n`);
  console.log('| contender | median | p25–p75 | ÷ plainembed | ÷ node wasi | ÷ native |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const k of Object.keys(hello)) {
    console.log(`| ${k} | ${ms(hello[k].median)} ms | ${ms(hello[k].p25)}–${ms(hello[k].p75)} | ${x(hello, k, 'plainembed')} | ${x(hello, k, 'node wasi')} | ${x(hello, k, 'native')} |`);
  }
  console.log('');
}
if (cpu) {
  console.log(`**cpu.wasm 350** (run-e2e.sh row \`cpu\`; ${cpu['native'].n} runs each; ${loads(e2e, 'cpu')})\n`);
  console.log('| contender | median | p25–p75 | ÷ same tier without --timeout | ÷ native | ÷ plainembed | ÷ node wasi | target | verdict |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---|---|');
  for (const k of Object.keys(cpu)) {
    const base = k.endsWith(' --timeout 60s') ? k.replace(' --timeout 60s', '') : null;
    const v = base && cpu[base] ? cpu[k].median / cpu[base].median : null;
    const t = v != null ? '≤ 1.2× of the same tier without it' : '';
    const vd = v != null ? verdict(v <= 1.2, `(${v.toFixed(2)}×, ${((v / 1.2 - 1) * 100).toFixed(0)} % over)`) : '';
    console.log(`| ${k} | ${ms(cpu[k].median)} ms | ${ms(cpu[k].p25)}–${ms(cpu[k].p75)} | ${base ? x(cpu, k, base) : ''} | ${x(cpu, k, 'native')} | ${x(cpu, k, 'plainembed')} | ${x(cpu, k, 'node wasi')} | ${t} | ${vd} |`);
  }
  console.log('');
}
if (epoch) {
  console.log(`**Diagnostic: epoch interruption in a plain embedding, cpu.wasm 350** (row \`epoch\`; ${loads(e2e, 'epoch')})\n`);
  console.log('| contender | median | ÷ plainembed |');
  console.log('|---|---:|---:|');
  for (const k of Object.keys(epoch)) console.log(`| ${k} | ${ms(epoch[k].median)} ms | ${x(epoch, k, 'plainembed')} |`);
  console.log('');
}
if (tiers) {
  console.log(`**Diagnostic: cpu.wasm 350 in each tier, no limits** (row \`tiers\`; ${loads(e2e, 'tiers')})\n`);
  console.log('| contender | median | p25–p75 | ÷ none | − none |');
  console.log('|---|---:|---:|---:|---:|');
  for (const k of Object.keys(tiers)) console.log(`| ${k} | ${ms(tiers[k].median)} ms | ${ms(tiers[k].p25)}–${ms(tiers[k].p75)} | ${x(tiers, k, 'wasmbox run (none)')} | ${ms(tiers[k].median - tiers['wasmbox run (none)'].median)} ms |`);
  console.log('');
}

console.log('### Issue 3: WASI host\n');
const startup = load(wasi, 'startup');
for (const [name, title, target, count, op] of [
  ['flood', `output_flood.wasm ${N} 64: ${N} writes of 64 B to stdout (/dev/null)`, 1.3, N, 'write'],
  ['files', `file_cycles.wasm /d ${CYCLES}: ${CYCLES} create/write/stat/read/unlink cycles in a granted dir (ext4 under /tmp)`, 2.0, CYCLES, 'cycle'],
]) {
  const r = load(wasi, name);
  if (!r) continue;
  console.log(`**${title}** (run-wasi-e2e.sh row \`${name}\`; ${r['native'].n} runs each; ${loads(wasi, name)})\n`);
  console.log(`| contender | median | p25–p75 | ÷ native | ÷ wasmtime wasi | ÷ node wasi | fixed cost (0 writes) | marginal per ${op} | target | verdict |`);
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|---|');
  for (const k of Object.keys(r)) {
    let t = '', vd = '';
    if (k.startsWith('wasmbox run')) {
      const vn = r[k].median / r['native'].median;
      const fw = r[k].median < r['wasmtime wasi (none)'].median, fn = r[k].median < r['node wasi'].median;
      t = `≤ ${target}× native; faster than both peers`;
      const miss = [];
      if (vn > target) miss.push(`${vn.toFixed(2)}× native, ${((vn / target - 1) * 100).toFixed(0)} % over`);
      if (!fw) miss.push('slower than wasmtime wasi');
      if (!fn) miss.push('slower than node wasi');
      vd = verdict(!miss.length, `(${miss.join('; ')})`);
    }
    const s = startup?.[k];
    console.log(`| ${k} | ${ms(r[k].median)} ms | ${ms(r[k].p25)}–${ms(r[k].p75)} | ${x(r, k, 'native')} | ${x(r, k, 'wasmtime wasi (none)')} | ${x(r, k, 'node wasi')} | ${s ? `${ms(s.median)} ms` : ''} | ${s ? `${((r[k].median - s.median) / count * 1e9).toFixed(0)} ns` : ''} | ${t} | ${vd} |`);
  }
  console.log('');
}
const bdnDir = bdn && (existsSync(join(bdn, 'results')) ? join(bdn, 'results') : bdn);
if (bdnDir && existsSync(join(bdn, 'loadavg.txt'))) {
  console.log(`**In-process BenchmarkDotNet** (run-wasi-bdn.sh; ${readFileSync(join(bdn, 'loadavg.txt'), 'utf8').trim().replace(/\n/g, '; ')})\n`);
  console.log('| benchmark | median | min–max |');
  console.log('|---|---:|---:|');
  for (const f of readdirSync(bdnDir).filter((f) => f.endsWith('-report.csv')).sort()) {
    const [head, ...lines] = readFileSync(join(bdnDir, f), 'utf8').trim().split('\n');
    const cols = head.split(',');
    const parse = (l) => l.match(/("([^"]|"")*"|[^,]*)(,|$)/g).map((c) => c.replace(/,$/, '').replace(/^"|"$/g, '').replace(/""/g, '"'));
    const ix = (c) => cols.indexOf(c);
    for (const l of lines) {
      const c = parse(l);
      console.log(`| ${c[ix('Method')].replace(/'/g, '')} | ${c[ix('Median')]} | ${c[ix('Min')]}–${c[ix('Max')]} |`);
    }
  }
  console.log('');
}

console.log('### Issue 4: worker and jail\n');
if (hello) {
  console.log(`**hello.wasm, warm cache, each tier** (the same hyperfine runs as issue 2's hello table; ${loads(e2e, 'hello')})\n`);
  console.log('| contender | median | p25–p75 | ÷ node wasi | ÷ native | − none | target | verdict |');
  console.log('|---|---:|---:|---:|---:|---:|---|---|');
  for (const k of ['wasmbox run (jail)', 'wasmbox run (process)', 'wasmbox run (none)', 'node wasi', 'native']) {
    if (!hello[k]) continue;
    let t = '', vd = '';
    if (k === 'wasmbox run (jail)') {
      const m = hello[k].median * 1000, fn = hello[k].median < hello['node wasi'].median;
      t = '≤ 30 ms median, faster than node wasi';
      vd = verdict(m <= 30 && fn, `(${m > 30 ? `${(m - 30).toFixed(1)} ms over` : ''}${fn ? '' : ' slower than node'})`);
    }
    const none = k.startsWith('wasmbox') ? `${ms(hello[k].median - hello['wasmbox run (none)'].median)} ms` : '';
    console.log(`| ${k} | ${ms(hello[k].median)} ms | ${ms(hello[k].p25)}–${ms(hello[k].p75)} | ${x(hello, k, 'node wasi')} | ${x(hello, k, 'native')} | ${none} | ${t} | ${vd} |`);
  }
  console.log('');
}
if (rss && existsSync(join(rss, 'summary.md'))) {
  console.log(`**Worker memory** (worker-rss.sh; ${readFileSync(join(rss, 'machine.txt'), 'utf8').trim().replace(/\n/g, '; ')})\n`);
  console.log(readFileSync(join(rss, 'summary.md'), 'utf8').split('\n').filter((l) => l.startsWith('|')).join('\n'));
  console.log('');
}
