// alexnet explain units: per channel of a layer, the images of a folder it answers most to.
import { existsSync, statSync } from 'node:fs';
import { ImagePool } from '../../data/pool.js';
import { writeUnitsGallery } from '../../explain/report/units_page.js';
import { explainUnits } from '../../explain/units.js';
import { loadWeights, type LoadedWeights } from '../../hub/load.js';
import { getModel } from '../../models/registry.js';
import { ProgressLine } from '../../util/progress.js';
import { downloadedWeightsPath } from '../../weights/resolve.js';
import { parse, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { explainUnitsSpec } from '../specs/explain_units.js';

/** --weights, else the model's download when there is one, else null (random weights). */
async function weightsOf(model: string, file: string | undefined): Promise<LoadedWeights | null> {
  if (file !== undefined) return loadWeights(model, file);
  const cached = downloadedWeightsPath(getModel(model));
  return cached && existsSync(cached) ? loadWeights(model, cached) : null;
}

export const explainUnitsCommand: Command = {
  name: 'explain units',
  async main(argv, io) {
    const a = parse('explain units', argv, explainUnitsSpec);
    if (a.positionals.length !== 1) throw new UsageError(`explain units: give one DIR, got ${a.positionals.length}`);
    const dir = a.positionals[0]!;
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir}: no such folder`);
    const model = a.str('model')!;
    const seed = a.int('seed')!;
    const threads = a.int('threads');
    const weights = await weightsOf(model, a.str('weights'));
    if (!weights) io.err(`alexnet: no weights for ${model}: using seeded random weights (seed ${seed}); see alexnet weights download\n`);
    const layer = a.str('layer');
    const progress = new ProgressLine({ stream: { write: (s) => io.err(s), isTTY: io.isTTY } });
    const pool = new ImagePool();
    let r;
    try {
      r = await explainUnits(model, dir, {
        ...(weights ? { weights } : { seed }),
        ...(layer !== undefined ? { layer } : {}),
        top: a.int('top')!,
        batchSize: a.int('batch')!,
        ...(threads ? { threads } : {}),
        pool,
        onProgress: (done, total) => progress.update(`explain units: ${done}/${total} images`),
      });
    } finally {
      progress.done();
      await pool.close();
    }
    const out = a.str('out') ?? `units-${r.layer.replace(/[^\w.-]+/g, '_')}`;
    const report = await writeUnitsGallery(r, { dir: out, lang: a.str('lang') as 'en' | 'ja' });
    if (a.flag('json')) {
      const { model: m, layer: l, shape, rf, files, failed, units } = r;
      io.out(JSON.stringify({ model: m, layer: l, shape, rf, files, failed, units, report }) + '\n');
    } else {
      if (r.failed.length) io.err(`alexnet: skipped ${r.failed.length} unreadable image${r.failed.length === 1 ? '' : 's'}: ${r.failed.slice(0, 5).map((f) => f.error).join('; ')}\n`);
      io.out(`${r.model} ${r.layer}: ${r.shape[0]} channels, top ${a.int('top')} of ${r.files} images\n${report}\n`);
    }
    return 0;
  },
};
