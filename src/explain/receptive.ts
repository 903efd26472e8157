// Where a position of a feature map looks in the input: the receptive field's box.
//
// A feature knows its receptive field r and its step j in input pixels (src/nn/net.ts),
// not where its first window starts, which depends on every padding on the way. The box
// is placed as if the grid of windows were centred on the input: for an input of n pixels
// and m positions, position i is centred at (n − 1 − (m − 1)·j) / 2 + i·j. For
// torchvision's AlexNet at 224 this puts pool5's first centre at 31.5 where the paddings
// give 31 (conv1 pad 2, then pools and 'same' convs): half a pixel, well under the 32-pixel
// step between positions.

export interface RfBox {
  /** Inclusive pixel bounds, clipped to the input. */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

function span(i: number, positions: number, size: number, rf: number, jump: number): [number, number] {
  const centre = (size - 1 - (positions - 1) * jump) / 2 + i * jump;
  const lo = Math.round(centre - (rf - 1) / 2);
  return [Math.max(0, lo), Math.min(size - 1, lo + rf - 1)];
}

/**
 * The input pixels seen by position (row, col) of a rows × cols map whose receptive field
 * is rf [h, w] with step jump [h, w], on an input of size [height, width].
 */
export function receptiveBox(row: number, col: number, grid: readonly [number, number], rf: readonly [number, number], jump: readonly [number, number], size: readonly [number, number]): RfBox {
  const [y0, y1] = span(row, grid[0], size[0], rf[0], jump[0]);
  const [x0, x1] = span(col, grid[1], size[1], rf[1], jump[1]);
  return { x0, x1, y0, y1 };
}
