import { getLibbpf } from './dist/src/capture/native.js';
import { execSync } from 'node:child_process';
const bpf = getLibbpf();
bpf.libbpf_set_print(null);
const o = bpf.bpf_object__open_file(process.argv[2], null);
bpf.bpf_object__load(o);
console.log(execSync(`bpftool prog show -j`).toString().split('},{').filter(l => l.includes('bt_')).map(l => (l.match(/"name":"[a-z_]+"/)||[''])[0] + ' ' + (l.match(/"verified_insns":\d+/)||[''])[0]).join('\n'));
