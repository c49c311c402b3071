// node bench/bigmod/summarize.mjs OUT SIZE... : one markdown table of the hyperfine JSON that bench/big-modules.sh
// wrote (OUT/m<SIZE>.json, or .passN.json pooled): median wall time and mean user+system CPU per contender and size.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const [out, ...sizes] = process.argv.slice(2);
const median = xs => { const s = [...xs].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const mean = xs => xs.reduce((a, b) => a + b, 0) / xs.length;
const rows = new Map();
for (const size of sizes) {
  const files = readdirSync(out).filter(f => f === `m${size}.json` || (f.startsWith(`m${size}.pass`) && f.endsWith('.json')));
  for (const f of files) {
    for (const r of JSON.parse(readFileSync(join(out, f), 'utf8')).results) {
      const key = r.command;
      if (!rows.has(key)) rows.set(key, {});
      const cell = (rows.get(key)[size] ??= { times: [], cpu: [] });
      cell.times.push(...r.times);
      cell.cpu.push(...r.times.map(() => r.user + r.system)); // hyperfine gives only the mean user/system time per command
    }
  }
}
const ms = s => (s * 1000).toFixed(0);
console.log(`| contender | ${sizes.map(s => `${s} MB wall (CPU), ms`).join(' | ')} |`);
console.log(`|---|${sizes.map(() => '---:').join('|')}|`);
for (const [name, cells] of rows) {
  console.log(`| ${name} | ${sizes.map(s => cells[s] ? `${ms(median(cells[s].times))} (${ms(mean(cells[s].cpu))})` : '').join(' | ')} |`);
}
