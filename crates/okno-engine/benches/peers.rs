//! The okno side of the engine peer benchmark: reads the BPMN files that bpmn-engine (npm) and
//! SpiffWorkflow (PyPI) also run (`bench/engine-peers/*.bpmn`), runs the same number of
//! instances of each to completion on one thread, and prints one machine-readable
//! `peer-result` line per measurement for `bench/engine-peers/run` to put in its table.
//!
//! Two measurements per file, both in memory:
//! - `okno-runner`: `memory::Runner` with a registered handler per job type, the shape the peers
//!   have (the engine calls registered service functions);
//! - `okno-core`: `handle` in a loop, each job answered from its `CreateJob` effect.
//!
//! Every service handler counts its calls and answers with one result variable
//! (`<type>Result: true`), as the peers' handlers do. `service_calls` and `ends` (end events
//! reached, by id) in the output prove that the work was done and that both gateway branches
//! were taken: the core counts them in the measured loop, the runner in a second, unmeasured
//! pass with its trace on.
//!
//! Run with `cargo bench -p okno-engine --bench peers`; `OKNO_BENCH_INSTANCES` sets the number
//! of instances per file (default 20000), `OKNO_PEERS_DIR` the folder of BPMN files.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use okno_engine::engine::{Command, Effect, Event};
use okno_engine::memory::{JobOutcome, Runner, TraceKind};
use okno_engine::model::ElementKind;
use okno_engine::{BuiltinExpressions, InstanceState, ProcessDefinition, Timestamp};
use serde_json::{Map, Value};

/// What one measurement did: how long, how many service calls, which end events were reached.
struct Tally {
    seconds: f64,
    service_calls: u64,
    ends: BTreeMap<String, u64>,
}

fn instance_variables(index: usize) -> Map<String, Value> {
    let mut variables = Map::new();
    variables.insert("amount".to_owned(), Value::from(index % 200));
    variables
}

fn job_result(job_type: &str) -> Map<String, Value> {
    let mut variables = Map::new();
    variables.insert(format!("{job_type}Result"), Value::Bool(true));
    variables
}

fn job_types(definition: &ProcessDefinition) -> Vec<String> {
    let mut types: Vec<String> = definition
        .elements
        .iter()
        .filter_map(|element| match &element.kind {
            ElementKind::Task { job: Some(job) } => Some(job.job_type.clone()),
            _ => None,
        })
        .collect();
    types.sort();
    types.dedup();
    types
}

fn is_end_event(definition: &ProcessDefinition, element: u32) -> bool {
    matches!(definition.element(element).kind, ElementKind::EndEvent(_))
}

/// The bare core: start, answer each job from its effect, until the instance completes.
fn bare_core(definition: &ProcessDefinition, instances: usize) -> Tally {
    let mut service_calls = 0u64;
    let mut ends_by_index: BTreeMap<u32, u64> = BTreeMap::new();
    let started = Instant::now();
    for index in 0..instances {
        let mut state = InstanceState::default();
        let command = Command::StartInstance {
            variables: instance_variables(index),
            start_event: None,
        };
        let mut output = okno_engine::handle(&mut state, definition, command, Timestamp(0))
            .expect("start is accepted");
        loop {
            for event in &output.events {
                if let Event::ElementCompleted { element, .. } = event
                    && is_end_event(definition, *element)
                {
                    *ends_by_index.entry(*element).or_default() += 1;
                }
            }
            let job = output.effects.iter().find_map(|effect| match effect {
                Effect::CreateJob { job, job_type, .. } => Some((*job, job_result(job_type))),
                _ => None,
            });
            let Some((job, variables)) = job else { break };
            service_calls += 1;
            let command = Command::CompleteJob { job, variables };
            output = okno_engine::handle(&mut state, definition, command, Timestamp(0))
                .expect("the job completes");
        }
        black_box(&state);
    }
    let seconds = started.elapsed().as_secs_f64();
    let ends = ends_by_index
        .into_iter()
        .map(|(element, count)| (definition.element(element).id.clone(), count))
        .collect();
    Tally {
        seconds,
        service_calls,
        ends,
    }
}

/// The in-memory runner with one counting handler per job type.
fn runner(definition: &Arc<ProcessDefinition>, instances: usize, record_trace: bool) -> Runner {
    let mut runner = Runner::default();
    runner.record_trace = record_trace;
    runner.keep_finished = false;
    let process_id = runner.add_definition(Arc::clone(definition));
    let calls = Rc::new(Cell::new(0u64));
    for job_type in job_types(definition) {
        let calls = Rc::clone(&calls);
        let result = job_result(&job_type);
        runner.handler(&job_type, move |_, _| {
            calls.set(calls.get() + 1);
            JobOutcome::Complete(result.clone())
        });
    }
    for index in 0..instances {
        runner
            .start(&process_id, instance_variables(index))
            .expect("the instance starts");
    }
    assert_eq!(runner.instances().count(), 0, "every instance completed");
    black_box(calls.get());
    runner
}

/// The runner measured with its trace off, then run again with the trace on to count the work.
fn memory_runner(definition: &Arc<ProcessDefinition>, instances: usize) -> Tally {
    let started = Instant::now();
    black_box(runner(definition, instances, false));
    let seconds = started.elapsed().as_secs_f64();
    let checked = runner(definition, instances, true);
    let mut service_calls = 0u64;
    let mut ends = BTreeMap::new();
    for entry in checked.trace() {
        if entry.kind != TraceKind::Left {
            continue;
        }
        let Some(index) = definition.index_of(&entry.element_id) else {
            continue;
        };
        match &definition.element(index).kind {
            ElementKind::Task { job: Some(_) } => service_calls += 1,
            ElementKind::EndEvent(_) => *ends.entry(entry.element_id.clone()).or_default() += 1,
            _ => {}
        }
    }
    Tally {
        seconds,
        service_calls,
        ends,
    }
}

fn print(engine: &str, process_id: &str, instances: usize, tally: &Tally) {
    let ends: Vec<String> = tally
        .ends
        .iter()
        .map(|(id, count)| format!("{id}:{count}"))
        .collect();
    println!(
        "peer-result engine={engine} process={process_id} instances={instances} seconds={:.6} \
         service_calls={} ends={}",
        tally.seconds,
        tally.service_calls,
        ends.join(",")
    );
}

fn bpmn_files(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .expect("the peers folder is readable")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "bpmn")
        })
        .collect();
    files.sort();
    files
}

fn main() {
    let instances: usize = std::env::var("OKNO_BENCH_INSTANCES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(20_000);
    let folder = std::env::var_os("OKNO_PEERS_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/engine-peers"),
        PathBuf::from,
    );
    for path in bpmn_files(&folder) {
        let xml = std::fs::read_to_string(&path).expect("the BPMN file is readable");
        let mut processes =
            okno_engine::deploy(&xml, &BuiltinExpressions).expect("the benchmark model deploys");
        let definition = processes.remove(0);
        // Warm up caches and the allocator as the peers warm up their runtimes.
        black_box(bare_core(&definition, instances / 10));
        let tally = memory_runner(&definition, instances);
        print("okno-runner", &definition.id, instances, &tally);
        let tally = bare_core(&definition, instances);
        print("okno-core", &definition.id, instances, &tally);
    }
}
