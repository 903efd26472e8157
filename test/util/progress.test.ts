import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DownloadProgress, formatDuration, formatMB, ProgressLine, TrainProgress, type ProgressStream } from '../../src/util/progress.js';

class FakeStream implements ProgressStream {
  out: string[] = [];
  constructor(readonly isTTY: boolean, readonly columns?: number) {}
  write(chunk: string): boolean {
    this.out.push(chunk);
    return true;
  }
  take(): string[] {
    const o = this.out;
    this.out = [];
    return o;
  }
}

class FakeClock {
  t = 0;
  now = () => this.t;
}

const EL = '\x1b[K';

test('formatDuration and formatMB', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(59.4), '0:59');
  assert.equal(formatDuration(61), '1:01');
  assert.equal(formatDuration(3661), '1:01:01');
  assert.equal(formatDuration(36000), '10:00:00');
  assert.equal(formatDuration(NaN), '--:--');
  assert.equal(formatDuration(Infinity), '--:--');
  assert.equal(formatMB(233_000_000), '233.0');
  assert.equal(formatMB(1_250_000), '1.3');
});

test('training on a TTY: one line redrawn at most every 100 ms, logs above it, erased at the end', () => {
  const s = new FakeStream(true, 80);
  const c = new FakeClock();
  const p = new TrainProgress({ epochs: 2, stepsPerEpoch: 4, stream: s, now: c.now });
  p.update({ epoch: 1, step: 1, loss: 2.5, accuracy: 0.25, images: 32 });
  assert.deepEqual(s.take(), [`\repoch 1/2 step 1/4 loss 2.5000 acc 25.0% -- img/s ETA --:--${EL}`]);
  c.t = 50;
  p.update({ epoch: 1, step: 2, loss: 2, accuracy: 0.25, images: 64 });
  assert.deepEqual(s.take(), [], 'throttled');
  c.t = 1000;
  p.update({ epoch: 1, step: 3, loss: 1, accuracy: 0.5, images: 96 });
  // 2 steps and 64 images in 1 s since the first update; 5 of 8 steps left -> 2.5 s
  const line3 = 'epoch 1/2 step 3/4 loss 1.0000 acc 50.0% 64.0 img/s ETA 0:03';
  assert.deepEqual(s.take(), [`\r${line3}${EL}`]);
  p.log('epoch 1: val acc 51.2%');
  assert.deepEqual(s.take(), [`\r${EL}`, 'epoch 1: val acc 51.2%\n', `\r${line3}${EL}`]);
  c.t = 1010;
  p.update({ epoch: 2, step: 4, loss: 0.5, images: 256 }, true); // forced despite the throttle
  assert.deepEqual(s.take(), [`\repoch 2/2 step 4/4 loss 0.5000 221.8 img/s ETA 0:00${EL}`]); // 224 images in 1.01 s
  p.done();
  assert.deepEqual(s.take(), [`\r${EL}`]);
  p.done('twice');
  p.update({ epoch: 2, step: 4, images: 300 }, true);
  assert.deepEqual(s.take(), [], 'nothing after done');
});

test('a TTY line is cut to the terminal width so \\r can redraw it', () => {
  const s = new FakeStream(true, 20);
  const p = new ProgressLine({ stream: s, now: () => 0 });
  p.update('0123456789abcdefghijklmnop');
  p.done('final line is not cut because it is a normal line');
  assert.deepEqual(s.out, [`\r0123456789abcdefghi${EL}`, `\r${EL}`, 'final line is not cut because it is a normal line\n']);
});

test('training on a pipe: plain lines every 10 s, logged lines, and the last state at the end', () => {
  const s = new FakeStream(false);
  const c = new FakeClock();
  const p = new TrainProgress({ epochs: 1, stepsPerEpoch: 100, stream: s, now: c.now });
  p.update({ epoch: 1, step: 1, loss: 3, images: 10 });
  c.t = 5_000;
  p.update({ epoch: 1, step: 50, loss: 2, images: 500 });
  c.t = 10_000;
  p.update({ epoch: 1, step: 99, loss: 1, images: 990 });
  p.log('checkpoint saved');
  c.t = 10_100;
  p.update({ epoch: 1, step: 100, loss: 0.9, images: 1000 });
  p.done();
  assert.deepEqual(s.out, [
    'epoch 1/1 step 1/100 loss 3.0000 -- img/s ETA --:--\n',
    'epoch 1/1 step 99/100 loss 1.0000 98.0 img/s ETA 0:00\n',
    'checkpoint saved\n',
    'epoch 1/1 step 100/100 loss 0.9000 98.0 img/s ETA 0:00\n',
  ]);
  assert.ok(!s.out.join('').includes('\r') && !s.out.join('').includes('\x1b'), 'no control characters on a pipe');
});

test('pipe: done(final) replaces a held-back status; an unchanged status is not repeated', () => {
  const s = new FakeStream(false);
  const c = new FakeClock();
  const p = new ProgressLine({ stream: s, now: c.now, plainIntervalMs: 1000 });
  p.update('a');
  c.t = 1500;
  p.update('a'); // unchanged: not printed again
  c.t = 1600;
  p.update('b');
  assert.deepEqual(s.take(), ['a\n', 'b\n']);
  c.t = 2000;
  p.update('c'); // held back: 400 ms since 'b'
  assert.deepEqual(s.take(), []);
  p.done('finished');
  assert.deepEqual(s.take(), ['finished\n']);

  const q = new ProgressLine({ stream: s, now: c.now, plainIntervalMs: 1000 });
  q.update('x');
  q.update('y');
  q.done();
  assert.deepEqual(s.take(), ['x\n', 'y\n']);
});

test('download on a TTY and on a pipe, with and without a known size', () => {
  const s = new FakeStream(true, 100);
  const c = new FakeClock();
  const d = new DownloadProgress({ label: 'alexnet.onnx', totalBytes: 10_000_000, stream: s, now: c.now });
  d.update(1_000_000);
  c.t = 2000;
  d.update(5_000_000);
  c.t = 2050;
  d.update(5_100_000);
  d.done('alexnet.onnx: 10.0 MB');
  assert.deepEqual(s.out, [
    `\ralexnet.onnx 1.0/10.0 MB -- MB/s ETA --:--${EL}`,
    `\ralexnet.onnx 5.0/10.0 MB 2.0 MB/s ETA 0:03${EL}`,
    `\r${EL}`,
    'alexnet.onnx: 10.0 MB\n',
  ]);

  const pipe = new FakeStream(false);
  const c2 = new FakeClock();
  const u = new DownloadProgress({ label: 'labels.txt', stream: pipe, now: c2.now, plainIntervalMs: 1000 });
  u.update(0);
  c2.t = 500;
  u.update(300_000);
  c2.t = 1000;
  u.update(1_500_000);
  u.done();
  assert.deepEqual(pipe.out, ['labels.txt 0.0 MB -- MB/s\n', 'labels.txt 1.5 MB 1.5 MB/s\n']);
});

test('tty detection follows the stream unless overridden', () => {
  assert.equal(new ProgressLine({ stream: new FakeStream(true) }).tty, true);
  assert.equal(new ProgressLine({ stream: new FakeStream(false) }).tty, false);
  assert.equal(new ProgressLine({ stream: new FakeStream(true), tty: false }).tty, false);
  assert.throws(() => new TrainProgress({ epochs: 0, stepsPerEpoch: 5, stream: new FakeStream(false) }), /epochs and stepsPerEpoch must be > 0, got 0 and 5/);
});

test('erase: the TTY line is taken off for other output and drawn again by the next update', () => {
  const s = new FakeStream(true, 80);
  const c = new FakeClock();
  const p = new ProgressLine({ stream: s, now: c.now });
  p.erase(); // nothing on screen: nothing written
  assert.deepEqual(s.take(), []);
  p.update('building', true);
  p.erase();
  assert.deepEqual(s.take(), [`\rbuilding${EL}`, `\r${EL}`]);
  c.t = 1;
  p.update('building'); // within the interval: held back
  c.t = 200;
  p.update('building'); // the same text, drawn again because it was erased
  assert.deepEqual(s.take(), [`\rbuilding${EL}`]);
});

test('training with --max-steps: the ETA counts to the last step, not the last epoch', () => {
  const s = new FakeStream(true, 80);
  const c = new FakeClock();
  const p = new TrainProgress({ epochs: 10, stepsPerEpoch: 4, lastStep: 5, stream: s, now: c.now });
  p.update({ epoch: 1, step: 1, images: 4 });
  s.take();
  c.t = 1000;
  p.update({ epoch: 1, step: 3, images: 12 });
  // 2 steps in 1 s; 2 steps left to step 5 (not 37 to step 40) -> 1 s
  assert.deepEqual(s.take(), [`\repoch 1/10 step 3/4 8.0 img/s ETA 0:01${EL}`]);
});
