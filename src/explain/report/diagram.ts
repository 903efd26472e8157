// Section 8's network diagram as inline SVG: the input and every layer of the layer table
// as a box (name, operation, output shape), in rows read left to right, joined by arrows.
import type { LayerInfo } from '../../nn/net.js';
import { escapeHtml, Html } from './html.js';
import { layerKind, type LayerKind, shapeText } from './walkthrough.js';

const BOX_W = 132;
const BOX_H = 62;
const GAP_X = 26;
const GAP_Y = 34;
const PAD = 8;

const FILL: Record<LayerKind | 'input', string> = {
  input: '#ffffff',
  conv: '#dbeafe',
  fc: '#dcfce7',
  maxPool: '#fef3c7',
  avgPool: '#fef3c7',
  globalMean: '#fef3c7',
  lrn: '#f3e8ff',
  other: '#f3f4f6',
};

interface Box {
  name: string;
  op: string;
  shape: string;
  kind: LayerKind | 'input';
}

/** Short operation names that fit a box. */
const OP_LABEL: Record<string, string> = { AdaptiveAvgPool: 'AvgPool', 'Conv→Gemm': 'Gemm' };

function opLine(l: LayerInfo): string {
  const k = l.kernel.replace(/x/g, '×');
  const s = l.stride && l.stride !== '1' ? ` /${l.stride}` : '';
  return `${OP_LABEL[l.op] ?? l.op} ${k}${s}`.trim();
}

function boxSvg(b: Box, x: number, y: number): string {
  const cx = x + BOX_W / 2;
  return (
    `<g><rect x="${x}" y="${y}" width="${BOX_W}" height="${BOX_H}" rx="6" fill="${FILL[b.kind]}" stroke="#64748b"/>` +
    `<text x="${cx}" y="${y + 19}" text-anchor="middle" font-size="13" font-weight="600">${escapeHtml(b.name)}</text>` +
    `<text x="${cx}" y="${y + 36}" text-anchor="middle" font-size="11" fill="#475569">${escapeHtml(b.op)}</text>` +
    `<text x="${cx}" y="${y + 53}" text-anchor="middle" font-size="12">${escapeHtml(b.shape)}</text></g>`
  );
}

/**
 * The diagram for an input of inputShape (NHWC, batch first) and the layer table, `cols`
 * boxes per row. `title` becomes the SVG's accessible name.
 */
export function networkDiagram(inputShape: readonly number[], layers: readonly LayerInfo[], title: string, cols = 6): Html {
  const boxes: Box[] = [
    { name: 'input', op: '', shape: shapeText(inputShape), kind: 'input' },
    ...layers.map((l) => ({ name: l.name, op: opLine(l), shape: shapeText(l.outputShape), kind: layerKind(l) })),
  ];
  const rows = Math.ceil(boxes.length / cols);
  const perRow = Math.min(cols, boxes.length);
  const width = PAD * 2 + perRow * BOX_W + (perRow - 1) * GAP_X;
  const height = PAD * 2 + rows * BOX_H + (rows - 1) * GAP_Y;
  const at = (i: number) => ({ x: PAD + (i % cols) * (BOX_W + GAP_X), y: PAD + Math.floor(i / cols) * (BOX_H + GAP_Y) });
  const parts: string[] = [];
  for (let i = 1; i < boxes.length; i++) {
    const a = at(i - 1);
    const b = at(i);
    if (a.y === b.y) {
      parts.push(`<line x1="${a.x + BOX_W}" y1="${a.y + BOX_H / 2}" x2="${b.x - 3}" y2="${b.y + BOX_H / 2}" stroke="#334155" marker-end="url(#arrow)"/>`);
    } else {
      // down from the row's last box, back to the left, down into the next row's first box
      const midY = a.y + BOX_H + GAP_Y / 2;
      const ax = a.x + BOX_W / 2;
      const bx = b.x + BOX_W / 2;
      parts.push(`<polyline points="${ax},${a.y + BOX_H} ${ax},${midY} ${bx},${midY} ${bx},${b.y - 3}" fill="none" stroke="#334155" marker-end="url(#arrow)"/>`);
    }
  }
  boxes.forEach((b, i) => parts.push(boxSvg(b, at(i).x, at(i).y)));
  const defs =
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">' +
    '<path d="M 0 0 L 10 5 L 0 10 z" fill="#334155"/></marker></defs>';
  return new Html(
    `<svg class="diagram" role="img" aria-label="${escapeHtml(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
      `<title>${escapeHtml(title)}</title>${defs}${parts.join('')}</svg>`,
  );
}
