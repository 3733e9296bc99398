/** The bytes of n as a protobuf varint (n a non-negative integer below 2^53): test-side, independent of protobufjs and of bt's writers. */
export function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 128) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
