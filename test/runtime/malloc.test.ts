import assert from 'node:assert/strict';
import { test } from 'node:test';
import { glibcTunables } from '../../src/runtime/malloc.js';

test('glibc tunables: huge pages for every command; train also keeps freed memory in the heap', () => {
  assert.equal(glibcTunables('run'), 'glibc.malloc.hugetlb=1');
  assert.equal(glibcTunables(undefined), 'glibc.malloc.hugetlb=1');
  assert.equal(glibcTunables('train'), 'glibc.malloc.hugetlb=1:glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967295');
});
