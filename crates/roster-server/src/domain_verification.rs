//! How a server verifies the domains added to its tenants (see `domains`), as its configuration
//! says: a leaf, so that the configuration, the state and the verification can all name it.

use std::net::SocketAddr;

/// How the server verifies a domain.
#[derive(Debug, Clone, Default)]
pub enum DomainVerification {
    /// By its DNS TXT record, through the system's resolvers.
    #[default]
    Dns,
    /// By its DNS TXT record, through this DNS server.
    DnsAt(SocketAddr),
    /// On the administrator's word (`--trust-domains`): for a server without DNS.
    Trust,
}
