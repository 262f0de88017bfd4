use std::time::Duration;

/// Everything that can go wrong talking to CER. Messages carry what the server said (never a
/// secret: the client never puts its password or a request body into one).
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum Error {
    #[error("invalid client settings: {0}")]
    Config(String),

    #[error("CER rejected the credentials of user {username:?} (HTTP {status}): {message}")]
    Auth {
        username: String,
        status: u16,
        message: String,
    },

    #[error("CER has no such cluster (HTTP 404): {message}")]
    NotFound { message: String },

    #[error("CER answered HTTP {status} with status {api_status:?}: {message}")]
    Api {
        status: u16,
        api_status: String,
        message: String,
    },

    #[error("CER answered HTTP {status} with a body that is not the expected JSON: {excerpt}")]
    InvalidResponse { status: u16, excerpt: String },

    #[error("no answer from CER within {0:?}")]
    Timeout(Duration),

    #[error("could not reach CER: {0}")]
    Transport(String),
}

impl Error {
    /// What the practitioner can do about it, for the diagnostic's detail.
    pub fn advice(&self) -> &'static str {
        match self {
            Error::Config(_) => "Fix the provider configuration and run again.",
            Error::Auth { .. } => {
                "Check the provider's `username` and `password` (or CER_USERNAME / CER_PASSWORD) and that the account has the API role on CER."
            }
            Error::NotFound { .. } => {
                "The cluster is not on CER. If it was removed outside Terraform, remove it from state with `terraform state rm` and apply again."
            }
            Error::Api { .. } => {
                "Correct the value CER objects to and apply again. If the cluster already exists on CER, adopt it with `terraform import`."
            }
            Error::InvalidResponse { .. } => {
                "CER's answer could not be understood, so the outcome is unknown. Check the cluster in CER's web console; if it exists, adopt it with `terraform import`."
            }
            Error::Timeout(_) => {
                "CER is slow or unreachable. Raise `request_timeout` or `max_retries`, or lower `max_parallel_requests`, then apply again."
            }
            Error::Transport(_) => {
                "Check `url`, the network path to CER and its certificate (`ca_certificate`, or `insecure = true` for testing only)."
            }
        }
    }
}
