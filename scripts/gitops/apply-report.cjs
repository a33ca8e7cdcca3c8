// The apply report of the campaignctl action (action.yml, command: apply, through actions/github-script):
// what `campaignctl apply` did — applied, failed, blocked (and skipped, manual) per campaign, from its
// `--format json` result — or, when it did not start writing (a stale saved plan, a refused safety
// threshold, a validation error), the reason it gave. Written to the job summary and, on a push run, as a
// comment on the pull request the pushed commit came from (the merged pull request), so the people who
// reviewed the plan see what became of it.
// Inputs (environment): APPLY_OUTCOME (the apply step's outcome), PLAN_FILE (the saved plan applied, or
// empty), COMMENT ("false": no comment), RUN_URL, GITHUB_STEP_SUMMARY, CAMPAIGNCTL_DIR (the workspace
// directory); files apply.json (stdout of apply --format json) and apply.err (its stderr) there.
"use strict";

const MARKER = "<!-- campaignctl-apply -->";
const LIMIT = 65000; // GitHub rejects comment bodies over 65,536 characters
const ICON = { applied: "✅", failed: "❌", blocked: "⛔", skipped: "⏭️", manual: "✋" };

function readJson(text) {
  try {
    const doc = JSON.parse(text);
    return doc && typeof doc === "object" && Array.isArray(doc.campaigns) ? doc : undefined;
  } catch {
    return undefined;
  }
}

const cell = (s) => String(s === undefined || s === null ? "" : s).replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

/** What a campaign's row says beyond its status: what was done, or why not. */
function detail(c) {
  if (c.status === "blocked") return (c.blocked || []).map((b) => b.code + (b.field ? " (" + b.field + ")" : "") + ": " + (b.reason || "")).join("; ") || c.message || "";
  if (c.status === "applied") return (c.done || []).join(", ");
  return (c.reason ? c.reason + ": " : "") + (c.message || "");
}

/** The report (pure: tested without GitHub). */
function applyBody(env, read) {
  const result = readJson(read("apply.json"));
  const err = read("apply.err");
  const dir = env.CAMPAIGNCTL_DIR && env.CAMPAIGNCTL_DIR !== "." ? " (`" + env.CAMPAIGNCTL_DIR + "`)" : "";
  const what = env.PLAN_FILE ? "the saved plan `" + env.PLAN_FILE + "` (the plan shown before approval)" : "a fresh plan";
  const lines = [MARKER, "## campaignctl apply" + dir, ""];
  if (!result) {
    const tail = err.trim().split("\n").slice(-15).join("\n").replace(/```/g, "'''");
    const cancelled = env.APPLY_OUTCOME === "cancelled";
    lines.push(
      (cancelled ? "⏹️ **The apply was cancelled**" : "❌ **Nothing was applied**") + " — campaignctl applied " + what + " and stopped before a result" + (cancelled ? "." : "; its reason:"),
      "",
      "```",
      tail || "(no output: see the workflow log)",
      "```",
    );
  } else {
    const s = result.summary || {};
    const head = result.exitCode === 0 ? "✅ **Applied.**" : result.exitCode === 3 ? "⚠️ **Applied what it could; blocked changes remain.**" : "❌ **Some changes failed.**";
    const counts = ["applied", "failed", "blocked", "skipped", "manual"].filter((k) => (s[k] || 0) > 0).map((k) => s[k] + " " + k);
    lines.push(head + " campaignctl applied " + what + ": " + (counts.length > 0 ? counts.join(", ") : "nothing to do") + " (exit code " + result.exitCode + ").", "");
    if (result.campaigns.length > 0) {
      lines.push("| | Campaign | Status | Details |", "|---|---|---|---|");
      for (const c of result.campaigns) lines.push("| " + (ICON[c.status] || "") + " | `" + cell(c.address) + "` | " + cell(c.status) + " | " + cell(detail(c)) + " |");
      lines.push("");
    }
  }
  lines.push("[Workflow run](" + env.RUN_URL + ")", "");
  let body = lines.join("\n");
  if (body.length > LIMIT) body = body.slice(0, LIMIT - 200) + "\n\n… (cut: the full result is in the workflow run's state artifact, apply.json)\n";
  return body;
}

module.exports = async function applyReport({ github, context, core, env = process.env, fs = require("fs") }) {
  const path = require("path");
  const dir = env.CAMPAIGNCTL_DIR || ".";
  const read = (f) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), "utf8") : "");
  const body = applyBody(env, read);
  if (env.GITHUB_STEP_SUMMARY) fs.appendFileSync(env.GITHUB_STEP_SUMMARY, body.replace(MARKER + "\n", "") + "\n");
  core.info(body.replace(MARKER + "\n", ""));
  if (env.COMMENT === "false" || context.eventName !== "push") return { commented: undefined };
  const { owner, repo } = context.repo;
  try {
    const prs = (await github.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: context.sha })).data;
    const pr = prs.find((p) => p.merge_commit_sha === context.sha) || prs.find((p) => p.merged_at);
    if (!pr) {
      core.info("No merged pull request for " + context.sha + "; the result is in the job summary only.");
      return { commented: undefined };
    }
    const created = await github.rest.issues.createComment({ owner, repo, issue_number: pr.number, body });
    core.info("Commented on #" + pr.number + ": " + created.data.html_url);
    return { commented: pr.number };
  } catch (err) {
    if (err.status !== 403 && err.status !== 404) throw err;
    core.warning("Could not comment the apply result on the pull request (" + err.message + "); it is in the job summary. Give the apply job `pull-requests: write`.");
    return { commented: undefined };
  }
};
module.exports.applyBody = applyBody;
module.exports.MARKER = MARKER;
