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
  /**
   * POST /prospect-list and …/add-users-to-list → `data: { listId, submittedUrls, validationRejectedUrls, existedUrlsMap,
   * outOfLimitUrls, totalUrlsLimit, perMonthUrlsLimit }` [D names]; the four URL collections are what the client reads.
   */
  prospectsAdded: {
    type: "object",
    required: ["data"],
    properties: {
      data: {
        type: "object",
        required: ["submittedUrls", "validationRejectedUrls", "existedUrlsMap", "outOfLimitUrls"],
        properties: {
          listId: { type: ["string", "integer"] },
          submittedUrls: { type: "array", items: { type: "string" } },
          validationRejectedUrls: { type: "array", items: { type: "string" } },
          existedUrlsMap: { type: "object", additionalProperties: { type: "array", items: { type: "string" } } },
          outOfLimitUrls: { type: "array", items: { type: "string" } },
        },
      },
    },
  },
  /** GET /prospects → `data: [prospect]` with campaign/list bindings [D]; the URL field's name is assumed `linkedInUrl` [A]. */
  prospects: {
    type: "object",
    required: ["data"],
    properties: {
      data: {
        type: "array",
        items: { type: "object", required: ["id", "linkedInUrl"], properties: { id: { type: ["string", "integer"] }, linkedInUrl: { type: "string" }, listId: { type: ["string", "integer", "null"] } } },
      },
    },
  },
});
