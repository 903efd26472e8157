// glibc malloc settings (GLIBC_TUNABLES) per command, set by bin/alexnet.js (which
// re-executes Node with them: they only take effect at process start) and by
// `npm run bench` for its sections.
//
// hugetlb=1: ORT copies the 200 MB of weights when a session starts from ONNX bytes, and
// first-touch page faults on 4 KB pages make that several times slower. Training also
// receives large new buffers from ORT every step; keeping freed memory in the heap (no
// mmap per buffer, no trimming) makes its step faster still. The measurements are in
// docs/design/runtime.md.
const HUGE_PAGES = 'glibc.malloc.hugetlb=1';
const KEEP_FREED = 'glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967295';

/** GLIBC_TUNABLES for a command (train, or anything else). */
export function glibcTunables(command: string | undefined): string {
  return command === 'train' ? `${HUGE_PAGES}:${KEEP_FREED}` : HUGE_PAGES;
}
