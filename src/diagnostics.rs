//! The one place errors become Terraform diagnostics.
//!
//! Diagnostics are built field by field rather than with `Diagnostic::new`, which appends a Rust
//! backtrace whenever `RUST_BACKTRACE` is set in the user's environment.

use crate::client;
use tf_provider::{AttributePath, Diagnostic, Diagnostics};

pub fn error(diags: &mut Diagnostics, summary: impl Into<String>, detail: impl Into<String>) {
    error_at(diags, AttributePath::default(), summary, detail);
}

pub fn error_at(
    diags: &mut Diagnostics,
    attribute: AttributePath,
    summary: impl Into<String>,
    detail: impl Into<String>,
) {
    diags.add_error(Diagnostic {
        summary: summary.into().into(),
        detail: detail.into().into(),
        attribute,
    });
}

pub fn warning(diags: &mut Diagnostics, summary: impl Into<String>, detail: impl Into<String>) {
    diags.add_warning(Diagnostic {
        summary: summary.into().into(),
        detail: detail.into().into(),
        attribute: AttributePath::default(),
    });
}

/// A failed CER call: what we tried, what CER said, and what to do. `secrets` are scrubbed from
/// the text in case a server echoes part of a request back in its message.
pub fn client_error(
    diags: &mut Diagnostics,
    summary: impl Into<String>,
    failure: &client::Error,
    secrets: &[&str],
) {
    let detail = format!("{failure}\n\n{}", failure.advice());
    error(diags, summary, scrub(detail, secrets));
}

fn scrub(mut text: String, secrets: &[&str]) -> String {
    for secret in secrets.iter().filter(|secret| secret.len() >= 3) {
        text = text.replace(secret, "<redacted>");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_say_what_happened_and_what_to_do_without_secrets() {
        let mut diags = Diagnostics::default();
        let error = client::Error::Api {
            status: 400,
            api_status: "Failure".into(),
            message: "bad password s3cret-value".into(),
        };
        client_error(
            &mut diags,
            "Could not create CUCM cluster",
            &error,
            &["s3cret-value", ""],
        );
        let diag = &diags.errors[0];
        assert_eq!(diag.summary, "Could not create CUCM cluster");
        assert!(diag.detail.contains("HTTP 400"), "{}", diag.detail);
        assert!(diag.detail.contains("terraform import"), "{}", diag.detail);
        assert!(!diag.detail.contains("s3cret-value"), "{}", diag.detail);
    }

    #[test]
    fn details_carry_no_backtrace_even_when_backtraces_are_on() {
        // SAFETY: tests of this module do not read the variable concurrently.
        unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "1") };
        let mut diags = Diagnostics::default();
        error(&mut diags, "summary", "detail");
        assert_eq!(diags.errors[0].detail, "detail");
    }
}
