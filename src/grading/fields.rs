//! The grading fields of exercises and languages (`runner`, `io_tests`, `auto_grade`, limits)
//! and their rules, run by the descriptions' `check` inside the write.

use std::sync::OnceLock;

use rusqlite::Connection;
use serde_json::{Map, Value};

use super::judge::IoTest;
use super::runners::{self, Runner};
use crate::accounts::auth::AuthUser;
use crate::config::Config;
use crate::http::error::ApiError;

/// The runners of this machine, detected once per process.
pub fn available() -> &'static [&'static Runner] {
    static DETECTED: OnceLock<Vec<&'static Runner>> = OnceLock::new();
    DETECTED.get_or_init(runners::detect)
}

/// A runner name: one of the detected runners; the error lists them.
pub fn check_runner(field: &str, name: &str) -> Result<&'static Runner, ApiError> {
    runners::find(available(), name).ok_or_else(|| {
        let names: Vec<&str> = available().iter().map(|r| r.name).collect();
        ApiError::invalid(
            field,
            format!(
                "must be one of the runners of this server: {}",
                names.join(", ")
            ),
        )
    })
}

/// `io_tests` as stored: a JSON array of `{input, expected_output, weight, hidden}`.
pub fn parse_io_tests(text: &str) -> Result<Vec<IoTest>, ApiError> {
    const RULE: &str = "must be a JSON array of {\"input\": text, \"expected_output\": text, \"weight\": a number of 0 or more, \"hidden\": true or false}";
    let value: Value = serde_json::from_str(text)
        .map_err(|e| ApiError::invalid("io_tests", format!("{RULE} ({e})")))?;
    let Value::Array(items) = value else {
        return Err(ApiError::invalid("io_tests", RULE));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let Value::Object(map) = &item else {
            return Err(ApiError::invalid(
                "io_tests",
                format!("{RULE}: item {i} is not an object"),
            ));
        };
        if let Some(k) = map
            .keys()
            .find(|k| !["input", "expected_output", "weight", "hidden"].contains(&k.as_str()))
        {
            return Err(ApiError::invalid(
                "io_tests",
                format!("{RULE}: item {i} has an unknown key `{k}`"),
            ));
        }
        let test: IoTest = serde_json::from_value(item)
            .map_err(|e| ApiError::invalid("io_tests", format!("{RULE}: item {i}: {e}")))?;
        if !test.weight.is_finite() || test.weight < 0.0 {
            return Err(ApiError::invalid(
                "io_tests",
                format!("{RULE}: item {i} has a bad weight"),
            ));
        }
        out.push(test);
    }
    Ok(out)
}

fn text<'a>(row: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    row.get(name).and_then(Value::as_str)
}

/// An exercise's grading fields: a known runner, well-formed I/O tests, limits within the
/// admin's maxima.
pub fn check_exercise(
    _: &Connection,
    _: &AuthUser,
    row: &Map<String, Value>,
    config: &Config,
) -> Result<(), ApiError> {
    if let Some(name) = text(row, "runner") {
        check_runner("runner", name)?;
    }
    if let Some(tests) = text(row, "io_tests") {
        parse_io_tests(tests)?;
    }
    for (field, max) in [
        ("cpu_ms", config.grading_max_cpu_ms),
        ("wall_ms", config.grading_max_wall_ms),
        ("memory_mb", config.grading_max_memory_mb),
    ] {
        if let Some(v) = row.get(field).and_then(Value::as_i64)
            && v > max
        {
            return Err(ApiError::invalid(
                field,
                format!("must be at most {max}, the maximum this server allows"),
            ));
        }
    }
    Ok(())
}

/// A language's runner, when it has one, is a runner of this server.
pub fn check_language(
    _: &Connection,
    _: &AuthUser,
    row: &Map<String, Value>,
    _: &Config,
) -> Result<(), ApiError> {
    if let Some(name) = text(row, "runner") {
        check_runner("runner", name)?;
    }
    Ok(())
}

/// `io_tests` as members read them: hidden tests keep only their weight and `hidden`.
pub fn io_tests_for_members(text: &str) -> String {
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text) else {
        return "[]".to_owned();
    };
    let shown: Vec<Value> = items
        .into_iter()
        .map(|t| {
            if t.get("hidden").and_then(Value::as_bool) == Some(true) {
                serde_json::json!({"hidden": true, "weight": t.get("weight").cloned().unwrap_or(Value::from(1))})
            } else {
                t
            }
        })
        .collect();
    Value::Array(shown).to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn io_tests_need_an_array_of_known_keys_with_text_and_sane_weights() {
        assert_eq!(
            parse_io_tests(r#"[{"input": "1", "expected_output": "2"}]"#)
                .map(|t| t.len())
                .ok(),
            Some(1)
        );
        for bad in [
            "{}",
            "nope",
            r#"[1]"#,
            r#"[{"input": 1, "expected_output": "2"}]"#,
            r#"[{"input": "1"}]"#,
            r#"[{"input": "1", "expected_output": "2", "weight": -1}]"#,
            r#"[{"input": "1", "expected_output": "2", "extra": 0}]"#,
        ] {
            let e = parse_io_tests(bad).unwrap_err();
            assert_eq!(
                e.extra.get("field").and_then(Value::as_str),
                Some("io_tests"),
                "{bad}"
            );
        }
    }

    #[test]
    fn members_see_only_the_weight_of_hidden_io_tests() {
        let seen = io_tests_for_members(
            r#"[{"input":"a","expected_output":"b","hidden":false},{"input":"c","expected_output":"d","weight":2,"hidden":true}]"#,
        );
        let v: Value = serde_json::from_str(&seen).unwrap();
        assert_eq!(v[0]["input"], "a");
        assert_eq!(v[1], serde_json::json!({"hidden": true, "weight": 2}));
    }
}
