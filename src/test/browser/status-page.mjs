// Drives the status page as an operator would, in Debian's headless Chromium: logs in with the admin
// token, sees the application service DOWN, clicks Retry, sees it come UP, and saves a screenshot.
// Run by StatusPageIT:  node status-page.mjs <base url> <admin token> <application service id> <screenshot.png>
import { chromium } from 'playwright-core';

const [baseUrl, token, asId, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 420 } });
  await page.goto(new URL('status', baseUrl).href);
  await page.fill('#token', token);
  await page.click('button[type=submit]');

  const row = page.locator(`tr[data-id="${asId}"]`);
  await row.locator('.badge.DOWN').waitFor({ timeout: 30000 });
  const countdown = await row.locator('.countdown').textContent();
  console.log(`${asId} is DOWN, next retry ${countdown}; clicking Retry`);
  await page.screenshot({ path: screenshot.replace(/\.png$/, '-down.png') });

  await row.locator('button', { hasText: 'Retry' }).click();
  await row.locator('.badge.UP').waitFor({ timeout: 30000 });
  console.log(`${asId} is UP`);
  await page.screenshot({ path: screenshot });
} finally {
  await browser.close();
}
