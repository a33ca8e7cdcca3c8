// The plan report of the campaignctl action (action.yml, command: plan, through actions/github-script):
//   - a push or manual run (no pull request: the plan for the commit the apply job will apply): the job
//     summary only, written BEFORE the apply job waits for its environment's approval, so the approver
//     sees exactly the plan that will be applied;
//   - same-repository pull requests: ONE sticky comment (found by its hidden marker, written by a bot),
//     created on the first run and edited on every later push;
//   - pull requests from forks: GitHub gives them no secrets and a read-only token, so no plan was
//     made and no comment can be written: the job summary (and a warning) says so and why;
//   - either way, a pull request that also changes the tool — package.json or the lockfile (which pick
//     the campaignctl code that runs), the workflows or their scripts, or campaignctl's own source — is
//     called out: that code ran with the plan job's API keys.
// Also written to the job summary. Inputs (environment): VALIDATE_OUTCOME, PLAN_EXITCODE, HEAD_SHA,
// RUN_URL, GITHUB_STEP_SUMMARY, PLAN_ARTIFACT (the saved plan's artifact name), COMMENT ("false": no
// comment), CAMPAIGNCTL_DIR (the workspace directory); files plan.md and plan.err in that directory.
"use strict";

const MARKER = "<!-- campaignctl-plan -->";
const LIMIT = 65000; // GitHub rejects comment bodies over 65,536 characters

/** Files whose change alters the code that runs with the keys (this list is documented in the README). */
const TOOL_PATHS = [
  /^package\.json$/,
  /^package-lock\.json$/,
  /^npm-shrinkwrap\.json$/,
  /^\.npmrc$/,
  /^\.github\/workflows\//,
  /^scripts\//,
  /^src\//,
  /^bin\//,
];

function isToolFile(file) {
  return TOOL_PATHS.some((re) => re.test(file));
}

function statusLine(env, fork) {
  const { VALIDATE_OUTCOME, PLAN_EXITCODE, RUN_URL } = env;
  if (VALIDATE_OUTCOME !== "success" && VALIDATE_OUTCOME !== "failure") {
    return "❌ **The workflow failed before validating** (install step?) — see the [workflow log](" + RUN_URL + ").";
  }
  if (VALIDATE_OUTCOME === "failure") {
    return "❌ **Validation failed** — the campaign files have errors; they are annotated on the Files changed tab and listed in the [workflow log](" + RUN_URL + "). No plan was made.";
  }
  if (fork) {
    return "⏸️ **No plan: this pull request comes from a fork.** GitHub gives workflows of pull requests from forks no secrets (and a read-only token), so campaignctl could not read the live campaigns and cannot comment. Validation passed. To see the plan, a maintainer can push this branch to the repository itself (the plan then runs and comments), or run `campaignctl plan` locally.";
  }
  if (PLAN_EXITCODE === "0") return "✅ **No changes.** Live campaigns already match this branch.";
  if (PLAN_EXITCODE === "2") {
    return env.PUSH === "true"
      ? "📝 **Changes to apply.** The apply job applies exactly this plan (saved as the `" + (env.PLAN_ARTIFACT || "campaignctl-plan") + "` artifact) once its environment is approved; it refuses the plan if anything it touches changed meanwhile."
      : "📝 **Changes to apply.** Merging this pull request applies them (apply workflow).";
  }
  if (PLAN_EXITCODE === "3") {
    return "⚠️ **Some changes are blocked or need a replacement.** The check passes, but merging will NOT apply those changes: a blocked change is never sent, and a replacement needs a manual run of the apply workflow with `allow-replace` (or `campaignctl apply --allow-replace`). Everything else is applied on merge.";
  }
  return "❌ **The plan failed** (exit code " + (PLAN_EXITCODE || "unknown") + "). Nothing can be applied until this is fixed.";
}

function toolNotice(files, fork) {
  if (files.length === 0) return "";
  const shown = files.slice(0, 20).map((f) => "`" + f + "`").join(", ") + (files.length > 20 ? ", … (" + files.length + " files)" : "");
  const who = fork
    ? "Had the plan run, that code would have run with the plan job's API keys."
    : "The plan above was made BY THAT CODE, and it ran with the plan job's API keys.";
  return "> [!WARNING]\n> **This pull request also changes the tool**: " + shown + ". " + who +
    " Review those changes before trusting the plan — and before merging, since the apply workflow then runs them with the production keys.\n";
}

/** The hidden marker of this workspace's comment (one per shard directory). */
function markerFor(env) {
  return env.CAMPAIGNCTL_DIR && env.CAMPAIGNCTL_DIR !== "." ? MARKER.replace(" -->", " " + env.CAMPAIGNCTL_DIR + " -->") : MARKER;
}

/** The comment body (pure: tested without GitHub). */
function planBody(env, files, read, fork) {
  const fence = (text) => "```\n" + text.trim().slice(0, 4000).replace(/```/g, "'''") + "\n```";
  const status = statusLine(env, fork);
  const ran = !fork && env.VALIDATE_OUTCOME === "success";
  let details = "";
  if (ran && !["0", "2", "3"].includes(env.PLAN_EXITCODE)) {
    const err = read("plan.err");
    if (err.trim() !== "") details = fence(err);
  }
  let plan = ran && ["0", "2", "3"].includes(env.PLAN_EXITCODE) ? read("plan.md") : "";
  const title = env.PUSH === "true" ? "## campaignctl plan for " + (env.HEAD_SHA || "").slice(0, 12) + (env.CAMPAIGNCTL_DIR && env.CAMPAIGNCTL_DIR !== "." ? " (`" + env.CAMPAIGNCTL_DIR + "`)" : "") : "## campaignctl plan" + (env.CAMPAIGNCTL_DIR && env.CAMPAIGNCTL_DIR !== "." ? " (`" + env.CAMPAIGNCTL_DIR + "`)" : "");
  const head = [markerFor(env), title, "", status, "", "Commit " + env.HEAD_SHA + " · [workflow run](" + env.RUN_URL + ")", ""].join("\n");
  const notice = toolNotice(files, fork);
  const room = LIMIT - head.length - notice.length - details.length - 200;
  if (plan.length > room) plan = plan.slice(0, room) + "\n\n… (cut: the full plan is in the workflow run's `campaignctl-plan` artifact)\n";
  return [head, notice, details, plan].filter((s) => s !== "").join("\n");
}

module.exports = async function planComment({ github, context, core, env = process.env, fs = require("fs") }) {
  const path = require("path");
  const dir = env.CAMPAIGNCTL_DIR || ".";
  const read = (f) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), "utf8") : "");
  const pr = context.payload.pull_request;
  const { owner, repo } = context.repo;
  if (!pr) {
    // Push or manual run: the plan the apply job will apply, in the job summary (no pull request to comment on).
    const body = planBody({ ...env, PUSH: "true" }, [], read, false);
    if (env.GITHUB_STEP_SUMMARY) fs.appendFileSync(env.GITHUB_STEP_SUMMARY, body.replace(markerFor(env) + "\n", "") + "\n");
    return { commented: false, fork: false, files: [] };
  }
  const fork = pr.head.repo === null || pr.head.repo.full_name !== owner + "/" + repo;

  let files = [];
  try {
    const listed = await github.paginate(github.rest.pulls.listFiles, { owner, repo, pull_number: pr.number, per_page: 100 });
    files = listed.map((f) => f.filename).filter(isToolFile).sort();
  } catch (err) {
    core.warning("Could not list the pull request's files (" + err.message + "); tool changes are not called out.");
  }
  const body = planBody(env, files, read, fork);
  if (env.GITHUB_STEP_SUMMARY) fs.appendFileSync(env.GITHUB_STEP_SUMMARY, body.replace(markerFor(env) + "\n", "") + "\n");
  if (files.length > 0) core.warning("This pull request changes the tool (" + files.join(", ") + "); that code runs with the plan job's API keys.");

  if (fork) {
    core.warning("No plan: pull requests from forks get no secrets and a read-only token. See the job summary.");
    return { commented: false, fork, files };
  }
  if (env.COMMENT === "false") return { commented: false, fork, files };
  try {
    const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number: pr.number, per_page: 100 });
    const previous = comments.find((c) => c.user && c.user.type === "Bot" && (c.body || "").startsWith(markerFor(env)));
    if (previous) {
      await github.rest.issues.updateComment({ owner, repo, comment_id: previous.id, body });
      core.info("Updated comment " + previous.html_url);
    } else {
      const created = await github.rest.issues.createComment({ owner, repo, issue_number: pr.number, body });
      core.info("Created comment " + created.data.html_url);
    }
  } catch (err) {
    // e.g. Dependabot's pull requests run with a read-only token, like forks.
    if (err.status !== 403) throw err;
    core.warning("Could not comment on the pull request (read-only token: " + err.message + "); the plan is in the job summary.");
    return { commented: false, fork, files };
  }
  return { commented: true, fork, files };
};
module.exports.planBody = planBody;
module.exports.isToolFile = isToolFile;
module.exports.MARKER = MARKER;
