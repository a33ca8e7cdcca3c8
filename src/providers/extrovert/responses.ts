import { responseSchemas } from "../../http/response-schema.js";

/**
 * What the Extrovert client needs from each 2xx answer (docs: README.md §2):
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
  /** GET /user/team-members → `data: [{ id, name, firstName, lastName, linkedInProfile{ email, ... }, ... }]` [D]. */
  teamMembers: {
    type: "object",
    required: ["data"],
    properties: { data: { type: "array", items: { type: "object", required: ["id"], properties: { id: { type: ["string", "integer"] } } } } },
  },
});
