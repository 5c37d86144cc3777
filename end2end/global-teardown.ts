import fs from 'node:fs';

/** Removes the panel store the suite's server used (made in playwright.config.ts). */
export default function globalTeardown(): void {
  const dir = process.env.NOBREGAS_E2E_DATA_DIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
