//! `roster domains`: the tenant's domains (`/v1.0/domains`); adding one (with the DNS TXT record
//! that verifies it), verifying it, making it the default, removing it (`/roster/v1/domains`).

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

/// `roster domains add NAME`: added unverified; prints the TXT record to create.
pub async fn add(client: &Client, name: &str) -> anyhow::Result<()> {
    let added = client
        .post("/roster/v1/domains", &serde_json::json!({ "id": name }))
        .await?;
    println!("{name} was added, not verified yet: no user or group can use it until it is.");
    for record in added["verificationDnsRecords"]
        .as_array()
        .into_iter()
        .flatten()
    {
        println!(
            "Create this DNS record at the domain's DNS host, then run `roster domains verify {name}`:"
        );
        println!("  type:  TXT");
        println!("  name:  @ ({})", record["label"].as_str().unwrap_or(name));
        println!("  value: {}", record["text"].as_str().unwrap_or_default());
        println!("  TTL:   {}", record["ttl"]);
    }
    Ok(())
}

/// `roster domains verify NAME`: looks up the domain's TXT record.
pub async fn verify(client: &Client, name: &str) -> anyhow::Result<()> {
    client
        .post(
            &format!("/roster/v1/domains/{name}/verify"),
            &serde_json::json!({}),
        )
        .await?;
    println!("{name} is verified: users and groups can use it now.");
    Ok(())
}

/// `roster domains default NAME`.
pub async fn make_default(client: &Client, name: &str) -> anyhow::Result<()> {
    client
        .post(
            &format!("/roster/v1/domains/{name}/default"),
            &serde_json::json!({}),
        )
        .await?;
    println!("{name} is the default domain now.");
    Ok(())
}

/// `roster domains remove NAME`: refused while users or groups use it, or it is the default.
pub async fn remove(client: &Client, name: &str) -> anyhow::Result<()> {
    client.delete(&format!("/roster/v1/domains/{name}")).await?;
    println!("{name} was removed.");
    Ok(())
}
