// node bench/node-wasi.mjs [--dir HOST::GUEST]... MODULE [ARGS...]
//
// Runs a WASI preview1 command with Node's built-in node:wasi: the guest gets the args (argv[0] = MODULE as given,
// like `wasmbox run`), inherited stdio, no environment, and the preopened directories given with --dir.
// Exits with the guest's exit code. The Node peer in bench/run-e2e.sh.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

const argv = process.argv.slice(2);
const preopens = {};
let i = 0;
for (; i < argv.length; i++) {
  if (argv[i] === '--dir' && i + 1 < argv.length) {
    const spec = argv[++i];
    const sep = spec.indexOf('::');
    if (sep < 0) preopens[spec] = spec;
    else preopens[spec.slice(sep + 2)] = spec.slice(0, sep);
  } else {
    break;
  }
}
if (i >= argv.length) {
  process.stderr.write('usage: node node-wasi.mjs [--dir HOST::GUEST]... MODULE [ARGS...]\n');
  process.exit(2);
}

const wasi = new WASI({ version: 'preview1', args: argv.slice(i), env: {}, preopens, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(argv[i]));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
