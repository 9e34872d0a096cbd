//! `roster domains list`: the tenant's domains (`/v1.0/domains`).

use serde_json::Value;

use crate::client::Client;
use crate::output::{Output, print, row};

pub async fn list(client: &Client, output: Output) -> anyhow::Result<()> {
    let columns = ["id", "isDefault", "isVerified", "authenticationType"];
    let domains: Vec<Value> = client
        .domains()
        .await?
        .iter()
        .map(|domain| {
            let domain = domain.to_json();
            row(&columns, |column| domain[column].clone())
        })
        .collect();
    print(&domains, &columns, output)
}
