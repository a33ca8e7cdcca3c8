// The sandbox's defaults, apart from the server so that the CLI can show them in its help without
// loading the simulators.
export const DEFAULT_SANDBOX_PORT = 4010;
export const DEFAULT_SANDBOX_API_KEY = "sandbox";
