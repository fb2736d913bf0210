// SaveDataPointsCSV: writes the entries of data points in a span to a CSV file inside the export
// folder (see ./export-folder.ts for which paths are allowed). The rows go to a hidden part file
// first, which then takes the file's name, so a reader never sees half a file and a failed
// export leaves nothing behind; without `overwrite` an existing file is never replaced.

import { createWriteStream, linkSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { StoreError } from '../../core/storacle/store/api.js';
import type { SaveDataPointsCSV, SaveDataPointsCSVReply } from '../../schemas/generated/messages.js';
import { requireDataPoint } from './data-point-requests.js';
import type { ExportFolder } from './export-folder.js';
import { checkSpan } from './request-checks.js';
import type { StorageContext } from './storage-context.js';

let partFiles = 0;

export class CsvExportRequest {
  constructor(
    private readonly context: StorageContext,
    private readonly folder: () => ExportFolder,
  ) {}

  async answer(request: SaveDataPointsCSV): Promise<SaveDataPointsCSVReply> {
    const store = this.context.store();
    const requested = request.dataPoints ?? [];
    for (const name of requested) requireDataPoint(this.context, name);
    const names = requested.length > 0 ? [...new Set(requested)].sort() : store.dataPoints().map((info) => info.name);
    const span = checkSpan(request.fromMs, request.toMs);
    const target = this.folder().resolve(request.path);
    if (target.exists && !request.overwrite) {
      throw new StoreError('AlreadyExists', `${request.path} exists in the export folder; set overwrite to replace it`);
    }

    const part = join(target.folder, `.${target.name}.${process.pid}.${++partFiles}.part`);
    const out = createWriteStream(part, { flags: 'wx' });
    // Listening at once: a write error (disk full) must reject this request, not end the process.
    const written = finished(out);
    written.catch(() => undefined);
    try {
      const rows = await Promise.race([store.exportCsv(names, span.fromMs, span.toMs, out), written.then(() => Promise.reject(new Error('the CSV file was closed before the export ended')))]);
      if (!out.writableEnded) out.end();
      await written;
      if (request.overwrite) renameSync(part, target.file);
      else {
        try {
          // link() refuses to replace a file that appeared meanwhile; rename() would not.
          linkSync(part, target.file);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new StoreError('AlreadyExists', `${request.path} appeared in the export folder during the export; nothing was replaced`);
          throw error;
        } finally {
          rmSync(part, { force: true });
        }
      }
      this.context.log.info('CSV export written', { file: target.file, rows, dataPoints: names.length });
      return { path: target.file, rowsWritten: BigInt(rows) };
    } catch (error) {
      out.destroy();
      rmSync(part, { force: true });
      throw error;
    }
  }
}
