import { responseSchemas } from "../../http/response-schema.js";

/**
 * What the Extrovert client needs from each 2xx answer (docs: shared/providers/extrovert.md §2):
 * every answer is the envelope `{ status, data, message, statusCode }`.
 */
export const EXTROVERT_RESPONSES = responseSchemas({
  /** POST /campaign → `data: { id }`. */
  created: {
    type: "object",
    required: ["data"],
    properties: { data: { type: "object", required: ["id"], properties: { id: { type: ["string", "integer"] } } } },
  },
  /** PATCH /campaign/{id} → `data: null`; nothing is read but the answer must be JSON. */
  updated: { type: "object" },
});
