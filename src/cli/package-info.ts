import { readFileSync } from "node:fs";

/** This package's root directory (src/cli and dist/cli both sit two levels below it). */
export const PACKAGE_ROOT = new URL("../../", import.meta.url);

/** name and version from this package's package.json, read once. */
export const PACKAGE: { name: string; version: string } = (() => {
  const pkg = JSON.parse(readFileSync(new URL("package.json", PACKAGE_ROOT), "utf8")) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
})();
