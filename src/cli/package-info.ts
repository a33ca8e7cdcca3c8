import { readFileSync } from "node:fs";

/** This package's root directory (src/cli and dist/cli both sit two levels below it). */
export const PACKAGE_ROOT = new URL("../../", import.meta.url);

/**
 * name and version from this package's package.json, read once, and `repository`: the GitHub
 * repository ("owner/name") that publishes the action (action.yml) and the release tarballs.
 */
export const PACKAGE: { name: string; version: string; repository: string } = (() => {
  const pkg = JSON.parse(readFileSync(new URL("package.json", PACKAGE_ROOT), "utf8")) as { name: string; version: string; repository?: { url?: string } };
  const slug = /github\.com[/:]([^/]+\/[^/.]+?)(?:\.git)?$/.exec(pkg.repository?.url ?? "")?.[1] ?? "campaignctl/campaignctl";
  return { name: pkg.name, version: pkg.version, repository: slug };
})();

/** The release tarball of this version (built by .github/workflows/release.yml with `npm pack`): the dependency spec init writes. */
export function releaseTarballUrl(version = PACKAGE.version): string {
  return `https://github.com/${PACKAGE.repository}/releases/download/v${version}/${PACKAGE.name}-${version}.tgz`;
}

/** The action of this version, as a workflow's `uses:` names it. */
export function actionRef(version = PACKAGE.version): string {
  return `${PACKAGE.repository}@v${version}`;
}
