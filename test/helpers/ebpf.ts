/**
 * Gate for tests that load eBPF programs. They run for real as root; when
 * eBPF cannot be used they fail loudly under CI and are skipped (with the
 * reason) elsewhere.
 */
import fs from 'node:fs';
import { test, type TestContext } from 'node:test';

export function ebpfUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return 'eBPF needs Linux';
  if (process.geteuid?.() !== 0) return 'eBPF tests must run as root (sudo npm test)';
  if (!fs.existsSync('/sys/kernel/btf/vmlinux')) return 'the kernel has no BTF (/sys/kernel/btf/vmlinux)';
  return undefined;
}

/** Like test(), for tests that need eBPF. */
export function ebpfTest(name: string, fn: (t: TestContext) => Promise<void> | void, timeoutMs = 60_000): void {
  const why = ebpfUnavailableReason();
  if (why && process.env.CI) {
    test(name, () => {
      throw new Error(`eBPF is required in CI but unavailable: ${why}`);
    });
    return;
  }
  test(name, { skip: why ? `skipped: ${why}` : false, timeout: timeoutMs }, fn);
}
