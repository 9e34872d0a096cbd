//! What the calls take and answer, named as Graph and roster's API name them. A property a
//! call did not select is `None`; one this crate does not name is kept in `other`, so that an
//! answer printed or passed on loses nothing.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A page of a collection: its items, and the link to the next page if there is one.
#[derive(Debug, Clone, Deserialize)]
pub struct Page<T> {
    pub value: Vec<T>,
    #[serde(rename = "@odata.nextLink")]
    pub next_link: Option<String>,
}

/// A user, with the properties it was read with. Its `Debug` leaves out a password the answer
/// held (a created user's generated one).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "Value")]
pub struct User {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_location: Option<String>,
    /// Every other property the answer held, by its Graph name.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown = self.to_json();
        if let Some(profile) = shown
            .get_mut("passwordProfile")
            .and_then(Value::as_object_mut)
            && profile.contains_key("password")
        {
            profile.insert("password".into(), "<redacted>".into());
        }
        write!(f, "User({shown})")
    }
}

impl From<Value> for User {
    fn from(value: Value) -> User {
        User::from_json(value)
    }
}

impl User {
    /// A user from an answer, whatever shape its properties have: one this crate names but that
    /// comes in another type stays in `other`, so that an answer that can only be had once (a
    /// created user's generated password) is never lost to a decoding error.
    pub fn from_json(value: Value) -> User {
        let Value::Object(object) = value else {
            return User::default();
        };
        let mut user = User::default();
        for (name, value) in object {
            match (name.as_str(), value) {
                ("id", Value::String(v)) => user.id = Some(v),
                ("userPrincipalName", Value::String(v)) => user.user_principal_name = Some(v),
                ("displayName", Value::String(v)) => user.display_name = Some(v),
                ("accountEnabled", Value::Bool(v)) => user.account_enabled = Some(v),
                ("department", Value::String(v)) => user.department = Some(v),
                ("jobTitle", Value::String(v)) => user.job_title = Some(v),
                ("usageLocation", Value::String(v)) => user.usage_location = Some(v),
                (_, value) => {
                    user.other.insert(name, value);
                }
            }
        }
        user
    }

    /// The user as Graph's JSON (what a caller prints or sends on).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// A property by its Graph name, `null` when the answer did not hold it.
    pub fn property(&self, name: &str) -> Value {
        let named = match name {
            "id" => self.id.clone().map(Value::String),
            "userPrincipalName" => self.user_principal_name.clone().map(Value::String),
            "displayName" => self.display_name.clone().map(Value::String),
            "accountEnabled" => self.account_enabled.map(Value::Bool),
            "department" => self.department.clone().map(Value::String),
            "jobTitle" => self.job_title.clone().map(Value::String),
            "usageLocation" => self.usage_location.clone().map(Value::String),
            _ => None,
        };
        // A named property of another type was kept in `other` (`from_json`).
        named.unwrap_or_else(|| self.other.get(name).cloned().unwrap_or(Value::Null))
    }
}

/// A subscription as `/v1.0/subscribedSkus` shows it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscribedSku {
    pub sku_id: String,
    pub sku_part_number: String,
    pub capability_status: String,
    pub consumed_units: i64,
    pub prepaid_units: PrepaidUnits,
    /// Its service plans and the rest, by Graph's names.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl SubscribedSku {
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrepaidUnits {
    pub enabled: i64,
    pub suspended: i64,
    pub warning: i64,
}

/// A domain of the tenant.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Domain {
    pub id: String,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub is_verified: bool,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Domain {
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// A bulk job: what it does, and how far it is.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    pub id: String,
    pub kind: String,
    /// `queued`, `running` or `completed`.
    pub status: String,
    pub total_rows: u64,
    pub processed_rows: u64,
    pub failed_rows: u64,
    pub created_by: Option<String>,
    pub created_date_time: String,
    pub finished_date_time: Option<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Job {
    pub fn is_completed(&self) -> bool {
        self.status == "completed"
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// A page of a job's rows with their outcomes, and the job as it stood.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobResults {
    pub job: Job,
    pub value: Vec<JobRow>,
    /// The row number to ask `after` for the next page, if there may be one.
    pub next_after: Option<i64>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One row of a job and its outcome. Its `Debug` leaves out the generated password. Read by
/// the hundred thousand, it keeps only the properties it names, without `flatten`'s cost.
#[derive(Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobRow {
    pub row: i64,
    /// `pending`, `succeeded`, `unchanged` or `failed`.
    pub status: String,
    pub object_id: Option<String>,
    /// The row's user as the row names it (a job's rows are what its submitter sent).
    pub user_principal_name: Option<Value>,
    pub error_column: Option<String>,
    pub error_message: Option<String>,
    /// Shown to the job's submitter only, until they say they have kept it.
    pub generated_password: Option<String>,
}

impl std::fmt::Debug for JobRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobRow")
            .field("row", &self.row)
            .field("status", &self.status)
            .field("object_id", &self.object_id)
            .field("user_principal_name", &self.user_principal_name)
            .field("error_column", &self.error_column)
            .field("error_message", &self.error_message)
            .field(
                "generated_password",
                &self.generated_password.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl JobRow {
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answers_of_unexpected_shapes_are_kept_not_refused() {
        // A row names its user as its submitter wrote it, whatever that was.
        let results: JobResults = serde_json::from_value(json!({
            "job": { "id": "j", "kind": "createUsers", "status": "completed", "totalRows": 1,
                     "processedRows": 1, "failedRows": 1, "createdBy": null,
                     "createdDateTime": "2026-12-07T00:00:00.000Z", "finishedDateTime": null },
            "value": [{ "row": 1, "status": "failed", "objectId": null, "userPrincipalName": 5,
                        "errorColumn": null, "errorMessage": "bad", "generatedPassword": null,
                        "newProperty": true }],
        }))
        .unwrap();
        assert_eq!(results.value[0].user_principal_name, Some(json!(5)));
        assert_eq!(
            results.value[0].status, "failed",
            "a property it does not name is no error"
        );
        // A user whose named property comes in another type keeps it, by its name.
        let user: User = serde_json::from_value(json!({
            "id": "u", "department": 7, "passwordProfile": { "password": "Secret-123" },
        }))
        .unwrap();
        assert_eq!(user.id.as_deref(), Some("u"));
        assert_eq!(user.department, None);
        assert_eq!(user.property("department"), json!(7));
        assert!(!format!("{user:?}").contains("Secret-123"));
    }
}
