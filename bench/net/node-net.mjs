// node-net: the Node.js twin of the benchmark modes of tests/guests/c/net.c, with node's `net` module.
//   node node-net.mjs stream|rtt|connects ADDR PORT N   (the same lines as the guest, then elapsed_ns=T)
import net from "node:net";

const [mode, host, portText, nText] = process.argv.slice(2);
const port = Number(portText), n = Number(nText);
const connect = () => new Promise((resolve, reject) => {
  const s = net.connect({ host, port }, () => resolve(s));
  s.once("error", reject);
});
const start = process.hrtime.bigint();
if (mode === "stream") {
  const chunk = Buffer.alloc(65536, 7);
  const s = await connect();
  let total = 0;
  for (let i = 0; i < n * 16; i++) {
    total += chunk.length;
    if (!s.write(chunk)) await new Promise((r) => s.once("drain", r));
  }
  s.end();
  await new Promise((r) => s.once("close", r));
  console.log(`sent=${total} error=0`);
} else if (mode === "rtt") {
  const msg = Buffer.alloc(1024, 114);
  let done = 0;
  for (let i = 0; i < n; i++) {
    const s = await connect();
    let got = 0;
    const finished = new Promise((r) => s.on("data", (d) => { got += d.length; if (got >= 1024) { s.destroy(); r(); } }));
    s.write(msg);
    await finished;
    done++;
  }
  console.log(`rtt=${done}`);
} else if (mode === "connects") {
  let done = 0;
  for (let i = 0; i < n; i++) { const s = await connect(); s.destroy(); done++; }
  console.log(`connects=${done}`);
} else {
  process.exit(2);
}
console.log(`elapsed_ns=${process.hrtime.bigint() - start}`);
