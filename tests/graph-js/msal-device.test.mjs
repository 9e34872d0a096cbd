// Compatibility test: Microsoft's @azure/msal-node gets tokens from roster with the device code
// flow (acquireTokenByDeviceCode) as it does from Entra ID: MSAL shows the message, the code is
// entered at roster's /devicelogin and the user signs in there as a browser would, and MSAL's
// polling ends with the user's tokens; then a silent refresh from its cache. The client is
// roster's own CLI, a public client of every tenant.
//
// Required environment (no test is ever skipped; a missing variable fails the run):
//   ROSTER_URL, ROSTER_TENANT_ID, ROSTER_OIDC_USER, ROSTER_OIDC_PASSWORD, NODE_EXTRA_CA_CERTS

import { test } from "node:test";
import assert from "node:assert/strict";
import { PublicClientApplication } from "@azure/msal-node";

const REQUIRED = ["ROSTER_URL", "ROSTER_TENANT_ID", "ROSTER_OIDC_USER", "ROSTER_OIDC_PASSWORD", "NODE_EXTRA_CA_CERTS"];
const missing = REQUIRED.filter((name) => !process.env[name]);
if (missing.length > 0) {
	throw new Error(`msal-node device code test: missing ${missing.join(", ")}; this test never skips.`);
}
const env = process.env;
const ROSTER_URL = env.ROSTER_URL.replace(/\/+$/, "");
const HOST = new URL(ROSTER_URL).host;
/// roster's CLI (roster_core::directory::CLI_CLIENT_ID).
const ROSTER_CLI = "5b9c74be-219b-42ae-aefa-9b04e39786af";

/// What the user does in a browser: enters the code at the page MSAL was told of, and signs in.
async function enterCode(verificationUri, userCode) {
	const cookies = new Map();
	const send = async (url, init = {}) => {
		const headers = new Headers(init.headers ?? {});
		if (cookies.size > 0) headers.set("cookie", [...cookies].map(([k, v]) => `${k}=${v}`).join("; "));
		const response = await fetch(url, { ...init, headers, redirect: "manual" });
		for (const cookie of response.headers.getSetCookie()) {
			const [pair] = cookie.split(";");
			const at = pair.indexOf("=");
			cookies.set(pair.slice(0, at), pair.slice(at + 1));
		}
		return response;
	};
	const form = await (await send(verificationUri)).text();
	const csrf = form.match(/name="csrf" value="([^"]+)"/)[1];
	const named = await (await send(verificationUri, { method: "POST", body: new URLSearchParams({ csrf, code: userCode }) })).text();
	assert.match(named, /roster CLI/);
	const done = await send(verificationUri, {
		method: "POST",
		body: new URLSearchParams({
			csrf,
			code: userCode,
			decision: "password",
			username: env.ROSTER_OIDC_USER,
			password: env.ROSTER_OIDC_PASSWORD,
		}),
	});
	assert.match(await done.text(), /You have signed in/);
}

test("msal-node signs a user in with the device code flow and refreshes silently", async () => {
	const pca = new PublicClientApplication({
		auth: {
			clientId: ROSTER_CLI,
			authority: `${ROSTER_URL}/${env.ROSTER_TENANT_ID}`,
			knownAuthorities: [HOST],
		},
	});
	let shown;
	const signedIn = [];
	const result = await pca.acquireTokenByDeviceCode({
		scopes: ["User.Read"],
		deviceCodeCallback: (response) => {
			shown = response;
			assert.ok(response.message.includes(response.userCode), response.message);
			assert.equal(response.verificationUri, `${ROSTER_URL}/devicelogin`);
			signedIn.push(enterCode(response.verificationUri, response.userCode));
		},
	});
	await Promise.all(signedIn);
	assert.ok(shown, "MSAL was given the code to show");
	assert.ok(result.accessToken, "an access token");
	assert.equal(result.account.username, env.ROSTER_OIDC_USER);
	assert.equal(result.account.tenantId, env.ROSTER_TENANT_ID.toLowerCase());

	const refreshed = await pca.acquireTokenSilent({ account: result.account, scopes: ["User.Read"], forceRefresh: true });
	assert.notEqual(refreshed.accessToken, result.accessToken);
	assert.equal(refreshed.account.homeAccountId, result.account.homeAccountId);
});
