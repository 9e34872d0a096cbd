//! `roster login`: signs an administrator in (the password grant, or an app's client
//! credentials) and keeps the server and token, owner-only, for the commands that follow.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::client;

#[derive(Args)]
pub struct LoginArgs {
    /// The server, e.g. https://roster.contoso.example:8080
    #[arg(long, env = "ROSTER_URL")]
    url: String,
    /// An administrator's user principal name (the password is read from ROSTER_PASSWORD or standard input).
    #[arg(long, conflicts_with = "client_id")]
    username: Option<String>,
    /// An app registration's client id (with --client-secret or ROSTER_CLIENT_SECRET, and --tenant).
    #[arg(long)]
    client_id: Option<String>,
    #[arg(long, env = "ROSTER_CLIENT_SECRET", hide_env_values = true)]
    client_secret: Option<String>,
    /// The tenant's domain or id (defaults to the domain of --username).
    #[arg(long, env = "ROSTER_TENANT")]
    tenant: Option<String>,
    /// A CA certificate to trust for https (roster's generated certificate).
    #[arg(long, env = "ROSTER_CA_CERT")]
    ca_cert: Option<PathBuf>,
}

pub async fn login(args: LoginArgs) -> anyhow::Result<()> {
    let server = client::Server {
        url: args.url.trim_end_matches('/').to_string(),
        ca_cert: args.ca_cert,
    };
    let token = match (args.username, args.client_id) {
        (Some(username), None) => {
            let password = match std::env::var("ROSTER_PASSWORD") {
                Ok(password) if !password.is_empty() => password,
                _ => {
                    let mut line = String::new();
                    eprint!("password for {username}: ");
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let tenant = args
                .tenant
                .or_else(|| {
                    username
                        .split_once('@')
                        .map(|(_, domain)| domain.to_string())
                })
                .context("--username must be a user principal name (alias@domain)")?;
            client::request_token(
                &server,
                &tenant,
                &[
                    ("grant_type", "password"),
                    ("username", &username),
                    ("password", &password),
                ],
            )
            .await?
        }
        (None, Some(client_id)) => {
            let secret = args
                .client_secret
                .context("--client-secret (or ROSTER_CLIENT_SECRET) is needed with --client-id")?;
            let tenant = args
                .tenant
                .context("--tenant (or ROSTER_TENANT) is needed with --client-id")?;
            client::request_token(
                &server,
                &tenant,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &client_id),
                    ("client_secret", &secret),
                    ("scope", "https://graph.microsoft.com/.default"),
                ],
            )
            .await?
        }
        _ => anyhow::bail!("give --username (an administrator) or --client-id (an app)"),
    };
    let path = client::save_credentials(&server, &token)?;
    eprintln!(
        "signed in to {}; token kept in {} (valid for an hour)",
        server.url,
        path.display()
    );
    Ok(())
}
