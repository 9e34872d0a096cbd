// A small relying party of the test suite's own, built on panva's openid-client (certified by
// the OpenID Foundation): a web app that signs its users in through roster as an Entra app does
// through Entra ID. Started by crates/roster-server/tests/api/relying_party.rs, which drives a
// headless Chromium through it.
//
//   GET /          "Sign in" when signed out; the user's name and username when signed in
//   GET /login     to roster's authorize endpoint (code, PKCE, state, nonce)
//   GET /callback  the code redeemed, the ID token checked, the user kept in this app's session
//   GET /logout    the app's session ended, then roster's end-session endpoint
//
// Environment: ROSTER_URL, ROSTER_TENANT_ID, RP_CLIENT_ID, RP_CLIENT_SECRET, RP_PORT,
// NODE_EXTRA_CA_CERTS (roster's certificate). It prints "listening" once it answers.

import http from "node:http";
import crypto from "node:crypto";
import * as client from "openid-client";

const env = process.env;
for (const name of ["ROSTER_URL", "ROSTER_TENANT_ID", "RP_CLIENT_ID", "RP_CLIENT_SECRET", "RP_PORT"]) {
	if (!env[name]) throw new Error(`the relying party needs ${name}`);
}
const base = `http://127.0.0.1:${env.RP_PORT}`;
const config = await client.discovery(new URL(`${env.ROSTER_URL}/${env.ROSTER_TENANT_ID}/v2.0`), env.RP_CLIENT_ID, {
	client_secret: env.RP_CLIENT_SECRET,
	id_token_signed_response_alg: "ES256",
});

/// This app's sessions, by cookie: the sign-in under way, then who signed in.
const sessions = new Map();

function session(request, response) {
	const cookie = (request.headers.cookie ?? "").split(/; */).find((c) => c.startsWith("rp="));
	let id = cookie?.slice(3);
	if (!id || !sessions.has(id)) {
		id = crypto.randomBytes(16).toString("hex");
		sessions.set(id, {});
		response.setHeader("set-cookie", `rp=${id}; HttpOnly; SameSite=Lax; Path=/`);
	}
	return sessions.get(id);
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(response, title, body) {
	response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
	response.end(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:sans-serif;margin:3rem;max-width:40rem}a.button{display:inline-block;padding:.5rem 1rem;background:#2b5797;color:#fff;text-decoration:none;border-radius:4px}</style>
</head><body><main><h1>Contoso Wiki</h1>${body}</main></body></html>`);
}

function redirect(response, to) {
	response.writeHead(302, { location: to });
	response.end();
}

const server = http.createServer(async (request, response) => {
	try {
		const url = new URL(request.url, base);
		const state = session(request, response);
		if (url.pathname === "/") {
			if (state.claims) {
				page(response, "Contoso Wiki", `<p id="who">Signed in as <strong>${escape(state.claims.name)}</strong> (${escape(state.claims.preferred_username)})</p><p><a class="button" id="logout" href="/logout">Sign out</a></p>`);
			} else {
				page(response, "Contoso Wiki", `<p id="signed-out">You are not signed in.</p><p><a class="button" id="login" href="/login">Sign in</a></p>`);
			}
		} else if (url.pathname === "/login") {
			state.verifier = client.randomPKCECodeVerifier();
			state.state = client.randomState();
			state.nonce = client.randomNonce();
			redirect(response, client.buildAuthorizationUrl(config, {
				redirect_uri: `${base}/callback`,
				scope: "openid profile email",
				code_challenge: await client.calculatePKCECodeChallenge(state.verifier),
				code_challenge_method: "S256",
				state: state.state,
				nonce: state.nonce,
			}).href);
		} else if (url.pathname === "/callback") {
			const tokens = await client.authorizationCodeGrant(config, url, {
				pkceCodeVerifier: state.verifier,
				expectedState: state.state,
				expectedNonce: state.nonce,
			});
			state.claims = tokens.claims();
			state.idToken = tokens.id_token;
			redirect(response, "/");
		} else if (url.pathname === "/logout") {
			const hint = state.idToken;
			delete state.claims;
			delete state.idToken;
			redirect(response, client.buildEndSessionUrl(config, { id_token_hint: hint, post_logout_redirect_uri: `${base}/` }).href);
		} else {
			response.writeHead(404).end();
		}
	} catch (error) {
		response.writeHead(500, { "content-type": "text/plain" });
		response.end(`the relying party failed: ${error.message}`);
	}
});
server.listen(Number(env.RP_PORT), "127.0.0.1", () => console.log("listening"));
