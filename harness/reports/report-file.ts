import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PoshilError } from '../errors';

/**
 * Writes one report file into the report directory, atomically: the content goes to a
 * temporary file beside it that is then renamed, so a crash or SIGINT mid-write never leaves
 * a half-written report.json that a CI step or a baseline comparison would trust.
 * Returns the path written.
 */
export async function writeReportFile(outDir: string, fileName: string, content: string): Promise<string> {
  checkReportFileName(fileName);
  await mkdir(outDir, { recursive: true });
  const target = join(outDir, fileName);
  const temporary = join(outDir, `.${fileName}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(temporary, content, 'utf8');
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return target;
}

/**
 * Writers take a file name, not a path: every file of a run lands in the one report
 * directory. Checked when a writer is created, so a bad option fails before the run starts.
 */
export function checkReportFileName(fileName: string): void {
  if (fileName === '' || fileName === '.' || fileName === '..' || basename(fileName) !== fileName || fileName.includes('\\')) {
    throw new PoshilError(
      'REPORT_FILE_NAME',
      `report file name "${fileName}" must be a plain file name such as "report.json", without a directory; the report directory is set separately`,
    );
  }
}
