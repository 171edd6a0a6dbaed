#!/usr/bin/env node
// Test-only helper: render a batch of LaTeX strings with the real KaTeX.
//
// stdin:  one JSON array of {"latex": string, "display": bool}
// stdout: one JSON array (same length/order) of {"ok": bool, "error": string|null}
//
// Each item is rendered with
//   katex.renderToString(latex, {displayMode: display, throwOnError: true, strict: "error"})
// so both parse errors and strict-mode warnings (e.g. non-LaTeX-compatible input)
// are reported as failures.
//
// What KaTeX 0.19.1 accepts (observed with this script; pinned in
// tests/test_katex_harness.py so a KaTeX upgrade that changes it is noticed):
//   * align, align*, gather*, equation, equation*, split: DISPLAY MODE ONLY.
//     Inline they fail with "{align*} can be used only in display mode."
//     Wrapping does not help inline; for inline output use aligned/gathered.
//     (In display mode KaTeX even accepts align* nested in \left( \right) or
//     inside aligned, which real LaTeX would reject -- do not rely on that.)
//   * aligned, alignedat, gathered, array, matrix, cases: BOTH modes.
//   * \tag{...}: DISPLAY MODE ONLY ("\tag works only in display equations"),
//     at most one per formula/row ("Multiple \tag"). Accepted after
//     \end{aligned} and per row of align*. KaTeX also accepts \tag inside an
//     aligned row, which real LaTeX rejects -- put it outside aligned.
//   * \\ and \newline: accepted inside aligned/array/align* and even at top
//     level (KaTeX renders a line break), in both modes.
//   * \mathrm{...}, \text{...}, \, \; \quad \!, {,} and \, digit grouping,
//     \operatorname, \tfrac/\dfrac: accepted in both modes.
//   * Rejected in both modes: \label, \eqref (undefined control sequence),
//     x^{2}^{3} (double superscript), "_" inside \text{}, and non-ASCII
//     letters in math mode outside \text{} (strict: "error").
//
// Exit status: 0 when the batch was processed (individual failures are in the
// JSON); 2 on bad input (not JSON / not an array of the right shape).

"use strict";

const katex = require("katex");

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (c) => chunks.push(c));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

function renderOne(item) {
  if (item === null || typeof item !== "object" || typeof item.latex !== "string") {
    return { ok: false, error: "harness: item must be an object with a string 'latex'" };
  }
  try {
    katex.renderToString(item.latex, {
      displayMode: Boolean(item.display),
      throwOnError: true,
      strict: "error",
    });
    return { ok: true, error: null };
  } catch (e) {
    const msg = e && e.message ? e.message : String(e);
    return { ok: false, error: msg };
  }
}

async function main() {
  let input;
  try {
    input = JSON.parse(await readStdin());
  } catch (e) {
    process.stderr.write("render.js: stdin is not valid JSON: " + e.message + "\n");
    process.exit(2);
  }
  if (!Array.isArray(input)) {
    process.stderr.write("render.js: stdin must be a JSON array\n");
    process.exit(2);
  }
  const out = input.map(renderOne);
  process.stdout.write(JSON.stringify(out));
}

main();
