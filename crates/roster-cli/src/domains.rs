//! `roster domains list`: the tenant's domains (`/v1.0/domains`).

use serde_json::Value;

use crate::client::Client;
use crate::output::{Output, print, row};

pub async fn list(client: &Client, output: Output) -> anyhow::Result<()> {
    let columns = ["id", "isDefault", "isVerified", "authenticationType"];
    let domains: Vec<Value> = client
        .get_all("/v1.0/domains")
        .await?
        .iter()
        .map(|domain| row(&columns, |column| domain[column].clone()))
        .collect();
    print(&domains, &columns, output)
}
