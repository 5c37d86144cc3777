import base from './playwright.config';
import { defineConfig } from '@playwright/test';

// `make bench`'s browser part: the same server and Chromium as the e2e suite, one worker so the
// figures are not skewed by a second browser.
export default defineConfig({ ...base, testDir: './bench', workers: 1, timeout: 180_000 });
