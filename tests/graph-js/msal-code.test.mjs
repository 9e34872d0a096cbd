// Compatibility test: Microsoft's @azure/msal-node signs a user in to a web app through roster
// as it does through Entra ID: the authorization code flow with PKCE (getAuthCodeUrl, the
// sign-in form followed as a browser would, acquireTokenByCode), then a refresh through MSAL's
// cache (acquireTokenSilent with forceRefresh). Over https, roster's host a known authority.
//
// Required environment (no test is ever skipped; a missing variable fails the run):
//   ROSTER_URL, ROSTER_TENANT_ID, ROSTER_OIDC_CLIENT_ID, ROSTER_OIDC_CLIENT_SECRET,
//   ROSTER_OIDC_REDIRECT_URI, ROSTER_OIDC_USER, ROSTER_OIDC_PASSWORD, NODE_EXTRA_CA_CERTS

import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfidentialClientApplication, CryptoProvider } from "@azure/msal-node";

const REQUIRED = [
	"ROSTER_URL",
	"ROSTER_TENANT_ID",
	"ROSTER_OIDC_CLIENT_ID",
	"ROSTER_OIDC_CLIENT_SECRET",
	"ROSTER_OIDC_REDIRECT_URI",
	"ROSTER_OIDC_USER",
	"ROSTER_OIDC_PASSWORD",
	"NODE_EXTRA_CA_CERTS",
];
const missing = REQUIRED.filter((name) => !process.env[name]);
if (missing.length > 0) {
	throw new Error(`msal-node code flow test: missing ${missing.join(", ")}; this test never skips.`);
}
const env = process.env;
const ROSTER_URL = env.ROSTER_URL.replace(/\/+$/, "");
const HOST = new URL(ROSTER_URL).host;

/// The sign-in form followed as a browser would: its hidden fields, the name and password, and
/// the answer's redirect to the app.
async function signIn(authorizationUrl) {
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
	const page = await send(authorizationUrl);
	assert.equal(page.status, 200, "the sign-in page");
	const html = await page.text();
	const fields = new URLSearchParams();
	for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
		fields.append(match[1], match[2].replaceAll("&quot;", '"').replaceAll("&amp;", "&"));
	}
	fields.set("username", env.ROSTER_OIDC_USER);
	fields.set("password", env.ROSTER_OIDC_PASSWORD);
	const action = new URL(authorizationUrl);
	action.search = "";
	const answered = await send(action, { method: "POST", body: fields });
	assert.equal(answered.status, 302, "back to the app");
	return new URL(answered.headers.get("location"));
}

test("msal-node signs a user in with the code flow and refreshes through its cache", async () => {
	const cca = new ConfidentialClientApplication({
		auth: {
			clientId: env.ROSTER_OIDC_CLIENT_ID,
			clientSecret: env.ROSTER_OIDC_CLIENT_SECRET,
			authority: `${ROSTER_URL}/${env.ROSTER_TENANT_ID}`,
			knownAuthorities: [HOST],
		},
	});
	const scopes = ["User.Read"];
	const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
	const authorizationUrl = await cca.getAuthCodeUrl({
		scopes,
		redirectUri: env.ROSTER_OIDC_REDIRECT_URI,
		codeChallenge: challenge,
		codeChallengeMethod: "S256",
		state: "msal-state",
	});
	assert.ok(authorizationUrl.startsWith(`${ROSTER_URL}/`), authorizationUrl);
	const callback = await signIn(authorizationUrl);
	assert.equal(callback.searchParams.get("state"), "msal-state");
	const result = await cca.acquireTokenByCode({
		code: callback.searchParams.get("code"),
		scopes,
		redirectUri: env.ROSTER_OIDC_REDIRECT_URI,
		codeVerifier: verifier,
	});
	assert.ok(result.accessToken, "an access token");
	assert.equal(result.account.username, env.ROSTER_OIDC_USER);
	assert.equal(result.account.tenantId, env.ROSTER_TENANT_ID.toLowerCase());
	assert.equal(result.idTokenClaims.preferred_username, env.ROSTER_OIDC_USER);

	// A refresh, as MSAL does it from its cache.
	const refreshed = await cca.acquireTokenSilent({ account: result.account, scopes, forceRefresh: true });
	assert.ok(refreshed.accessToken);
	assert.notEqual(refreshed.accessToken, result.accessToken);
	assert.equal(refreshed.account.homeAccountId, result.account.homeAccountId);
});
