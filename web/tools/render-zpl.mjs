// Renders ZPL read from stdin to PNG with Zebrash (zpl-renderer-js, an independent ZPL
// interpreter compiled to WebAssembly), so tests can decode the barcodes okno's ZPL draws.
//
// Usage: node tools/render-zpl.mjs WIDTH_MM HEIGHT_MM DPMM OUT_PREFIX < labels.zpl
// Writes OUT_PREFIX-0.png, OUT_PREFIX-1.png, ... (one per ^XA..^XZ format) and prints their paths.
import { ready } from "zpl-renderer-js";
import fs from "node:fs";

const [widthMm, heightMm, dpmm, prefix] = process.argv.slice(2);
if (!prefix) {
  console.error("usage: render-zpl.mjs WIDTH_MM HEIGHT_MM DPMM OUT_PREFIX < labels.zpl");
  process.exit(2);
}
const zpl = fs.readFileSync(0, "utf8");
const { api } = await ready;
const labels = await api.zplToBase64MultipleAsync(zpl, Number(widthMm), Number(heightMm), Number(dpmm));
labels.forEach((png, i) => {
  const path = `${prefix}-${i}.png`;
  fs.writeFileSync(path, Buffer.from(png, "base64"));
  console.log(path);
});
process.exit(0);
