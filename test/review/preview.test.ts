/**
 * `dialwindow preview` opened in a real headless Chromium (Debian's chromium package, driven by
 * playwright-core): the page shows every campaign, holidays and the legal band, the label
 * filter works, a hostile holiday name is shown as text, and the page makes no network request.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { runInProcess } from "../helpers/cli.js";
import { exampleRepo, tempDir } from "../helpers/fs.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const NOW = "2026-12-01T15:00:00Z";
const skip = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`;
if (skip) console.log(`# skipping the preview browser test: ${skip}`);

describe("dialwindow preview in headless Chromium", { skip }, () => {
  it("shows every campaign's calendar, filters by label, and makes no network request", async (t) => {
    const dir = await exampleRepo();
    // A hostile holiday name: markup that would load an image and run a script if not escaped.
    const calendar = join(dir, "calendars", "company.yaml");
    const hostile = `<img src="http://127.0.0.1:9/pwned.png"><script>document.title="pwned"</script>`;
    await writeFile(
      calendar,
      (await readFile(calendar, "utf8")).replace("name: Christmas Eve }", `name: '${hostile}' }`),
    );
    const out = join(await tempDir("dw-preview-"), "preview.html");
    const r = await runInProcess(["preview", "--dir", dir, "--weeks", "5", "--out", out, "--at", NOW], {
      now: NOW,
    });
    assert.equal(r.code, 0, r.stderr);

    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const requests: string[] = [];
      page.on("request", (req) => requests.push(req.url()));
      const url = pathToFileURL(out).href;
      await page.goto(url);
      await page.waitForSelector("#count");

      const names = await page.$$eval("section.campaign h2", (hs) =>
        hs.map((h) => h.firstChild?.textContent?.trim()),
      );
      assert.deepEqual(names, [
        "appointment-reminders",
        "collections-east",
        "q4-outreach",
        "renewals-west",
        "survey-east",
        "survey-west",
        "winback-southeast",
      ]);
      assert.equal(await page.textContent("#count"), "7 of 7 campaigns");
      // Five weeks of seven days per campaign, and the holiday drawn as one.
      assert.equal(await page.$$eval("section.campaign:first-of-type td.day", (tds) => tds.length), 35);
      const christmas = await page.textContent('section[data-name="q4-outreach"] td[data-date="2026-12-25"]');
      assert.match(christmas ?? "", /no dialing\s*holiday: Christmas Day/);
      assert.ok((await page.$$("section.campaign .legal")).length > 0, "the legal calling hours are drawn");
      // The hostile name is text on the page, not markup.
      const eve = await page.textContent(
        'section[data-name="appointment-reminders"] td[data-date="2026-12-24"] .why',
      );
      assert.equal(eve, `holiday: ${hostile}`);
      assert.notEqual(await page.title(), "pwned");

      await page.selectOption("#label", "team=care");
      assert.equal(await page.textContent("#count"), "3 of 7 campaigns");
      const visible = await page.$$eval("section.campaign:not(.hidden) h2", (hs) =>
        hs.map((h) => h.firstChild?.textContent?.trim()),
      );
      assert.deepEqual(visible, ["appointment-reminders", "survey-east", "survey-west"]);

      const shot = join(await tempDir("dw-preview-shot-"), "preview.png");
      await page.screenshot({ path: shot, fullPage: false });
      t.diagnostic(`screenshot: ${shot}`);
      assert.deepEqual(requests, [url], "the page loads nothing but itself");
    } finally {
      await browser.close();
    }
  });
});
