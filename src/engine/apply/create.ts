import { boundElsewhere } from "../../core/bindings.js";
import type { JsonObject } from "../../core/json.js";
import { adoptionCandidates } from "../../core/lifecycle.js";
import { isProviderApiError } from "../../http/errors.js";
import type { LiveResource } from "../../providers/types.js";
import { errorText, isStateWriteError } from "./errors.js";
import { bodyDigest, idempotencyKeyFor } from "./keys.js";
import type { ResourceRunState } from "./run-state.js";

export async function create(run: ResourceRunState, body: JsonObject): Promise<void> {
  const nameField = run.caps.nameField;
  const key = await recordPending(run, body);
  try {
    await send(run, body, key, nameField);
  } catch (err) {
    // The provider answered with an error: nothing was created, nothing is pending. Anything else
    // (a reset, a timeout, a lost answer) may have created it: the pending record stays for the next run.
    if (isProviderApiError(err) && !err.ambiguous) {
      try {
        run.store.unpend(run.plan.address);
      } catch {
        /* still pending on disk: the next run looks it up */
      }
    }
    throw err;
  }
  if (run.id === undefined) throw new Error("create returned no id");
  // An answer that reuses an id state already gives to another address is refused, not recorded:
  // binding two addresses to one object would make one of them manage (and later delete) the other's.
  const owner = boundElsewhere(run.store.doc.campaigns, run.plan.address, { provider: run.plan.provider, account: run.plan.account, kind: run.plan.kind, id: run.id });
  if (owner !== undefined) {
    const id = run.id;
    run.id = undefined;
    throw new Error(
      `${run.session.kind.displayName} answered the create of ${run.plan.address} with id ${id}, which state already gives to ${owner}; ` +
        `not recorded (one live object backs one address) — check both in the provider, then bind the right one with \`campaignctl state adopt ${run.plan.address} --id <ID>\``,
    );
  }
  run.claimedIds.add(run.id);
  run.step(`created id ${run.id}`);
  // Record the id at once: a crash after this point must not lose it.
  run.record(body);
}

export async function send(run: ResourceRunState, body: JsonObject, key: string, nameField: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const created = await run.client.create(body, { idempotencyKey: key });
      if (created.id === undefined) {
        await resolveCreatedId(run, body);
        break;
      }
      run.id = created.id;
      run.live = created.live;
      break;
    } catch (err) {
      const uncertain = isProviderApiError(err) && (err.retryable || err.ambiguous);
      if (!uncertain) throw err;
      if (!run.client.list) {
        const name = run.session.kind.displayName;
        if (!err.ambiguous) throw err;
        throw new Error(
          `the create may or may not have reached ${name} (${errorText(err)}), and ${name} cannot be read back to check. ` +
            `It is not retried blindly: look for the campaign in the dashboard; if it exists, bind it with ` +
            `\`campaignctl state adopt ${run.plan.address} --id <ID>\`, otherwise run \`campaignctl apply --recreate-pending\`.`,
        );
      }
      // Look the name up before trying again: the failed attempt may have created it.
      const found = await unclaimedNamed(run, body);
      if (found.length === 1) {
        run.id = found[0]?.id;
        run.live = found[0];
        run.step(`found the campaign the interrupted create made (id ${run.id})`);
        break;
      }
      if (found.length > 1) throw new Error(`after an interrupted create, ${found.length} campaigns named ${JSON.stringify(body[nameField])} exist; bind one with campaignctl state adopt`);
      // A 2xx we could not read: the provider acted, so sending the create again could duplicate it.
      if (attempt >= 3 || err.kind === "answer") throw err;
    }
  }
}

/** Record the create as pending, durably, before it is sent; returns its deterministic Idempotency-Key. */
export async function recordPending(run: ResourceRunState, body: JsonObject): Promise<string> {
  const address = run.plan.address;
  if (run.store.failure) {
    throw new Error(`not created: the state cannot be written (${run.store.failure.message}), so the new id could not be recorded`);
  }
  const digest = bodyDigest(body);
  const prior = run.store.doc.pending?.[address];
  const idempotencyKey = prior && prior.digest === digest ? prior.idempotencyKey : idempotencyKeyFor(run.store.lineage, address, digest, run.store.serial);
  const name = body[run.caps.nameField];
  try {
    await run.store.pending(address, {
      provider: run.plan.provider,
      account: run.plan.account,
      kind: run.plan.kind,
      name: typeof name === "string" ? name : run.plan.displayName,
      digest,
      idempotencyKey,
      at: (run.opts.now?.() ?? new Date()).toISOString(),
    });
  } catch (err) {
    if (!isStateWriteError(err)) throw err;
    throw new Error(`not created: the pending create could not be recorded (${errorText(err)})`);
  }
  return idempotencyKey;
}

/** Live campaigns with the exact name of `body` that no state entry claims (archived ones left out). */
export async function unclaimedNamed(run: ResourceRunState, body: JsonObject): Promise<LiveResource[]> {
  const listed = run.client.list ? await run.client.list() : [];
  return adoptionCandidates(run.caps, body, listed, run.claimedIds);
}

/**
 * The create was accepted but its answer carries no recognisable id (Altur's create answer is
 * undocumented): the campaign exists, so find it by its exact name before anything else — the id
 * is never lost. Two lookups a moment apart, for a list that lags behind the create.
 */
export async function resolveCreatedId(run: ResourceRunState, body: JsonObject): Promise<void> {
  const name = run.session.kind.displayName;
  const title = JSON.stringify(body[run.caps.nameField]);
  for (let attempt = 1; attempt <= 2; attempt += 1) {
    const found = await unclaimedNamed(run, body);
    if (found.length === 1) {
      run.id = found[0]?.id;
      run.live = found[0];
      run.step(`${name} answered the create without an id; found the new campaign by its name (id ${run.id})`);
      return;
    }
    if (found.length > 1) {
      throw new Error(
        `${name} accepted the create but answered without an id, and ${found.length} unclaimed campaigns are named ${title} ` +
          `(ids ${found.map((c) => c.id).join(", ")}); bind the new one with \`campaignctl state adopt ${run.plan.address} --id <ID>\``,
      );
    }
    if (attempt === 1) await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(
    `${name} accepted the create but answered without an id, and no campaign named ${title} is listed yet; ` +
      `run plan again in a moment: the next plan adopts it by its name`,
  );
}
