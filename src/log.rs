//! Levelled provider logs in the hclog JSON form that Terraform reads from a plugin's stderr, so
//! they keep their level under `TF_LOG`.
//!
//! Not a `tracing` subscriber on purpose: tf-provider installs its own global subscriber when
//! `PLUGIN_LOG_FILE` is set and panics if one is already there. Callers pass only values that are
//! safe to show (method, path, status, timings): never a body, a password or a header.

use serde_json::{Map, Value};
use std::io::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// hclog's timestamp layout, `2006-01-02T15:04:05.000000Z07:00`, in UTC.
const TIMESTAMP: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
);

pub fn line(level: Level, message: &str, fields: &[(&str, Value)]) -> String {
    let mut map = Map::new();
    if let Ok(now) = time::OffsetDateTime::now_utc().format(TIMESTAMP) {
        map.insert("@timestamp".into(), now.into());
    }
    map.insert("@level".into(), level.as_str().into());
    map.insert("@message".into(), message.into());
    map.insert("@module".into(), "cer".into());
    for (key, value) in fields {
        map.insert((*key).to_owned(), value.clone());
    }
    Value::Object(map).to_string()
}

pub fn emit(level: Level, message: &str, fields: &[(&str, Value)]) {
    let mut text = line(level, message, fields);
    text.push('\n');
    // One write per line keeps concurrent requests from interleaving inside a line.
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_hclog_json_with_level_message_and_fields() {
        let text = line(Level::Warn, "retrying", &[("status", 503.into())]);
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["@level"], "warn");
        assert_eq!(parsed["@message"], "retrying");
        assert_eq!(parsed["@module"], "cer");
        assert_eq!(parsed["status"], 503);
        let stamp = parsed["@timestamp"].as_str().unwrap();
        assert_eq!(stamp.len(), "2026-12-04T20:37:07.911123Z".len(), "{stamp}");
        assert!(!text.contains('\n'));
    }
}
