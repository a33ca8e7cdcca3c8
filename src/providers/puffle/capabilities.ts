import type { KindCapabilities } from "../../core/capabilities.js";

const DRAFT_ONLY = ["skip_other_campaigns", "stop_on_reply", "open_tracking", "signature", "sender_account_ids", "sequence_nodes"];

/** README.md §4.3 (editability), §5 (lifecycle), §10 (immutable fields). */
export const capabilities: KindCapabilities = {
  readable: true,
  updateMode: "patch",
  mergePaths: [],
  opaquePaths: ["operating_hours"],
  immutable: ["type"],
  readOnlyStatuses: {},
  fields: [
    ...DRAFT_ONLY.map((path) => ({
      path,
      editableIn: ["draft"],
      blockedReason: `Puffle silently ignores ${path} once a campaign has left draft (it answers 200 and changes nothing)`,
      unblockHint:
        "revert it in Git to keep this campaign as it is, or run `campaignctl apply --replace ADDRESS` to make a new version with it (the old one is renamed and paused, never deleted; only prospects it has not contacted move over)",
    })),
    {
      path: "operating_hours",
      sideEffect: {
        statuses: ["active", "launching"],
        warning: "operating_hours on an active Puffle campaign wakes sleeping prospects: expect a burst of sends within about 30 s",
      },
    },
  ],
  lifecycle: {
    statusField: "status",
    satisfies: { draft: ["draft"], active: ["active", "launching"], paused: ["paused"] },
    actions: [
      {
        name: "launch",
        from: ["draft"],
        to: "active",
        phase: "after-edit",
        reaches: "starts",
        preflight: true,
        // README.md §4.6: 200 means "launch started"; launching → active in the background,
        // typically within about 2 minutes (docs advise polling every 30 s); a failed dispatch rolls back to draft.
        settles: { through: ["launching"], rollback: ["draft"], timeoutSeconds: 180, pollSeconds: 30 },
      },
      { name: "pause", from: ["active"], to: "paused", phase: "before-edit" },
      { name: "resume", from: ["paused"], to: "active", phase: "after-edit", reaches: "resumes" },
    ],
    terminal: {
      completed: { reason: "completed Puffle campaigns are terminal: no action leads out of completed", unblock: "create a new campaign under another metadata.name" },
    },
    initialStatus: "draft",
    // It sends while active; a launching campaign is already dispatching (README.md §4.6).
    running: ["active", "launching"],
  },
  createFields: ["type", "name", "sender_account_ids", "skip_other_campaigns", "operating_hours", "daily_limit", "stop_on_reply", "open_tracking", "signature"],
  createRequired: ["type", "name", "sender_account_ids"],
  defaults: {},
  unorderedPaths: ["sender_account_ids"],
  writeOnlyFields: ["account_limits"],
  nameField: "name",
  uniqueNames: { basis: "providers/puffle.md: a second campaign with the same name answers 409 NAME_CONFLICT" },
  frozenReads: [
    {
      // launching is left out: the docs do not say what PATCH does then (the simulator assumes "like active").
      paths: ["sequence_nodes"],
      statuses: ["active", "paused", "completed"],
      basis:
        "providers/puffle.md §4.3: sequence_nodes is draft-only and silently ignored in active, paused and completed; §5: no action leads back to draft",
    },
  ],
  // Pending prospects have not been contacted yet: only they move to the new version.
  newVersion: { stop: ["pause"], notContacted: ["pending"] },
  // README.md §5: pause keeps prospects, replies and statistics; DELETE drops them (`prune: delete` only).
  prune: { keep: ["pause"], delete: { loses: "its prospects, their replies and the campaign's statistics" } },
  retire: {
    action: "delete",
    order: "before-create",
    describe: "Puffle names are unique, so the old campaign is deleted (with its prospects) before the new one is created",
  },
};
