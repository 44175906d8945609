//! The betsy harness: an expression adapter for betsy's engine-neutral conditions, job
//! handlers that play betsy's script placeholders, and the runner for `expected.json` (see the
//! corpus's `betsy/README.md` for the rules followed here).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

use okno_engine::engine::IncidentKind;
use okno_engine::memory::{JobOutcome, Runner};
use okno_engine::{BuiltinExpressions, CompiledExpression, Expressions};
use serde_json::{Map, Value, json};

/// Translates betsy's Java-ish conditions (`test.contains("a")`, `!…`, `${…}`,
/// `integerVariable<3`) into the built-in evaluator's FEEL subset.
#[derive(Debug)]
pub(crate) struct BetsyExpressions;

pub(crate) fn translate(source: &str) -> String {
    let mut text = source.trim().to_owned();
    if let Some(inner) = text
        .strip_prefix("${")
        .and_then(|rest| rest.strip_suffix('}'))
    {
        text = inner.trim().to_owned();
    }
    while let Some(position) = text.find(".contains(") {
        let start = text[..position]
            .rfind(|character: char| !(character.is_alphanumeric() || character == '_'))
            .map_or(0, |found| found + 1);
        let subject = text[start..position].to_owned();
        let rest = &text[position + ".contains(".len()..];
        text = format!("{}contains({subject}, {rest}", &text[..start]);
    }
    if let Some(rest) = text.strip_prefix('!') {
        text = format!("not({rest})");
    }
    text
}

impl Expressions for BetsyExpressions {
    fn compile(&self, source: &str) -> Result<Arc<dyn CompiledExpression>, String> {
        BuiltinExpressions.compile(&translate(source))
    }
}

#[derive(Debug, Default)]
struct Log {
    lines: Vec<String>,
    marker: bool,
    timestamps: usize,
}

fn handle_script(
    log: &Rc<RefCell<Log>>,
    script: &str,
    variables: &Map<String, Value>,
) -> JobOutcome {
    let mut log = log.borrow_mut();
    let mut result = Map::new();
    let integer = variables
        .get("integerVariable")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    match script {
        "CREATE_LOG_FILE" => {}
        "CREATE_MARKER_FILE" => log.marker = true,
        "INCREMENT_INTEGER_VARIABLE" => {
            result.insert("integerVariable".into(), json!(integer + 1));
        }
        "INCREMENT_INTEGER_VARIABLE_AND_LOG" => {
            result.insert("integerVariable".into(), json!(integer + 1));
            log.lines.push("INCREMENT_correct".into());
        }
        "SET_STRING_DATA" => {
            result.insert("data".into(), json!("String"));
        }
        "LOG_DATA" => {
            if variables.get("data") == Some(&json!("String")) {
                log.lines.push("DATA_correct".into());
            }
        }
        "THROW_ERROR" => {
            return JobOutcome::Error {
                code: "ERR_CODE".into(),
            };
        }
        // A ten-second task: it stays open, so only a boundary timer can end it.
        "WAIT_TEN_SECONDS" => return JobOutcome::Leave,
        "CREATE_TIMESTAMP_LOG_1" | "CREATE_TIMESTAMP_LOG_2" => log.timestamps += 1,
        other => log.lines.push(other.to_owned()),
    }
    JobOutcome::Complete(result)
}

fn harness(log: &Rc<RefCell<Log>>) -> Runner {
    let mut runner = Runner::new(Arc::new(BetsyExpressions));
    let script_log = Rc::clone(log);
    runner.handler("script", move |job, _| {
        let script = job.headers.get("script").map_or("", String::as_str);
        handle_script(&script_log, script, &job.variables)
    });
    for job_type in ["sendTask", "intermediateThrowEvent", "endEvent"] {
        runner.handler(job_type, |job, context| {
            if let Some(name) = job.headers.get("messageName") {
                context
                    .publish
                    .push((name.clone(), String::new(), Map::new()));
            }
            JobOutcome::Complete(Map::new())
        });
    }
    runner
}

#[derive(Debug, Default)]
pub(crate) struct Report {
    pub(crate) cases: usize,
    pub(crate) passed: usize,
    pub(crate) failed: Vec<(String, String)>,
    pub(crate) unsupported: Vec<(String, String)>,
    pub(crate) constraint_models: usize,
    pub(crate) constraint_rejected: usize,
    pub(crate) constraint_accepted: Vec<String>,
}

impl Report {
    pub(crate) fn print(&self) {
        eprintln!(
            "\n## betsy: {} cases, {} passed, {} failed, {} rejected on purpose (unsupported elements)",
            self.cases,
            self.passed,
            self.failed.len(),
            self.unsupported.len()
        );
        let mut grouped: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (case, reason) in &self.unsupported {
            grouped.entry(reason).or_default().push(case);
        }
        eprintln!("### rejected on purpose");
        for (reason, cases) in grouped {
            eprintln!("  - {} × {reason}: {}", cases.len(), cases.join(", "));
        }
        eprintln!("### failed");
        for (case, reason) in &self.failed {
            eprintln!("  - {case}: {reason}");
        }
        eprintln!(
            "\n## betsy must-reject: {} of {} rejected; accepted: {}",
            self.constraint_rejected,
            self.constraint_models,
            self.constraint_accepted.join(", ")
        );
    }
}

pub(crate) fn run(betsy: &Path) -> Report {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(betsy.join("expected.json")).unwrap())
            .unwrap();
    let mut report = Report::default();
    for model in expected["models"].as_array().unwrap() {
        let file = model["file"].as_str().unwrap();
        let text = std::fs::read_to_string(betsy.join(file)).unwrap();
        for case in model["test_cases"].as_array().unwrap() {
            report.cases += 1;
            let name = format!("{}#{}", model["name"].as_str().unwrap(), case["number"]);
            run_case(&text, model, case, &name, &mut report);
        }
    }
    for constraint in expected["constraint_models"].as_array().unwrap() {
        report.constraint_models += 1;
        let file = constraint["file"].as_str().unwrap();
        let text = std::fs::read_to_string(betsy.join(file)).unwrap();
        if okno_engine::deploy(&text, &BetsyExpressions).is_err() {
            report.constraint_rejected += 1;
        } else {
            report
                .constraint_accepted
                .push(file.rsplit('/').next().unwrap_or(file).to_owned());
        }
    }
    report
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn run_case(text: &str, model: &Value, case: &Value, name: &str, report: &mut Report) {
    let mut expected = strings(&case["expected_trace"]);
    expected.sort();
    let generic_error = expected.iter().any(|line| line == "ERROR");
    let log = Rc::new(RefCell::new(Log::default()));
    let mut runner = harness(&log);
    let mut actual = match runner.deploy(text) {
        Ok(_) => execute(&mut runner, &log, model, case, generic_error),
        Err(error) => {
            let deployment_expected = case["expect_deployment_failure"].as_bool().unwrap_or(false)
                || expected.iter().any(|line| line == "ERROR_deployment")
                || generic_error;
            if !deployment_expected {
                let reason = crate::reason(&error);
                if reason.starts_with("unsupported") {
                    report.unsupported.push((name.to_owned(), reason));
                } else {
                    report
                        .failed
                        .push((name.to_owned(), format!("deploy: {reason}")));
                }
                return;
            }
            vec![
                if generic_error {
                    "ERROR"
                } else {
                    "ERROR_deployment"
                }
                .to_owned(),
            ]
        }
    };
    let log = log.borrow();
    if expected.iter().any(|line| line == "MARKER_exists") && log.marker {
        actual.push("MARKER_exists".into());
    }
    if expected.iter().any(|line| line == "EXECUTION_parallel") && log.timestamps == 2 {
        actual.push("EXECUTION_parallel".into());
    }
    actual.sort();
    if actual == expected {
        report.passed += 1;
    } else {
        report.failed.push((
            name.to_owned(),
            format!("trace {actual:?}, expected {expected:?}"),
        ));
    }
}

fn execute(
    runner: &mut Runner,
    log: &Rc<RefCell<Log>>,
    model: &Value,
    case: &Value,
    generic_error: bool,
) -> Vec<String> {
    let mut markers = Vec::new();
    if case["start_parallel_process_first"]
        .as_bool()
        .unwrap_or(false)
        && runner.start("ParallelProcess", Map::new()).is_err()
    {
        markers.push("ERROR_runtime".to_owned());
    }
    let variables = case["start_variables"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let main = model["main_process_id"].as_str().unwrap();
    if runner.start(main, variables).is_err() {
        markers.push("ERROR_runtime".to_owned());
    }
    runner.advance(case["wait_ms_before_checking"].as_i64().unwrap_or(0));
    let incidents = runner.incidents();
    if incidents
        .iter()
        .any(|(_, _, incident)| incident.kind == IncidentKind::UnhandledError)
    {
        markers.push("ERROR_thrownErrorEvent".to_owned());
    } else if !incidents.is_empty() || !runner.effect_errors.is_empty() {
        markers.push("ERROR_runtime".to_owned());
    }
    markers.dedup();
    if generic_error {
        for marker in &mut markers {
            *marker = "ERROR".to_owned();
        }
        markers.dedup();
    }
    let mut lines = log.borrow().lines.clone();
    lines.extend(markers);
    lines
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn betsy_conditions_translate_to_feel() {
        assert_eq!(translate(" test.contains(\"a\") "), "contains(test, \"a\")");
        assert_eq!(
            translate("!test.contains(\"b\")"),
            "not(contains(test, \"b\"))"
        );
        assert_eq!(translate("${integerVariable}"), "integerVariable");
        assert_eq!(translate("integerVariable<3"), "integerVariable<3");
    }
}
