//! Who makes a change and from where: what a use case is asked with, and what its audit record
//! says besides the change itself. The store authorizes it ([`crate::authority`]).

use chrono::{DateTime, Utc};
use roster_core::types::ObjectId;

/// Who makes a change and from where: what the audit record says besides the change itself.
#[derive(Debug, Clone)]
pub struct Change {
    pub tenant_id: ObjectId,
    pub actor_id: Option<ObjectId>,
    pub actor_name: String,
    pub client_ip: Option<String>,
    pub request_id: Option<String>,
    pub job_id: Option<ObjectId>,
    pub at: DateTime<Utc>,
    /// The delegated scopes a user's change is held to, when an application makes it with a
    /// token the user gave it (`None`: the user's own sign-in).
    pub scopes: Option<Vec<String>>,
    /// Whether this is roster's own change ([`Change::system`]): only such a change may have no
    /// actor. One by an actor that is gone (a job's submitter never recorded) is refused.
    pub(crate) roster: bool,
}

impl Change {
    /// A change made by roster itself (bootstrap, demo data, upkeep, processing groups), which
    /// is allowed everything: never built for a request.
    pub fn system(tenant_id: ObjectId) -> Self {
        Change {
            roster: true,
            ..Change::by(tenant_id, None, "roster")
        }
    }

    /// A change by the user or app `actor_id` (as it stands when the change is made: the store
    /// reads its roles or permissions again); `None` is an actor no longer known, allowed
    /// nothing.
    pub fn by(tenant_id: ObjectId, actor_id: Option<ObjectId>, actor_name: &str) -> Self {
        Change {
            tenant_id,
            actor_id,
            actor_name: actor_name.to_string(),
            client_ip: None,
            request_id: None,
            job_id: None,
            at: Utc::now(),
            scopes: None,
            roster: false,
        }
    }

    /// The change as a request makes it: from `client_ip`, as request `request_id`.
    pub fn from_request(mut self, client_ip: Option<String>, request_id: Option<String>) -> Self {
        self.client_ip = client_ip;
        self.request_id = request_id;
        self
    }

    /// The change as a row of the bulk job `job_id` makes it.
    pub fn in_job(mut self, job_id: ObjectId) -> Self {
        self.job_id = Some(job_id);
        self
    }

    /// Whether this is roster's own change.
    pub fn is_system(&self) -> bool {
        self.roster
    }
}
