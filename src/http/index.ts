export { createHttpClient } from "./client.js";
export type {
  HttpClient,
  HttpClientOptions,
  HttpEvent,
  HttpResponse,
  HttpStats,
  ProviderHttp,
  RequestSpec,
} from "./client.js";
export { ProviderApiError, ProviderHttpError, ReadOnlyViolation, isProviderApiError } from "./errors.js";
export type { FailureKind, HttpMethod } from "./errors.js";
export { parseRetryAfter, parseErrorBody, backoffDelay } from "./retry.js";
export { nextTurn } from "./turns.js";
