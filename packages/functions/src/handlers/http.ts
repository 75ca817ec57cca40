import { handle } from "hono/aws-lambda";
import { createApp } from "../http/app.js";
import { authConfigFromEnv, createAuthenticator } from "../http/auth.js";
import { wiring } from "../wiring.js";

/** API Gateway HTTP API (payload 2.0) -> the Hono app. */
export const handler = handle(createApp({ ...wiring(), authenticate: createAuthenticator(authConfigFromEnv()) }));
