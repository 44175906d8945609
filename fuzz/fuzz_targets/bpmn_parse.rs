//! Fuzz target: arbitrary text as a BPMN file. Inspecting and deploying must return a model or
//! a `DeployError`, never panic or hang; whatever deploys must also start, and run its start
//! command, without panicking.
//!
//! Run with `cargo fuzz run -s none bpmn_parse` from the `fuzz/` folder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use okno_engine::engine::Command;
use okno_engine::{BuiltinExpressions, InstanceState, Timestamp};

fuzz_target!(|text: &str| {
    let _ = okno_engine::inspect(text, &BuiltinExpressions);
    if let Ok(processes) = okno_engine::deploy(text, &BuiltinExpressions) {
        for process in processes {
            let mut state = InstanceState::default();
            let start = Command::StartInstance {
                variables: serde_json::Map::new(),
                start_event: None,
            };
            let _ = okno_engine::handle(&mut state, &process, start, Timestamp(0));
        }
    }
});
