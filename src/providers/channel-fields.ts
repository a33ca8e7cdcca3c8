import type { SpecCheckContext } from "./types.js";

/**
 * For providers whose campaigns run on one of two channels: report every field that belongs only to
 * the other channel, at its key, naming the fields the campaign's channel does take.
 */
export function reportOtherChannelFields<C extends string>(
  spec: Readonly<Record<string, unknown>>,
  ctx: SpecCheckContext,
  opts: {
    code: string;
    /** The spec field that selects the channel, e.g. "type" or "integration_type". */
    channelField: string;
    fields: Readonly<Record<C, readonly string[]>>;
    /** What the provider does with such a field, e.g. "Altur rejects it with INVALID_REQUEST". */
    consequence: string;
  },
): void {
  const channel = spec[opts.channelField] as C;
  const own = opts.fields[channel] ?? [];
  for (const [other, fields] of Object.entries(opts.fields) as [C, readonly string[]][]) {
    if (other === channel) continue;
    for (const field of fields) {
      if (spec[field] === undefined) continue;
      ctx.report(
        [field],
        opts.code,
        `${field} applies only to ${other} campaigns, but this campaign's ${opts.channelField} is ${channel} (${opts.consequence}); fields for ${channel} campaigns: ${own.length === 0 ? "none" : own.join(", ")}`,
        "error",
        "key",
      );
    }
  }
}
