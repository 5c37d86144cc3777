import { type Page, test, expect } from '@playwright/test';
import { type Account, createAccount, submitSignIn, waitHydrated } from './helpers';

// `next` values as they stand in the query string, before percent-encoding. After signing in, the
// browser must stay on the panel's own origin: at `/` for every tricky value, at the path itself
// for a plain one. (Browsers drop tabs and newlines from URLs and read `\` as `/`, so `/\t/evil`
// would otherwise become `//evil` — another site.)
const tricky = [
  '/\t/evil.example',
  '/\n/evil.example',
  '/\n',
  '/\r\n/evil.example',
  '//evil.example',
  '///evil.example',
  '/\\evil.example',
  '\\\\evil.example',
  '\\/evil.example',
  'https://evil.example',
  'javascript:alert(1)',
  ' /evil.example',
  '/\u3000/evil.example',
  '/\u00a0/evil.example',
];

/** Signs in from a fresh `/login?next=…` page, without a session cookie from before. */
async function signInWithNext(page: Page, account: Account, next: string) {
  await page.context().clearCookies();
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await waitHydrated(page);
  await submitSignIn(page, account.email, account.password);
}

test('a tricky next after sign-in lands on the panel itself, at /', async ({ page, baseURL }) => {
  test.setTimeout(90_000); // one sign-in per value
  const origin = new URL(baseURL!).origin;
  const account = createAccount();
  for (const next of tricky) {
    await signInWithNext(page, account, next);
    await expect(page, JSON.stringify(next)).toHaveURL((url) => url.origin === origin && url.pathname === '/');
    await expect(page.getByRole('heading', { name: 'Databases', exact: true })).toBeVisible();
  }
});

test('a plain path as next is where sign-in leads', async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  await signInWithNext(page, createAccount(), '/profile');
  await expect(page).toHaveURL((url) => url.origin === origin && url.pathname === '/profile');
  await expect(page.getByRole('heading', { name: 'Profile', exact: true })).toBeVisible();
});
