"""SpiffWorkflow side of the engine peer benchmark (see README.md here).

Parses each BPMN file once, then runs instances back to back on one thread: a new BpmnWorkflow
per instance, the start task given the instance's variables, and the engine steps run in a loop
until the workflow completes. Service tasks are SpiffWorkflow's own (spiffworkflow:
serviceTaskOperator); the script engine's call_service is the service implementation, counts
its calls and returns a result that SpiffWorkflow stores in the task's result variable.

Usage: python spiff.py INSTANCES FILE.bpmn...   Prints one `peer-result` line per file.
"""

import os
import sys
import time
from collections import Counter

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

SERVICE_CALLS = Counter()


class Services(TaskDataEnvironment):
    """The service implementation: count the call, answer with a JSON result."""

    def call_service(self, context, operation_name=None, operation_params=None, **kwargs):
        SERVICE_CALLS[operation_name] += 1
        return "true"


def load(path):
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(path)
    process_id = parser.get_process_ids()[0]
    return process_id, parser.get_spec(process_id)


def run_instance(spec, engine, index, ends):
    workflow = BpmnWorkflow(spec, script_engine=engine)
    start = workflow.get_next_task(state=TaskState.READY)
    start.data["amount"] = index % 200
    steps = 0
    while not workflow.is_completed():
        workflow.do_engine_steps()
        steps += 1
        if steps > 1000:
            raise RuntimeError("the workflow does not complete")
    for task in workflow.get_tasks_iterator(state=TaskState.COMPLETED, spec_class=EndEvent):
        if task.task_spec.bpmn_id is not None:
            ends[task.task_spec.bpmn_id] += 1


def measure(path, instances):
    process_id, spec = load(path)
    engine = PythonScriptEngine(environment=Services())
    warmup = Counter()
    for index in range(max(1, instances // 10)):
        run_instance(spec, engine, index, warmup)
    SERVICE_CALLS.clear()
    ends = Counter()
    started = time.perf_counter()
    for index in range(instances):
        run_instance(spec, engine, index, ends)
    seconds = time.perf_counter() - started
    ends_text = ",".join(f"{name}:{count}" for name, count in sorted(ends.items()))
    print(
        f"peer-result engine=spiffworkflow process={process_id} instances={instances} "
        f"seconds={seconds:.6f} service_calls={sum(SERVICE_CALLS.values())} ends={ends_text}",
        flush=True,
    )


def main():
    instances = int(sys.argv[1])
    for path in sys.argv[2:]:
        measure(os.path.abspath(path), instances)


if __name__ == "__main__":
    main()
