import { getLibbpf } from './dist/src/capture/native.js';
const bpf = getLibbpf();
if (!process.env.V) bpf.libbpf_set_print(null);
for (const obj of process.argv.slice(2)) {
  const ts = [];
  for (let i = 0; i < 5; i++) {
    const o = bpf.bpf_object__open_file(obj, null);
    const b = performance.now();
    const err = bpf.bpf_object__load(o);
    const c = performance.now();
    bpf.bpf_object__close(o);
    ts.push(`${(c - b).toFixed(0)}${err ? 'ERR' + err : ''}`);
  }
  console.log(obj, ts.join(' '));
}
