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

/// A user, with the properties it was read with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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

impl User {
    /// The user as Graph's JSON (what a caller prints or sends on).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// A property by its Graph name, `null` when the answer did not hold it.
    pub fn property(&self, name: &str) -> Value {
        self.to_json().get(name).cloned().unwrap_or(Value::Null)
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
}

/// One row of a job and its outcome.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobRow {
    pub row: i64,
    /// `pending`, `succeeded`, `unchanged` or `failed`.
    pub status: String,
    pub object_id: Option<String>,
    pub user_principal_name: Option<String>,
    pub error_column: Option<String>,
    pub error_message: Option<String>,
    /// Shown to the job's submitter only, until they say they have kept it.
    pub generated_password: Option<String>,
}

impl JobRow {
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}
