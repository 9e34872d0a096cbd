//! `roster login`: signs in and keeps the server and tokens, owner-only, for the commands that
//! follow. By default a person signs in with the device code flow (as `az login
//! --use-device-code` and `Connect-MgGraph` do): the CLI shows a code, the person enters it in a
//! browser on any device and signs in there, with whatever the organisation asks of a sign-in.
//! The CLI then keeps a refresh token and renews its access token by itself. Scripts sign in
//! with an app's client credentials, or (where the tenant allows it) a password.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use roster_client::sign_in::{poll_device_code, request_device_code};

use crate::client::{self, Saved};

#[derive(Args)]
pub struct LoginArgs {
    /// The server, e.g. https://roster.contoso.example:8080
    #[arg(long, env = "ROSTER_URL")]
    url: String,
    /// The tenant's domain or id (defaults to the domain of --username).
    #[arg(long, env = "ROSTER_TENANT")]
    tenant: Option<String>,
    /// Sign in with this user principal name and a password (read from ROSTER_PASSWORD or
    /// standard input) instead of in a browser; the tenant may refuse it.
    #[arg(long, conflicts_with = "client_id")]
    username: Option<String>,
    /// An app registration's client id (with --client-secret or ROSTER_CLIENT_SECRET, and --tenant).
    #[arg(long)]
    client_id: Option<String>,
    #[arg(long, env = "ROSTER_CLIENT_SECRET", hide_env_values = true)]
    client_secret: Option<String>,
    /// A CA certificate to trust for https (roster's generated certificate).
    #[arg(long, env = "ROSTER_CA_CERT")]
    ca_cert: Option<PathBuf>,
}

pub async fn login(args: LoginArgs) -> anyhow::Result<()> {
    let server = client::Server {
        url: args.url.trim_end_matches('/').to_string(),
        ca_cert: args.ca_cert,
    };
    let cli = client::cli_client_id();
    let (tenant, tokens) = match (args.username, args.client_id) {
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
            let tokens = client::request_tokens(
                &server,
                &tenant,
                &[
                    ("grant_type", "password"),
                    ("client_id", &cli),
                    ("username", &username),
                    ("password", &password),
                ],
            )
            .await?;
            (tenant, tokens)
        }
        (None, Some(client_id)) => {
            let secret = args
                .client_secret
                .context("--client-secret (or ROSTER_CLIENT_SECRET) is needed with --client-id")?;
            let tenant = args
                .tenant
                .context("--tenant (or ROSTER_TENANT) is needed with --client-id")?;
            let tokens = client::request_tokens(
                &server,
                &tenant,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &client_id),
                    ("client_secret", &secret),
                    ("scope", "https://graph.microsoft.com/.default"),
                ],
            )
            .await?;
            (tenant, tokens)
        }
        (None, None) => {
            let tenant = args.tenant.context(
                "--tenant (or ROSTER_TENANT) is needed: the organisation's domain or tenant id",
            )?;
            let code = request_device_code(
                &server,
                &tenant,
                &cli,
                "https://graph.microsoft.com/.default offline_access",
            )
            .await?;
            eprintln!("{}", code.message);
            let tokens = poll_device_code(&server, &tenant, &cli, &code).await?;
            (tenant, tokens)
        }
        (Some(_), Some(_)) => anyhow::bail!("give --username or --client-id, not both"),
    };
    let path = client::save_credentials(&Saved::new(server.clone(), tenant, &tokens))?;
    let lasting = if tokens.refresh_token.is_some() {
        "renewed by itself for 90 days of use"
    } else {
        "valid for an hour"
    };
    eprintln!(
        "signed in to {}; kept in {} ({lasting})",
        server.url,
        path.display()
    );
    Ok(())
}
