// Compatibility test: drives roster's Graph-compatible API (/v1.0) with Microsoft's
// official JavaScript client, @microsoft/microsoft-graph-client 3.x, over https.
//
// Required environment (no test is ever skipped; a missing variable fails the run):
//   ROSTER_URL            https://HOST:PORT (no /v1.0 suffix)
//   ROSTER_TOKEN          bearer token of an app holding Directory.ReadWrite.All
//   ROSTER_DOMAIN         the tenant's default verified domain
//   ROSTER_SKU_ID         skuId of a subscription with plenty of free seats
//   ROSTER_SCARCE_SKU_ID  skuId of a subscription with exactly 1 free seat
//   NODE_EXTRA_CA_CERTS   PEM file trusting roster's TLS certificate
//
// Facts about the client (read from its 3.0.7 source) that shape these tests:
// - Auth and telemetry headers are only added when the request URL starts with
//   "https://" and its host is in customHosts; over http the token is dropped.
// - Query values are not percent-encoded by the client; fetch's URL parser turns
//   ' into %27, " into %22 and spaces into %20, which the server must decode.
// - PageIterator feeds @odata.nextLink back into client.api(): an absolute https
//   link's host and first path segment (the version) replace baseUrl/defaultVersion;
//   a relative or http link gets baseUrl + "/v1.0/" prepended again (mangled).
// - Errors are parsed only when the response Content-Type is application/json and
//   the body is {"error": {...}}: GraphError.code = error.code, message =
//   error.message, requestId = error.innerError["request-id"], date =
//   new Date(error.innerError.date) (camel-case "innerError").
// - BatchRequestContent strips scheme and host from each Request url, so batch
//   urls arrive as "/v1.0/..."; per-request header names arrive lower-cased
//   ("content-type"); BatchResponseContent builds a fetch Response from each
//   item, so a 204 item must have no body.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { randomBytes, randomUUID } from "node:crypto";
import {
	BatchRequestContent,
	BatchResponseContent,
	Client,
	GraphError,
	PageIterator,
	ResponseType,
} from "@microsoft/microsoft-graph-client";

// ---------------------------------------------------------------- environment

const REQUIRED = ["ROSTER_URL", "ROSTER_TOKEN", "ROSTER_DOMAIN", "ROSTER_SKU_ID", "ROSTER_SCARCE_SKU_ID", "NODE_EXTRA_CA_CERTS"];
const missing = REQUIRED.filter((name) => !process.env[name]);
if (missing.length > 0) {
	throw new Error(
		`graph-js compatibility test: missing required environment variable(s): ${missing.join(", ")}. ` +
			`Set all of ${REQUIRED.join(", ")} (see tests/graph-js/README.md); this test never skips.`,
	);
}
if (!existsSync(process.env.NODE_EXTRA_CA_CERTS)) {
	throw new Error(`graph-js compatibility test: NODE_EXTRA_CA_CERTS=${process.env.NODE_EXTRA_CA_CERTS} does not exist`);
}
const ROSTER_URL = process.env.ROSTER_URL.replace(/\/+$/, "");
const TOKEN = process.env.ROSTER_TOKEN;
const DOMAIN = process.env.ROSTER_DOMAIN;
const SKU_ID = process.env.ROSTER_SKU_ID.toLowerCase();
const SCARCE_SKU_ID = process.env.ROSTER_SCARCE_SKU_ID.toLowerCase();
const url = new URL(ROSTER_URL);
if (url.protocol !== "https:") {
	throw new Error(`graph-js compatibility test: ROSTER_URL must be https (the client drops the token over http), got ${ROSTER_URL}`);
}
if (url.pathname !== "/" || url.search) {
	throw new Error(`graph-js compatibility test: ROSTER_URL must be scheme://host:port only, without a path, got ${ROSTER_URL}`);
}

const client = Client.initWithMiddleware({
	baseUrl: ROSTER_URL,
	defaultVersion: "v1.0",
	customHosts: new Set([url.hostname]),
	authProvider: { getAccessToken: async () => TOKEN },
});

// ---------------------------------------------------------------- helpers

const SUFFIX = randomBytes(5).toString("hex"); // unique per run
const PREFIX = `gjs${SUFFIX}`; // one alphanumeric word: a single $search token
const OTHER = `gjo${SUFFIX}`; // display-name prefix of users outside the 150, so counts stay exact
const POPULATION = 150;
const PASSWORD = () => `Gjs!${randomBytes(9).toString("base64url")}-9aZ`;

const createdIds = new Set(); // every user this run created, for cleanup

/** Sends a request through the client but returns {status, headers, body} instead of throwing. */
async function raw(request, method, content) {
	const r = request.responseType(ResponseType.RAW);
	const res = method === "get" || method === "delete" ? await r[method]() : await r[method](content);
	const text = await res.text();
	let body = text;
	if (text && (res.headers.get("content-type") || "").startsWith("application/json")) {
		body = JSON.parse(text);
	}
	return { status: res.status, headers: res.headers, body };
}

function userBody(alias, displayName, extra = {}) {
	return {
		accountEnabled: true,
		displayName,
		mailNickname: alias,
		userPrincipalName: `${alias}@${DOMAIN}`,
		passwordProfile: { forceChangePasswordNextSignIn: true, password: PASSWORD() },
		...extra,
	};
}

/** POST /users through the client; asserts 201 with an id and returns the created user. */
async function createUser(alias, displayName, extra = {}) {
	const res = await raw(client.api("/users"), "post", userBody(alias, displayName, extra));
	assert.equal(res.status, 201, `POST /users ${alias}: expected 201, got ${res.status}: ${JSON.stringify(res.body)}`);
	assert.equal(typeof res.body.id, "string", `POST /users ${alias}: no id in ${JSON.stringify(res.body)}`);
	assert.match(res.body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "user id is a GUID");
	createdIds.add(res.body.id);
	assert.equal(res.body.userPrincipalName.toLowerCase(), `${alias}@${DOMAIN}`.toLowerCase());
	assert.equal(res.body.displayName, displayName);
	return res.body;
}

/** Asserts that promise rejects with a GraphError of the given status (and code/message when given). */
async function expectGraphError(promise, { statusCode, code, message }) {
	let caught;
	try {
		await promise;
	} catch (err) {
		caught = err;
	}
	assert.ok(caught, `expected a GraphError ${statusCode}, but the request succeeded`);
	assert.ok(caught instanceof GraphError, `expected a GraphError, got ${caught && caught.stack}`);
	assert.equal(caught.statusCode, statusCode, `statusCode (body: ${caught.body})`);
	if (code !== undefined) assert.equal(caught.code, code, `error code (body: ${caught.body})`);
	if (message !== undefined) assert.equal(caught.message, message, `error message (body: ${caught.body})`);
	return caught;
}

async function inChunks(items, size, fn) {
	const results = [];
	for (let i = 0; i < items.length; i += size) {
		results.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
	}
	return results;
}

/** Pages through a collection with PageIterator until predicate(item) is true; returns the item or undefined. */
async function findInCollection(path, predicate, requestOptions) {
	let req = client.api(path);
	if (requestOptions && requestOptions.headers) req = req.headers(requestOptions.headers);
	const first = await req.get();
	let found;
	const it = new PageIterator(
		client,
		first,
		(item) => {
			if (predicate(item)) {
				found = item;
				return false; // stop iterating
			}
			return true;
		},
		requestOptions,
	);
	await it.iterate();
	return found;
}

// The population of POPULATION users shared by tests 1-3, created once.
let populationPromise;
function population() {
	if (!populationPromise) {
		const numbers = Array.from({ length: POPULATION }, (_, i) => String(i + 1).padStart(3, "0"));
		populationPromise = inChunks(numbers, 10, (n) => createUser(`${PREFIX}u${n}`, `${PREFIX} user ${n}`));
	}
	return populationPromise;
}

before(() => {
	// Fail fast with a readable message if the server is not reachable over TLS.
	return client
		.api("/users")
		.top(1)
		.select("id")
		.get()
		.catch((err) => {
			throw new Error(`cannot reach ${ROSTER_URL}/v1.0/users with the token: ${err.statusCode} ${err.code} ${err.message} ${err.body || ""}`);
		});
});

after(async () => {
	// Best effort: soft-delete, then purge from the recycle bin, every user this run created.
	await inChunks([...createdIds], 10, async (id) => {
		try {
			await client.api(`/users/${id}`).delete();
		} catch {
			/* already gone, or server down: ignore */
		}
		try {
			await client.api(`/directory/deletedItems/${id}`).delete();
		} catch {
			/* ignore */
		}
	});
});

// ---------------------------------------------------------------- tests

test("1. create 150 users concurrently, then page through them with PageIterator", { timeout: 180_000 }, async () => {
	const users = await population();
	assert.equal(users.length, POPULATION);
	assert.equal(new Set(users.map((u) => u.id)).size, POPULATION, "created ids are unique");

	const first = await client.api("/users").filter(`startsWith(displayName,'${PREFIX}')`).top(50).get();
	assert.ok(Array.isArray(first.value), "collection has a value array");
	assert.equal(first.value.length, 50, "$top=50 gives a first page of 50");
	const nextLink = first["@odata.nextLink"];
	assert.equal(typeof nextLink, "string", "first page has @odata.nextLink");
	// The client only follows (and authenticates) an absolute https link on a custom host.
	assert.ok(nextLink.startsWith(`${ROSTER_URL}/v1.0/`), `@odata.nextLink is absolute on ${ROSTER_URL}/v1.0/: ${nextLink}`);

	const seen = [];
	const it = new PageIterator(client, first, (user) => {
		seen.push(user);
		return true;
	});
	await it.iterate();
	assert.ok(it.isComplete(), "PageIterator reached the last page");
	assert.equal(seen.length, POPULATION, "PageIterator visits every matching user");
	const ids = new Set(seen.map((u) => u.id));
	assert.equal(ids.size, POPULATION, "no user appears twice across pages");
	for (const u of users) assert.ok(ids.has(u.id), `created user ${u.id} is listed`);
	for (const u of seen) assert.ok(u.displayName.startsWith(PREFIX), `listed ${u.displayName} matches the filter`);
});

test("2. PATCH department, then $filter=department eq … with $select", { timeout: 120_000 }, async () => {
	const users = await population();
	const dept = `Dept${SUFFIX}`;
	const chosen = users.filter((_, i) => i % 20 === 0); // 8 users
	await inChunks(chosen, 10, async (u) => {
		const res = await raw(client.api(`/users/${u.id}`), "patch", { department: dept });
		assert.equal(res.status, 204, `PATCH /users/${u.id}: expected 204, got ${res.status} ${JSON.stringify(res.body)}`);
	});
	// update() is the client's PATCH; a 204 resolves to undefined.
	assert.equal(await client.api(`/users/${chosen[0].id}`).update({ department: dept }), undefined);

	const page = await client.api("/users").filter(`department eq '${dept}'`).select(["displayName", "department"]).get();
	assert.ok(!page["@odata.nextLink"], "8 users fit in one default page");
	assert.equal(page.value.length, chosen.length, "filter returns exactly the users given the department");
	assert.deepEqual(new Set(page.value.map((u) => u.id)), new Set(chosen.map((u) => u.id)), "the right users");
	const allowed = new Set(["id", "displayName", "department"]);
	for (const u of page.value) {
		const extra = Object.keys(u).filter((k) => !allowed.has(k) && !k.startsWith("@odata."));
		assert.deepEqual(extra, [], `$select=displayName,department returned extra properties: ${JSON.stringify(u)}`);
		assert.equal(u.department, dept);
		assert.ok(u.displayName.startsWith(PREFIX));
	}

	// A user not given the department is not returned by the filter, and $select on a single user works too.
	const one = await client.api(`/users/${users[1].id}`).select("department,usageLocation").get();
	assert.equal(one.department ?? null, null, "untouched user has no department");
	assert.ok("usageLocation" in one, "$select on a single user returns the selected property, even when null");
	assert.ok(!("displayName" in one), "$select on a single user omits unselected properties");
});

test("3. $count=true with ConsistencyLevel: eventual and $search=\"displayName:…\"", { timeout: 120_000 }, async () => {
	await population();
	const res = await client
		.api("/users")
		.header("ConsistencyLevel", "eventual")
		.search(`"displayName:${PREFIX}"`)
		.count(true)
		.top(50)
		.get();
	assert.equal(res["@odata.count"], POPULATION, `@odata.count is ${POPULATION}`);
	assert.equal(res.value.length, 50);
	for (const u of res.value) assert.ok(u.displayName.startsWith(PREFIX), `${u.displayName} matches the search`);

	// Page through the search with the header carried by PageIterator's requestOptions.
	let n = 0;
	const it = new PageIterator(
		client,
		res,
		() => {
			n++;
			return true;
		},
		{ headers: { ConsistencyLevel: "eventual" } },
	);
	await it.iterate();
	assert.equal(n, POPULATION, "paging a $search visits every match");

	// $count together with $filter.
	const counted = await client
		.api("/users")
		.header("ConsistencyLevel", "eventual")
		.filter(`startsWith(displayName,'${PREFIX}')`)
		.count(true)
		.top(1)
		.get();
	assert.equal(counted["@odata.count"], POPULATION, "@odata.count with $filter counts all matches, not the page");
});

test("4. manager $ref, manager and directReports", { timeout: 60_000 }, async () => {
	const manager = await createUser(`${PREFIX}mgr`, `${OTHER} manager`);
	const report = await createUser(`${PREFIX}rep`, `${OTHER} report`);

	const put = await raw(client.api(`/users/${report.id}/manager/$ref`), "put", {
		"@odata.id": `${ROSTER_URL}/v1.0/users/${manager.id}`,
	});
	assert.equal(put.status, 204, `PUT manager/$ref: expected 204, got ${put.status} ${JSON.stringify(put.body)}`);

	const got = await client.api(`/users/${report.id}/manager`).get();
	assert.equal(got.id, manager.id, "GET manager returns the manager");
	assert.equal(got.displayName, manager.displayName);
	assert.equal(got["@odata.type"], "#microsoft.graph.user", "manager is a directoryObject typed as user");

	const reports = await client.api(`/users/${manager.id}/directReports`).get();
	assert.ok(Array.isArray(reports.value));
	const item = reports.value.find((o) => o.id === report.id);
	assert.ok(item, `directReports of the manager contains the report: ${JSON.stringify(reports.value)}`);
	assert.equal(item["@odata.type"], "#microsoft.graph.user", "directReports items carry @odata.type");
	assert.equal(reports.value.length, 1, "exactly one direct report");

	// Removing the manager: DELETE manager/$ref → 204, then GET manager → 404.
	const del = await raw(client.api(`/users/${report.id}/manager/$ref`), "delete");
	assert.equal(del.status, 204, `DELETE manager/$ref: expected 204, got ${del.status}`);
	await expectGraphError(client.api(`/users/${report.id}/manager`).get(), { statusCode: 404, code: "Request_ResourceNotFound" });
	const afterRemoval = await client.api(`/users/${manager.id}/directReports`).get();
	assert.equal(afterRemoval.value.length, 0, "no direct reports left");
});

test("5. assignLicense: usage location rule, success, licenseDetails, out of seats", { timeout: 60_000 }, async () => {
	const user = await createUser(`${PREFIX}lic`, `${OTHER} licensed`);
	const add = (skuId) => ({ addLicenses: [{ skuId, disabledPlans: [] }], removeLicenses: [] });
	const remove = (skuId) => ({ addLicenses: [], removeLicenses: [skuId] });
	const skus = (u) => (u.assignedLicenses || []).map((l) => String(l.skuId).toLowerCase());

	// Without a usage location: 400 Request_BadRequest with Graph's exact message, nothing assigned.
	const fresh = await client.api(`/users/${user.id}`).select("usageLocation,assignedLicenses").get();
	assert.equal(fresh.usageLocation ?? null, null, "a new user has no usageLocation");
	await expectGraphError(client.api(`/users/${user.id}/assignLicense`).post(add(SKU_ID)), {
		statusCode: 400,
		code: "Request_BadRequest",
		message: "License assignment cannot be done for user with invalid usage location.",
	});
	const unchanged = await client.api(`/users/${user.id}`).select("assignedLicenses").get();
	assert.deepEqual(skus(unchanged), [], "a refused assignment changes nothing");

	// With usage location NL: 200 with the user, whose assignedLicenses has the SKU.
	const patch = await raw(client.api(`/users/${user.id}`), "patch", { usageLocation: "NL" });
	assert.equal(patch.status, 204);
	try {
		const ok = await raw(client.api(`/users/${user.id}/assignLicense`), "post", add(SKU_ID));
		assert.equal(ok.status, 200, `assignLicense: expected 200, got ${ok.status} ${JSON.stringify(ok.body)}`);
		assert.equal(ok.body.id, user.id, "assignLicense returns the user");
		assert.ok(skus(ok.body).includes(SKU_ID), `assignedLicenses has ${SKU_ID}: ${JSON.stringify(ok.body.assignedLicenses)}`);

		const details = await client.api(`/users/${user.id}/licenseDetails`).get();
		const d = details.value.find((x) => String(x.skuId).toLowerCase() === SKU_ID);
		assert.ok(d, `licenseDetails lists ${SKU_ID}: ${JSON.stringify(details.value)}`);
		assert.equal(typeof d.skuPartNumber, "string");
		assert.ok(Array.isArray(d.servicePlans) && d.servicePlans.length > 0, "licenseDetails has servicePlans");
		for (const p of d.servicePlans) {
			assert.equal(typeof p.servicePlanId, "string", `servicePlanId in ${JSON.stringify(p)}`);
			assert.equal(typeof p.servicePlanName, "string", `servicePlanName in ${JSON.stringify(p)}`);
		}
	} finally {
		await client.api(`/users/${user.id}/assignLicense`).post(remove(SKU_ID)).catch(() => {});
	}

	// Out of seats: the scarce SKU has exactly one free seat.
	const a = await createUser(`${PREFIX}seata`, `${OTHER} seat a`, { usageLocation: "NL" });
	const b = await createUser(`${PREFIX}seatb`, `${OTHER} seat b`, { usageLocation: "NL" });
	let aHolds = false;
	try {
		const first = await raw(client.api(`/users/${a.id}/assignLicense`), "post", add(SCARCE_SKU_ID));
		assert.equal(first.status, 200, `last free seat to A: expected 200, got ${first.status} ${JSON.stringify(first.body)}`);
		aHolds = true;
		assert.ok(skus(first.body).includes(SCARCE_SKU_ID));

		await expectGraphError(client.api(`/users/${b.id}/assignLicense`).post(add(SCARCE_SKU_ID)), {
			statusCode: 400,
			code: "Request_BadRequest",
		});
		const bNow = await client.api(`/users/${b.id}`).select("assignedLicenses").get();
		assert.deepEqual(skus(bNow), [], "B got nothing when the seats ran out");
	} finally {
		if (aHolds) {
			const removed = await client.api(`/users/${a.id}/assignLicense`).post(remove(SCARCE_SKU_ID));
			assert.ok(!skus(removed).includes(SCARCE_SKU_ID), "A's scarce license is removed again");
		}
	}
});

test("6. delete, deletedItems, restore", { timeout: 60_000 }, async () => {
	const user = await createUser(`${PREFIX}del`, `${OTHER} deleted`, { jobTitle: "Temp" });

	const del = await raw(client.api(`/users/${user.id}`), "delete");
	assert.equal(del.status, 204, `DELETE /users/{id}: expected 204, got ${del.status}`);
	await expectGraphError(client.api(`/users/${user.id}`).get(), { statusCode: 404, code: "Request_ResourceNotFound" });

	for (const cast of ["microsoft.graph.user", "graph.user"]) {
		const found = await findInCollection(`/directory/deletedItems/${cast}`, (o) => o.id === user.id);
		assert.ok(found, `/directory/deletedItems/${cast} lists the deleted user`);
		assert.equal(found.userPrincipalName?.toLowerCase().endsWith(`@${DOMAIN}`.toLowerCase()) ?? false, true);
		assert.ok(!Number.isNaN(Date.parse(found.deletedDateTime)), `deletedDateTime is a date: ${found.deletedDateTime}`);
	}
	const single = await client.api(`/directory/deletedItems/${user.id}`).get();
	assert.equal(single.id, user.id, "GET /directory/deletedItems/{id}");

	// restore takes no body: the client sends Content-Type: application/json with an empty body.
	const restored = await raw(client.api(`/directory/deletedItems/${user.id}/restore`), "post");
	assert.equal(restored.status, 200, `restore: expected 200, got ${restored.status} ${JSON.stringify(restored.body)}`);
	assert.equal(restored.body.id, user.id, "restore returns the user");

	const back = await client.api(`/users/${user.id}`).get();
	assert.equal(back.id, user.id);
	assert.equal(back.displayName, user.displayName, "restored with its properties");
	assert.equal(back.jobTitle, "Temp", "restored with its properties");
	const gone = await findInCollection("/directory/deletedItems/microsoft.graph.user", (o) => o.id === user.id);
	assert.equal(gone, undefined, "a restored user is no longer in deletedItems");
});

test("7a. $batch with BatchRequestContent: dependsOn, per-response status", { timeout: 60_000 }, async () => {
	const user = await createUser(`${PREFIX}bat`, `${OTHER} batch`);
	const title = `Title${SUFFIX}`;
	const batch = new BatchRequestContent([
		{
			id: "1",
			request: new Request(`${ROSTER_URL}/v1.0/users/${user.id}`, {
				method: "PATCH",
				headers: { "Content-Type": "application/json" },
				body: JSON.stringify({ jobTitle: title }),
			}),
		},
		{ id: "2", dependsOn: ["1"], request: new Request(`${ROSTER_URL}/v1.0/users/${user.id}?$select=id,jobTitle`, { method: "GET" }) },
		{ id: "3", dependsOn: ["1"], request: new Request(`${ROSTER_URL}/v1.0/users/${randomUUID()}`, { method: "GET" }) },
	]);
	const content = await batch.getContent();
	// What the client puts on the wire: urls with the /v1.0 prefix, dependsOn arrays.
	assert.equal(content.requests[0].url, `/v1.0/users/${user.id}`);
	assert.deepEqual(content.requests[1].dependsOn, ["1"]);

	const response = new BatchResponseContent(await client.api("/$batch").post(content));
	const r1 = response.getResponseById("1");
	const r2 = response.getResponseById("2");
	const r3 = response.getResponseById("3");
	assert.ok(r1 && r2 && r3, "a response for each request id");
	assert.equal(r1.status, 204, "PATCH inside the batch: 204");
	assert.equal(r2.status, 200, "GET inside the batch: 200");
	const body2 = await r2.json();
	assert.equal(body2.jobTitle, title, "the dependent GET ran after the PATCH");
	assert.equal(r3.status, 404, "GET of an unknown user inside the batch: 404");
	const body3 = await r3.json();
	assert.equal(body3.error?.code, "Request_ResourceNotFound");
	assert.equal(response.getResponses().size, 3);
});

test("7b. $batch posted as JSON: urls without /v1.0, one dependsOn", { timeout: 60_000 }, async () => {
	const alias = `${PREFIX}bjs`;
	const upn = `${alias}@${DOMAIN}`;
	const other = await createUser(`${PREFIX}bot`, `${OTHER} batch other`);
	const res = await client.api("/$batch").post({
		requests: [
			{
				id: "create",
				method: "POST",
				url: "/users",
				headers: { "Content-Type": "application/json" },
				body: userBody(alias, `${OTHER} batch created`),
			},
			{ id: "read", method: "GET", url: `/users/${upn}?$select=id,displayName,userPrincipalName`, dependsOn: ["create"] },
			{ id: "other", method: "GET", url: `/users/${other.id}?$select=id` },
		],
	});
	assert.ok(Array.isArray(res.responses), "batch response has a responses array");
	const byId = new Map(res.responses.map((r) => [r.id, r]));
	assert.equal(byId.size, 3);
	const created = byId.get("create");
	assert.equal(created.status, 201, `create in batch: ${JSON.stringify(created)}`);
	assert.equal(typeof created.body?.id, "string");
	createdIds.add(created.body.id);
	const read = byId.get("read");
	assert.equal(read.status, 200, `dependent read in batch: ${JSON.stringify(read)}`);
	assert.equal(read.body.id, created.body.id, "the dependent request saw the created user");
	assert.equal(read.body.userPrincipalName.toLowerCase(), upn.toLowerCase());
	assert.equal(byId.get("other").status, 200);
	assert.equal(byId.get("other").body.id, other.id);
});

test("8. error body shape: GraphError fields", { timeout: 30_000 }, async () => {
	const started = Date.now();
	const err = await expectGraphError(client.api(`/users/${randomUUID()}`).get(), { statusCode: 404, code: "Request_ResourceNotFound" });
	assert.ok(err.message.length > 0, "error has a message");
	assert.equal(typeof err.requestId, "string", `requestId comes from innerError["request-id"]: ${err.body}`);
	assert.ok(err.requestId.length > 0);
	assert.ok(err.date instanceof Date && !Number.isNaN(err.date.getTime()), `date comes from innerError.date: ${err.body}`);
	// innerError.date may be UTC without a zone, as Graph sends it: allow a day of skew.
	assert.ok(Math.abs(err.date.getTime() - started) < 86_400_000, `innerError.date is now-ish: ${err.date.toISOString()}`);
	const body = JSON.parse(err.body);
	assert.equal(body.code, "Request_ResourceNotFound");
	assert.equal(typeof body.innerError, "object", "innerError (camel case) is present");

	// A bad token: 401 InvalidAuthenticationToken, parsed the same way.
	const badClient = Client.initWithMiddleware({
		baseUrl: ROSTER_URL,
		defaultVersion: "v1.0",
		customHosts: new Set([url.hostname]),
		authProvider: { getAccessToken: async () => `not-a-token-${SUFFIX}` },
	});
	await expectGraphError(badClient.api("/users").top(1).get(), { statusCode: 401, code: "InvalidAuthenticationToken" });
});
