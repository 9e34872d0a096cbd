//! Domain verification. A domain added to a tenant is verified once its DNS holds the TXT
//! record roster gave it (`Domain::verification_text`), looked up with hickory's resolver (the
//! system's resolvers, or one named by `--dns-server`); on a server without DNS (an offline test
//! server) `--trust-domains` verifies it on the administrator's word instead. Until then no user
//! or group can use it, and it cannot be the default.

use hickory_resolver::Resolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::xfer::Protocol;
use roster_core::access::Operation;
use roster_core::directory::Domain;
use roster_core::refusal::Reason;
use roster_core::types::DomainName;
use roster_store::Change;

use crate::domain_verification::DomainVerification;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The TXT records of `name`, each as text (its strings joined); none when the name has none
/// or cannot be resolved.
async fn txt_records(verification: &DomainVerification, name: &DomainName) -> Vec<String> {
    let resolver = match verification {
        DomainVerification::DnsAt(server) => {
            let mut config = ResolverConfig::new();
            config.add_name_server(NameServerConfig::new(*server, Protocol::Udp));
            config.add_name_server(NameServerConfig::new(*server, Protocol::Tcp));
            let mut options = ResolverOpts::default();
            options.cache_size = 0;
            Resolver::builder_with_config(config, TokioConnectionProvider::default())
                .with_options(options)
                .build()
        }
        _ => match Resolver::builder_tokio() {
            Ok(builder) => {
                let mut options = ResolverOpts::default();
                options.cache_size = 0;
                builder.with_options(options).build()
            }
            Err(error) => {
                tracing::warn!(%error, "no DNS resolver configuration: a domain cannot be verified");
                return Vec::new();
            }
        },
    };
    // A fully qualified name: no search domain is tried.
    let fqdn = format!("{}.", name.as_ref());
    match resolver.txt_lookup(fqdn).await {
        Ok(lookup) => lookup
            .iter()
            .map(|txt| {
                txt.txt_data()
                    .iter()
                    .map(|part| String::from_utf8_lossy(part).into_owned())
                    .collect::<String>()
            })
            .collect(),
        Err(error) => {
            tracing::info!(domain = %name, %error, "no TXT record found");
            Vec::new()
        }
    }
}

/// Verifies one of the tenant's domains: authorized first (so that no one else makes the server
/// ask DNS), then checked against its TXT records (or trusted), then marked in the store.
pub async fn verify(state: &AppState, change: Change, name: DomainName) -> ApiResult<Domain> {
    let tenant_id = change.tenant_id;
    let asking = change.clone();
    state
        .db(move |store| store.authorize(&asking, &[Operation::ManageDomains], None))
        .await?;
    let wanted = name.clone();
    let domain = state
        .db(move |store| store.domains(tenant_id))
        .await?
        .into_iter()
        .find(|domain| domain.name == wanted)
        .ok_or_else(|| ApiError::not_found(format!("Resource '{name}' does not exist.")))?;
    let trusted = matches!(state.domain_verification, DomainVerification::Trust);
    let checked = (!trusted)
        .then(|| domain.verification_code.clone())
        .flatten();
    if !domain.is_verified && !trusted {
        let expected = domain.verification_text().unwrap_or_default();
        let found = txt_records(&state.domain_verification, &name).await;
        if !found.iter().any(|text| text.trim() == expected) {
            return Err(ApiError::bad_request(format!(
                "Domain verification failed: no TXT record of {name} holds \"{expected}\". Create it at the domain's DNS host and try again once it has spread."
            ))
            .with_reason(Reason::DomainNotVerified(expected)));
        }
    }
    state
        .db(move |store| store.mark_domain_verified(&change, &name, checked.as_deref()))
        .await
}
