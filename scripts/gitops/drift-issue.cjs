// The drift issue of the campaignctl action (action.yml, command: drift, through actions/github-script). ONE open issue
// labelled `drift`, carrying a hidden marker, while drift remains:
//   drift exit 2: open it (GitHub notifies watchers), or — when it is open — keep its body current and,
//                 when the SET of drifted campaigns changed since the last run, add a comment saying
//                 which campaigns started and stopped drifting (a body edit notifies nobody; a comment
//                 does). The same set hour after hour: body refreshed, no comment.
//   drift exit 0: comment "in sync again" and close it.
// The set is kept in the body as a hidden line. Inputs (environment): DRIFT_EXITCODE, RUN_URL; files
// drift.md (the report) and drift.json (`campaignctl drift --out`) in CAMPAIGNCTL_DIR (default: the working directory).
// In a repository with shards, each shard directory (CAMPAIGNCTL_DIR other than ".") has an issue of its own:
// its marker and title name the directory, so one shard's run never updates or closes another's issue.
"use strict";

const MARKER = "<!-- campaignctl-drift -->";
const SET_PREFIX = "<!-- campaignctl-drift-set: ";
const LABEL = "drift";
const LIMIT = 65000; // GitHub rejects issue bodies over 65,536 characters

/** Addresses of the drifted campaigns (and of campaigns that could not be checked) in a drift JSON report. */
function driftedSet(report) {
  const out = new Set();
  for (const c of report.campaigns || []) if (c.summary !== undefined || (c.fields || []).length > 0) out.add(c.address);
  for (const e of report.errors || []) out.add(e.address);
  return [...out].sort();
}

function setInBody(body) {
  const line = (body || "").split("\n").find((l) => l.startsWith(SET_PREFIX));
  if (!line) return undefined;
  try {
    const parsed = JSON.parse(line.slice(SET_PREFIX.length, line.lastIndexOf(" -->")));
    return Array.isArray(parsed) ? parsed.map(String).sort() : undefined;
  } catch {
    return undefined;
  }
}

/** The hidden marker of this workspace's issue (one per shard directory; the root's is MARKER itself). */
function markerFor(env) {
  return env.CAMPAIGNCTL_DIR && env.CAMPAIGNCTL_DIR !== "." ? MARKER.replace(" -->", " " + env.CAMPAIGNCTL_DIR + " -->") : MARKER;
}

const list = (xs) => xs.map((a) => "- `" + a + "`").join("\n");

module.exports = async function driftIssue({ github, context, core, env = process.env, fs = require("fs") }) {
  const { owner, repo } = context.repo;
  const { DRIFT_EXITCODE, RUN_URL } = env;
  const at = (f) => require("path").join(env.CAMPAIGNCTL_DIR || ".", f);
  const now = new Date().toISOString();
  const run = "([workflow run](" + RUN_URL + "))";

  const open = await github.paginate(github.rest.issues.listForRepo, { owner, repo, state: "open", labels: LABEL, per_page: 100 });
  const marker = markerFor(env);
  const mine = open.filter((i) => !i.pull_request && (i.body || "").split("\n").includes(marker));
  const existing = mine[0];

  if (DRIFT_EXITCODE === "0") {
    for (const issue of mine) {
      await github.rest.issues.createComment({ owner, repo, issue_number: issue.number, body: "✅ In sync again as of " + now + ": Git, the recorded state and live agree. Closing. " + run });
      await github.rest.issues.update({ owner, repo, issue_number: issue.number, state: "closed", state_reason: "completed" });
      core.info("Closed drift issue #" + issue.number);
    }
    if (mine.length === 0) core.info("In sync; no drift issue open.");
    return;
  }

  const set = driftedSet(JSON.parse(fs.readFileSync(at("drift.json"), "utf8")));
  let report = fs.readFileSync(at("drift.md"), "utf8");
  const head = [
    marker,
    SET_PREFIX + JSON.stringify(set) + " -->",
    "campaignctl found drift between Git, the recorded state and the live campaigns: " + set.length + " campaign(s).",
    "",
    "Last checked " + now + " · [workflow run](" + RUN_URL + "). This issue is kept current while drift remains (a comment is added whenever the set of drifted campaigns changes) and closed once everything is in sync.",
    "",
    "",
  ].join("\n");
  if (head.length + report.length > LIMIT) report = report.slice(0, LIMIT - head.length - 200) + "\n\n… (cut: run `campaignctl drift` for the full report)\n";
  const body = head + report;

  if (existing) {
    const before = setInBody(existing.body) || [];
    await github.rest.issues.update({ owner, repo, issue_number: existing.number, body });
    const started = set.filter((a) => !before.includes(a));
    const stopped = before.filter((a) => !set.includes(a));
    if (started.length > 0 || stopped.length > 0) {
      const parts = ["The set of drifted campaigns changed " + run + "; the issue body holds the current report."];
      if (started.length > 0) parts.push("", "**Now drifting:**", list(started));
      if (stopped.length > 0) parts.push("", "**No longer drifting:**", list(stopped));
      await github.rest.issues.createComment({ owner, repo, issue_number: existing.number, body: parts.join("\n") });
      core.info("Updated drift issue #" + existing.number + " and commented: +" + started.length + " -" + stopped.length);
    } else {
      core.info("Updated drift issue #" + existing.number + " (same campaigns drifting; no comment)");
    }
    return;
  }
  try {
    await github.rest.issues.getLabel({ owner, repo, name: LABEL });
  } catch (err) {
    if (err.status !== 404) throw err;
    await github.rest.issues.createLabel({ owner, repo, name: LABEL, color: "d93f0b", description: "Live campaigns differ from Git (campaignctl drift)" });
  }
  const created = await github.rest.issues.create({ owner, repo, title: "campaignctl: drift detected" + (marker === MARKER ? "" : " in " + env.CAMPAIGNCTL_DIR), body, labels: [LABEL] });
  core.info("Opened drift issue #" + created.data.number);
};
module.exports.driftedSet = driftedSet;
module.exports.setInBody = setInBody;
module.exports.MARKER = MARKER;
module.exports.markerFor = markerFor;
