import fs from 'node:fs';

/**
 * The headless Chromium the browser tests drive through playwright-core: the Debian `chromium`
 * package (`.ci/run` installs it), or the executable named by POSHIL_CHROMIUM. Without one the
 * browser tests are skipped with a note — except under CI, where a missing browser is a failure:
 * a green CI must mean the report was really opened.
 */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function chromiumPath(): string | undefined {
  const named = process.env.POSHIL_CHROMIUM;
  if (named) return named;
  return CANDIDATES.find((p) => fs.existsSync(p));
}

/** `describe` when a browser is there (or under CI, to fail loudly), else `describe.skip` with why. */
export function describeWithBrowser(name: string, body: (executablePath: string) => void): void {
  const path = chromiumPath();
  if (path || process.env.CI === 'true') {
    describe(name, () => body(path ?? 'chromium not installed: apt-get install -y chromium, or set POSHIL_CHROMIUM'));
    return;
  }
  describe.skip(`${name} (skipped: no Chromium; apt-get install -y chromium, or set POSHIL_CHROMIUM)`, () => body(''));
}
