// Interoperability test: an independent OpenID Connect relying party, panva's openid-client
// (pinned in package.json; certified by the OpenID Foundation), signs a user in through roster:
// discovery, the authorization code flow with PKCE (the sign-in form followed as a browser
// would), the ID token checked against the published keys, userinfo, a refresh, and logout.
//
// Required environment (no test is ever skipped; a missing variable fails the run):
//   ROSTER_URL                 https://HOST:PORT (no path)
//   ROSTER_TENANT_ID           the tenant id
//   ROSTER_OIDC_CLIENT_ID      client id of an app registration with ROSTER_OIDC_REDIRECT_URI
//   ROSTER_OIDC_CLIENT_SECRET  one of its client secrets
//   ROSTER_OIDC_REDIRECT_URI   its web redirect URI
//   ROSTER_OIDC_USER           a user's name, and ROSTER_OIDC_PASSWORD its password
//   NODE_EXTRA_CA_CERTS        PEM file trusting roster's TLS certificate

import { test } from "node:test";
import assert from "node:assert/strict";
import * as client from "openid-client";

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
	throw new Error(`openid-client interoperability test: missing ${missing.join(", ")}; this test never skips.`);
}
const env = process.env;
const redirectUri = env.ROSTER_OIDC_REDIRECT_URI;

/// A browser's cookie jar, as much of one as the sign-in needs.
class Browser {
	cookies = new Map();

	async fetch(url, init = {}) {
		const headers = new Headers(init.headers ?? {});
		if (this.cookies.size > 0) {
			headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
		}
		headers.set("accept", "text/html");
		const response = await fetch(url, { ...init, headers, redirect: "manual" });
		for (const cookie of response.headers.getSetCookie()) {
			const [pair] = cookie.split(";");
			const at = pair.indexOf("=");
			const [name, value] = [pair.slice(0, at), pair.slice(at + 1)];
			if (value === "" || /Max-Age=0/i.test(cookie)) this.cookies.delete(name);
			else this.cookies.set(name, value);
		}
		return response;
	}
}

/// The hidden fields of the sign-in form, and where it posts.
function signInForm(html, pageUrl) {
	const fields = new URLSearchParams();
	for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
		const unescape = (text) =>
			text.replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
		fields.append(match[1], unescape(match[2]));
	}
	const action = new URL(pageUrl);
	action.search = "";
	return { fields, action };
}

test("openid-client signs a user in with code and PKCE, checks the ID token, refreshes and logs out", async () => {
	const issuer = new URL(`${env.ROSTER_URL}/${env.ROSTER_TENANT_ID}/v2.0`);
	const config = await client.discovery(issuer, env.ROSTER_OIDC_CLIENT_ID, {
		client_secret: env.ROSTER_OIDC_CLIENT_SECRET,
		// roster signs with ES256 (Entra with RS256): an RP says which it expects.
		id_token_signed_response_alg: "ES256",
	});
	const metadata = config.serverMetadata();
	assert.equal(metadata.issuer, issuer.href);
	assert.ok(metadata.code_challenge_methods_supported.includes("S256"));

	const verifier = client.randomPKCECodeVerifier();
	const challenge = await client.calculatePKCECodeChallenge(verifier);
	const [state, nonce] = [client.randomState(), client.randomNonce()];
	const authorizationUrl = client.buildAuthorizationUrl(config, {
		redirect_uri: redirectUri,
		scope: "openid profile email offline_access User.Read",
		code_challenge: challenge,
		code_challenge_method: "S256",
		state,
		nonce,
	});

	// The browser: the sign-in page, the form filled in, and the answer sent to the app.
	const browser = new Browser();
	const page = await browser.fetch(authorizationUrl);
	assert.equal(page.status, 200);
	const { fields, action } = signInForm(await page.text(), authorizationUrl);
	fields.set("username", env.ROSTER_OIDC_USER);
	fields.set("password", env.ROSTER_OIDC_PASSWORD);
	const answered = await browser.fetch(action, { method: "POST", body: fields });
	assert.equal(answered.status, 302);
	const callback = new URL(answered.headers.get("location"));
	assert.equal(`${callback.origin}${callback.pathname}`, redirectUri);

	// The app: the code redeemed, the ID token's signature, issuer, audience and nonce checked.
	const tokens = await client.authorizationCodeGrant(config, callback, {
		pkceCodeVerifier: verifier,
		expectedState: state,
		expectedNonce: nonce,
	});
	const claims = tokens.claims();
	assert.equal(claims.preferred_username, env.ROSTER_OIDC_USER);
	assert.equal(claims.tid, env.ROSTER_TENANT_ID);
	assert.ok(tokens.refresh_token, "offline_access gives a refresh token");

	// userinfo, for the same subject.
	const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
	assert.equal(info.sub, claims.sub);
	assert.equal(info.preferred_username, env.ROSTER_OIDC_USER);

	// A refresh: new tokens, a new refresh token; the old one is then refused.
	const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
	assert.ok(refreshed.access_token);
	assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
	assert.equal(refreshed.claims().sub, claims.sub);
	await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token), (error) => {
		assert.equal(error.error, "invalid_grant");
		return true;
	});

	// Logout: back to the app, and the browser's session ended (the form again).
	const logoutUrl = client.buildEndSessionUrl(config, {
		id_token_hint: tokens.id_token,
		post_logout_redirect_uri: redirectUri,
		state: "bye",
	});
	const loggedOut = await browser.fetch(logoutUrl);
	assert.equal(loggedOut.status, 302);
	assert.equal(loggedOut.headers.get("location"), `${redirectUri}?state=bye`);
	const again = await browser.fetch(authorizationUrl);
	assert.equal(again.status, 200, "signed out: the sign-in form again");
});
