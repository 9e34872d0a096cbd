// Compatibility test: Microsoft's official @azure/msal-node (pinned in package.json) obtains
// app tokens from roster's Entra-shaped OAuth endpoints as it does from Entra ID, over https.
//
// Required environment (no test is ever skipped; a missing variable fails the run):
//   ROSTER_URL            https://HOST:PORT (no path)
//   ROSTER_DOMAIN         the tenant's default verified domain (authority https://HOST:PORT/DOMAIN)
//   ROSTER_TENANT_ID      the tenant id (authority https://HOST:PORT/TENANT_ID)
//   ROSTER_CLIENT_ID      client id of an app registration with a permission to read users
//   ROSTER_CLIENT_SECRET  its client secret
//   NODE_EXTRA_CA_CERTS   PEM file trusting roster's TLS certificate
//
// Facts about MSAL (read from msal-node 7.2.1 / msal-common 16.16.1 source) that shape these tests:
// - A non-Microsoft host is trusted for cloud ("instance") discovery only when it is listed in
//   auth.knownAuthorities as host[:port] (Authority.getCloudDiscoveryMetadataFromConfig →
//   isInKnownAuthorities, which compares UrlString.getDomainFromUrl(entry) with host:port).
//   Otherwise MSAL GETs https://login.microsoftonline.com/common/discovery/instance, which this
//   machine cannot reach. With knownAuthorities set, MSAL makes no such call.
// - Endpoints are then read from the network at {authority}/v2.0/.well-known/openid-configuration
//   (Authority.defaultOpenIdConfigurationEndpoint, protocolMode AAD). The document is accepted
//   only if it has all of authorization_endpoint, token_endpoint, issuer and jwks_uri
//   (msal-common src/authority/OpenIdConfigResponse.ts, isOpenIdConfigResponse); otherwise the
//   request fails with ClientAuthError endpoints_resolution_error.
// - The issuer must share scheme, host and port with the authority (Authority.validateIssuer).
// - With a domain authority, MSAL swaps the tenant id in token_endpoint for the domain, taking the
//   tenant id from the first path segment of authorization_endpoint (Authority.replacePath), so the
//   token POST goes to /{domain}/oauth2/v2.0/token.
// - An error body {"error": ...} becomes a ServerError with errorCode = error; errorNo comes from
//   error_codes[0] when present.
// - msal-node's HttpClient uses the global fetch, so wrapping globalThis.fetch records every call
//   MSAL makes (and NODE_EXTRA_CA_CERTS makes fetch trust roster's certificate).

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { ConfidentialClientApplication, ServerError, version as msalVersion } from "@azure/msal-node";

// ---------------------------------------------------------------- environment

const REQUIRED = ["ROSTER_URL", "ROSTER_DOMAIN", "ROSTER_TENANT_ID", "ROSTER_CLIENT_ID", "ROSTER_CLIENT_SECRET", "NODE_EXTRA_CA_CERTS"];
const missing = REQUIRED.filter((name) => !process.env[name]);
if (missing.length > 0) {
	throw new Error(
		`msal-node compatibility test: missing required environment variable(s): ${missing.join(", ")}. ` +
			`Set all of ${REQUIRED.join(", ")} (see tests/graph-js/README.md); this test never skips.`,
	);
}
if (!existsSync(process.env.NODE_EXTRA_CA_CERTS)) {
	throw new Error(`msal-node compatibility test: NODE_EXTRA_CA_CERTS=${process.env.NODE_EXTRA_CA_CERTS} does not exist`);
}
const ROSTER_URL = process.env.ROSTER_URL.replace(/\/+$/, "");
const DOMAIN = process.env.ROSTER_DOMAIN;
const TENANT_ID = process.env.ROSTER_TENANT_ID.toLowerCase();
const CLIENT_ID = process.env.ROSTER_CLIENT_ID;
const CLIENT_SECRET = process.env.ROSTER_CLIENT_SECRET;
const url = new URL(ROSTER_URL);
if (url.protocol !== "https:") {
	throw new Error(`msal-node compatibility test: ROSTER_URL must be https (MSAL refuses http authorities), got ${ROSTER_URL}`);
}
if (url.pathname !== "/" || url.search) {
	throw new Error(`msal-node compatibility test: ROSTER_URL must be scheme://host:port only, without a path, got ${ROSTER_URL}`);
}
const HOST = url.host; // host:port, as knownAuthorities wants it

const GRAPH_SCOPE = "https://graph.microsoft.com/.default";

// ---------------------------------------------------------------- recording MSAL's network calls

/** Every request made through the global fetch: {method, url}. */
const calls = [];
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
	const target = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
	calls.push({ method: (init?.method || (typeof input === "object" && input.method) || "GET").toUpperCase(), url: target });
	return realFetch(input, init);
};

/** Runs fn and returns the calls it made through fetch. */
async function recording(fn) {
	const start = calls.length;
	const result = await fn();
	return { result, made: calls.slice(start) };
}

function assertOnlyRoster(made) {
	for (const call of made) {
		assert.ok(
			call.url.startsWith(`${ROSTER_URL}/`),
			`MSAL called ${call.method} ${call.url}, which is not roster (${ROSTER_URL}); it must not try login.microsoftonline.com or any other host`,
		);
	}
}

// ---------------------------------------------------------------- helpers

/** A ConfidentialClientApplication for roster at the given tenant path segment. */
function app(tenant, secret = CLIENT_SECRET) {
	return new ConfidentialClientApplication({
		auth: {
			clientId: CLIENT_ID,
			clientSecret: secret,
			authority: `${ROSTER_URL}/${tenant}`,
			// Trust roster's host for cloud discovery, so MSAL never asks login.microsoftonline.com;
			// endpoints still come from roster's own openid-configuration.
			knownAuthorities: [HOST],
		},
	});
}

function decodeJwtPayload(token) {
	const parts = token.split(".");
	assert.equal(parts.length, 3, `access token is a JWS compact serialisation: ${token.slice(0, 40)}…`);
	return JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
}

async function discoveryDocument(tenant) {
	const res = await realFetch(`${ROSTER_URL}/${tenant}/v2.0/.well-known/openid-configuration`);
	assert.equal(res.status, 200, `GET /${tenant}/v2.0/.well-known/openid-configuration: ${res.status}`);
	return res.json();
}

/** Client credentials with MSAL: fresh token, cached token, then the token calls /v1.0/users. */
async function clientCredentialsRoundTrip(tenant) {
	const cca = app(tenant);

	const first = await recording(() => cca.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] }));
	assertOnlyRoster(first.made);
	const discoveryUrl = `${ROSTER_URL}/${tenant}/v2.0/.well-known/openid-configuration`;
	assert.ok(
		first.made.some((c) => c.method === "GET" && c.url === discoveryUrl),
		`MSAL fetched roster's discovery document ${discoveryUrl}; calls: ${JSON.stringify(first.made)}`,
	);
	const tokenCalls = first.made.filter((c) => c.method === "POST");
	assert.equal(tokenCalls.length, 1, `one token request: ${JSON.stringify(first.made)}`);
	const tokenPath = new URL(tokenCalls[0].url).pathname;
	assert.ok(
		tokenPath === `/${tenant}/oauth2/v2.0/token` || tokenPath === `/${TENANT_ID}/oauth2/v2.0/token`,
		`token request went to roster's token endpoint: ${tokenCalls[0].url}`,
	);

	const result = first.result;
	assert.ok(result, "acquireTokenByClientCredential returned a result");
	assert.equal(typeof result.accessToken, "string", `accessToken: ${JSON.stringify(result)}`);
	assert.ok(result.accessToken.length > 0, "accessToken is not empty");
	assert.equal(result.tokenType, "Bearer");
	assert.equal(result.fromCache, false, "the first token comes from the network");
	assert.ok(result.expiresOn instanceof Date && result.expiresOn.getTime() > Date.now(), `expiresOn is in the future: ${result.expiresOn}`);
	assert.ok(result.scopes.includes(GRAPH_SCOPE), `scopes: ${JSON.stringify(result.scopes)}`);

	// What roster put in the token: the tenant and the issuer it advertises in discovery.
	const claims = decodeJwtPayload(result.accessToken);
	const discovery = await discoveryDocument(tenant);
	assert.equal(String(claims.tid).toLowerCase(), TENANT_ID, "tid claim is the tenant id");
	assert.equal(claims.iss, discovery.issuer, "iss claim is the issuer from discovery");

	// A second call is served from MSAL's in-memory token cache, without touching the network.
	const second = await recording(() => cca.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] }));
	assert.equal(second.made.length, 0, `a cached token needs no request: ${JSON.stringify(second.made)}`);
	assert.equal(second.result.fromCache, true, "the second token comes from MSAL's cache");
	assert.equal(second.result.accessToken, result.accessToken, "the cached token is the same token");

	// The token works against the Graph-compatible API.
	const res = await realFetch(`${ROSTER_URL}/v1.0/users?$top=1`, { headers: { Authorization: `Bearer ${result.accessToken}` } });
	const text = await res.text();
	assert.equal(res.status, 200, `GET /v1.0/users?$top=1 with MSAL's token: ${res.status} ${text}`);
	const body = JSON.parse(text);
	assert.ok(Array.isArray(body.value), `collection has a value array: ${text}`);
	assert.ok(body.value.length <= 1, "$top=1 gives at most one user");
}

// ---------------------------------------------------------------- tests

test(`msal-node ${msalVersion}: client credentials with the domain authority ${ROSTER_URL}/${DOMAIN}`, { timeout: 60_000 }, async () => {
	await clientCredentialsRoundTrip(DOMAIN);
});

test(`msal-node ${msalVersion}: client credentials with the tenant id authority ${ROSTER_URL}/${TENANT_ID}`, { timeout: 60_000 }, async () => {
	await clientCredentialsRoundTrip(TENANT_ID);
});

test(`msal-node ${msalVersion}: a wrong client secret gives ServerError invalid_client`, { timeout: 60_000 }, async () => {
	const cca = app(DOMAIN, `wrong-${randomBytes(12).toString("hex")}`);
	let caught;
	const { made } = await recording(async () => {
		try {
			await cca.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] });
		} catch (err) {
			caught = err;
		}
	});
	assertOnlyRoster(made);
	assert.ok(caught, "acquireTokenByClientCredential with a wrong secret must fail");
	assert.ok(caught instanceof ServerError, `expected MSAL's ServerError, got ${caught && caught.stack}`);
	assert.equal(caught.errorCode, "invalid_client", `errorCode (message: ${caught.errorMessage})`);
	assert.match(caught.errorMessage, /AADSTS7000215/, "errorMessage carries roster's error_description");
	assert.ok(made.some((c) => c.method === "POST"), "the failure came from roster's token endpoint");
});
