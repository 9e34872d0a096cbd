//! Who may sign in to an application, and what its ID token says of them: service principals at
//! Graph's `/v1.0/servicePrincipals` (assignment required, enabled), users and groups assigned
//! with the application's roles (`appRoleAssignedTo`, `appRoleAssignments`), AADSTS50105 for a
//! user not assigned (on the sign-in page and at renewal), AADSTS7000112 for a disabled
//! application, and the `roles` and `groups` claims.

use reqwest::StatusCode;
use roster_testkit::{DOMAIN, TestApp, spawn_app};
use serde_json::{Value as Json, json};

use super::authorize::{
    VERIFIER, authorize_path, challenge, claims_of, described, param, redeem, registered, sent_to,
    sign_in_through, token, usual,
};
use super::center::{Browser, PASSWORD, user_with_role};

const ADMIN_ROLE: &str = "2c3e3f5a-5b6e-4e8f-9a1b-0c2d3e4f5a6b";
const OLD_ROLE: &str = "7d1e0f3c-3a2b-4c5d-8e9f-0a1b2c3d4e5f";

async fn group(app: &TestApp, name: &str, members: &[&str]) -> String {
    let created = app
        .post(
            "/v1.0/groups",
            json!({ "displayName": name, "mailNickname": name.to_lowercase().replace(' ', "-"),
                    "mailEnabled": false, "securityEnabled": true }),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_string();
    for member in members {
        let reply = app
            .post(
                &format!("/v1.0/groups/{id}/members/$ref"),
                json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{member}") }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
    }
    id
}

/// Signs `alias` in to the app through its sign-in page: the page's answer.
async fn sign_in(app: &TestApp, client_id: &str, alias: &str) -> super::center::Page {
    let challenge = challenge(VERIFIER);
    let path = authorize_path(app, &usual(client_id, &challenge));
    let mut browser = Browser::new(app);
    let page = browser.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let form_path = format!("/{}/oauth2/v2.0/authorize", app.tenant_id);
    sign_in_through(
        &mut browser,
        &page,
        &form_path,
        &format!("{alias}@{DOMAIN}"),
        PASSWORD,
    )
    .await
}

/// The tokens a signed-in user's code gives the app.
async fn tokens(app: &TestApp, client_id: &str, secret: &str, alias: &str) -> Json {
    let answered = sign_in(app, client_id, alias).await;
    assert_eq!(answered.status, StatusCode::FOUND, "{}", answered.body);
    let code = param(&sent_to(&answered).1, "code").unwrap().to_string();
    let (status, tokens) = redeem(app, client_id, secret, &code).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    tokens
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_assigned_users_sign_in_and_their_id_tokens_name_their_roles_and_groups() {
    let app = spawn_app().await;
    let (client_id, secret) = registered(&app).await;
    let listed = app.get("/v1.0/applications").await;
    let application_id = listed.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["appId"] == client_id.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Roles for users, and security groups in the ID token.
    let roles = json!([
        { "id": ADMIN_ROLE, "displayName": "Payroll administrator", "value": "Payroll.Admin",
          "description": "Runs the payroll", "allowedMemberTypes": ["User"], "isEnabled": true },
        { "id": OLD_ROLE, "displayName": "Old role", "value": "Payroll.Old", "isEnabled": true },
    ]);
    let patched = app
        .patch(
            &format!("/v1.0/applications/{application_id}"),
            json!({ "appRoles": roles, "groupMembershipClaims": "SecurityGroup" }),
        )
        .await;
    assert_eq!(patched.status, StatusCode::NO_CONTENT, "{:?}", patched.body);
    // An enabled role is not removed unseen; a value twice is refused.
    let removed = app
        .patch(
            &format!("/v1.0/applications/{application_id}"),
            json!({ "appRoles": [roles[0]] }),
        )
        .await;
    assert_eq!(
        removed.status,
        StatusCode::BAD_REQUEST,
        "{:?}",
        removed.body
    );
    let twice = app
        .patch(
            &format!("/v1.0/applications/{application_id}"),
            json!({ "appRoles": [roles[0], { "id": OLD_ROLE, "displayName": "x", "value": "payroll.admin" }] }),
        )
        .await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST, "{:?}", twice.body);
    let mut old = roles[1].clone();
    old["isEnabled"] = false.into();
    let disabled = app
        .patch(
            &format!("/v1.0/applications/{application_id}"),
            json!({ "appRoles": [roles[0], old] }),
        )
        .await;
    assert_eq!(disabled.status, StatusCode::NO_CONTENT);
    let gone = app
        .patch(
            &format!("/v1.0/applications/{application_id}"),
            json!({ "appRoles": [roles[0]] }),
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{:?}", gone.body);

    // Its service principal, found by appId as clients find it; assignment required.
    let found = app
        .get(&format!(
            "/v1.0/servicePrincipals?$filter=appId eq '{client_id}'"
        ))
        .await;
    assert_eq!(found.status, StatusCode::OK, "{:?}", found.body);
    let principal = found.body["value"][0].clone();
    assert_eq!(principal["appId"], client_id.as_str());
    assert_eq!(principal["appRoleAssignmentRequired"], false);
    assert_eq!(principal["appRoles"][0]["value"], "Payroll.Admin");
    let sp = principal["id"].as_str().unwrap().to_string();
    assert_ne!(sp, application_id);
    let required = app
        .patch(
            &format!("/v1.0/servicePrincipals/{sp}"),
            json!({ "appRoleAssignmentRequired": true }),
        )
        .await;
    assert_eq!(
        required.status,
        StatusCode::NO_CONTENT,
        "{:?}",
        required.body
    );

    // Ann assigned directly with a role; Bob through a group, with default access; Cid not.
    let ann = user_with_role(&app, "ann", None).await;
    let bob = user_with_role(&app, "bob", None).await;
    user_with_role(&app, "cid", None).await;
    let finance = group(&app, "Finance", &[&ann]).await;
    // Finance is in Staff: Ann's groups claim names both.
    let staff = group(&app, "Staff", &[&finance]).await;
    let payroll_users = group(&app, "Payroll users", &[&bob]).await;
    let assigned = app
        .post(
            &format!("/v1.0/servicePrincipals/{sp}/appRoleAssignedTo"),
            json!({ "principalId": ann, "resourceId": sp, "appRoleId": ADMIN_ROLE }),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::CREATED, "{:?}", assigned.body);
    assert_eq!(assigned.body["principalType"], "User");
    assert_eq!(assigned.body["resourceId"], sp.as_str());
    let ann_assignment = assigned.body["id"].as_str().unwrap().to_string();
    let through_group = app
        .post(
            &format!("/v1.0/groups/{payroll_users}/appRoleAssignments"),
            json!({ "principalId": payroll_users, "resourceId": sp,
                    "appRoleId": "00000000-0000-0000-0000-000000000000" }),
        )
        .await;
    assert_eq!(
        through_group.status,
        StatusCode::CREATED,
        "{:?}",
        through_group.body
    );
    // The same again, a disabled or unknown role: refused.
    let again = app
        .post(
            &format!("/v1.0/servicePrincipals/{sp}/appRoleAssignedTo"),
            json!({ "principalId": ann, "resourceId": sp, "appRoleId": ADMIN_ROLE }),
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    let unknown = app
        .post(
            &format!("/v1.0/servicePrincipals/{sp}/appRoleAssignedTo"),
            json!({ "principalId": bob, "resourceId": sp, "appRoleId": OLD_ROLE }),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let listed = app
        .get(&format!("/v1.0/servicePrincipals/{sp}/appRoleAssignedTo"))
        .await;
    let names: Vec<&str> = listed.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["principalDisplayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["ann", "Payroll users"]);
    let of_ann = app
        .get(&format!("/v1.0/users/{ann}/appRoleAssignments"))
        .await;
    assert_eq!(of_ann.body["value"][0]["resourceDisplayName"], "Expenses");

    // Ann's ID token names her role and her security groups; Bob's his group, no role.
    let ann_tokens = tokens(&app, &client_id, &secret, "ann").await;
    let id_token = claims_of(ann_tokens["id_token"].as_str().unwrap());
    assert_eq!(id_token["roles"], json!(["Payroll.Admin"]));
    let mut groups = vec![finance.clone(), staff.clone()];
    groups.sort();
    assert_eq!(id_token["groups"], json!(groups));
    let bob_tokens = tokens(&app, &client_id, &secret, "bob").await;
    let id_token = claims_of(bob_tokens["id_token"].as_str().unwrap());
    assert!(id_token.get("roles").is_none(), "{id_token}");
    assert_eq!(id_token["groups"], json!([payroll_users]));

    // Cid is refused on roster's page, with Entra's code, and nothing goes to the app.
    let refused = sign_in(&app, &client_id, "cid").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("AADSTS50105"), "{}", refused.body);
    assert!(refused.headers.get("location").is_none());
    let log = app
        .get("/v1.0/auditLogs/signIns?$filter=status/errorCode eq 50105")
        .await;
    assert_eq!(
        log.body["value"][0]["userPrincipalName"],
        format!("cid@{DOMAIN}")
    );

    // Ann's assignment taken: her renewal is refused.
    let removed = app
        .delete(&format!(
            "/v1.0/servicePrincipals/{sp}/appRoleAssignedTo/{ann_assignment}"
        ))
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let (status, renewal) = token(
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &client_id),
            ("client_secret", &secret),
            (
                "refresh_token",
                ann_tokens["refresh_token"].as_str().unwrap(),
            ),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(described(&renewal).starts_with("AADSTS50105"), "{renewal}");

    // Disabled: no one signs in, and the app gets no token of its own.
    let off = app
        .patch(
            &format!("/v1.0/servicePrincipals/{sp}"),
            json!({ "accountEnabled": false }),
        )
        .await;
    assert_eq!(off.status, StatusCode::NO_CONTENT);
    let challenge = challenge(VERIFIER);
    let page = Browser::new(&app)
        .get(&authorize_path(&app, &usual(&client_id, &challenge)))
        .await;
    assert!(page.body.contains("AADSTS7000112"), "{}", page.body);
    let (status, own) = token(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", &secret),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{own}");

    // Every change is in the audit log.
    let audit = app
        .get("/roster/v1/auditLogs?top=20")
        .await
        .body
        .to_string();
    for activity in [
        "Update service principal",
        "Add app role assignment grant to user",
        "Add app role assignment to group",
        "Remove app role assignment from user",
    ] {
        assert!(audit.contains(activity), "{activity}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_global_administrator_assigns_and_a_reader_reads() {
    let app = spawn_app().await;
    let (client_id, _) = registered(&app).await;
    let sp = app
        .get(&format!(
            "/v1.0/servicePrincipals?$filter=appId eq '{client_id}'"
        ))
        .await
        .body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ann = user_with_role(&app, "ann", None).await;
    for (alias, role, reads) in [
        ("ua", "User Administrator", false),
        ("gr", "Global Reader", true),
    ] {
        user_with_role(&app, alias, Some(role)).await;
        let (_, granted) = token(
            &app,
            &[
                ("grant_type", "password"),
                ("client_id", "5b9c74be-219b-42ae-aefa-9b04e39786af"),
                ("username", &format!("{alias}@{DOMAIN}")),
                ("password", PASSWORD),
            ],
        )
        .await;
        let bearer = granted["access_token"].as_str().unwrap();
        let read = app
            .call(
                bearer,
                reqwest::Method::GET,
                &format!("/v1.0/servicePrincipals/{sp}/appRoleAssignedTo"),
                None,
            )
            .await;
        assert_eq!(read.status == StatusCode::OK, reads, "{role}");
        let assign = app
            .call(
                bearer,
                reqwest::Method::POST,
                &format!("/v1.0/servicePrincipals/{sp}/appRoleAssignedTo"),
                Some(json!({ "principalId": ann, "resourceId": sp,
                              "appRoleId": "00000000-0000-0000-0000-000000000000" })),
            )
            .await;
        assert_eq!(assign.status, StatusCode::FORBIDDEN, "{role}");
        let flip = app
            .call(
                bearer,
                reqwest::Method::PATCH,
                &format!("/v1.0/servicePrincipals/{sp}"),
                Some(json!({ "accountEnabled": false })),
            )
            .await;
        assert_eq!(flip.status, StatusCode::FORBIDDEN, "{role}");
    }
    let unknown = app
        .get("/v1.0/servicePrincipals/00000000-0000-0000-0000-000000000001")
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let filtered = app
        .get("/v1.0/servicePrincipals?$filter=displayName eq 'x'")
        .await;
    assert_eq!(filtered.status, StatusCode::BAD_REQUEST);
}
