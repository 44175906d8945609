// bpmn-engine side of the engine peer benchmark (see README.md here).
//
// Parses each BPMN file once (bpmn-moddle, serialised with moddle-context-serializer as
// bpmn-engine does itself), then runs instances back to back on one thread: a new Engine per
// instance from the parsed context, the instance's variables given to execute, awaited until
// its `end` event. Service tasks use the standard `implementation` attribute, which resolves
// `${environment.services.<type>}` to a registered function that counts its calls and answers
// with a result. Sequence-flow conditions are plain expressions (`amount >= 100`); the
// `expressions` option (bpmn-engine's documented extension point) compiles each one once into
// a JavaScript function over the instance variables and keeps `${…}` property paths as they are.
//
// Usage: node bpmn-engine.mjs INSTANCES FILE.bpmn...   Prints one `peer-result` line per file.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { Engine } from 'bpmn-engine';
import * as Elements from 'bpmn-elements';
import BpmnModdle from 'bpmn-moddle';
import serializer, { TypeResolver } from 'moddle-context-serializer';

const serviceCalls = new Map();

// No logging: the default logger makes a `debug` instance per element of every engine; a user
// tuning for throughput would turn it off (it saves little: the engine's message broker is
// where the time goes).
const silent = () => {};
const silentLogger = () => ({ debug: silent, error: silent, warn: silent });

function compileExpression(text) {
  const template = /^\$\{(.+)\}$/.exec(text);
  if (template) {
    const path = template[1].split('.');
    return (context) => path.reduce((value, key) => value?.[key], context);
  }
  // A plain condition, read against the instance variables (a sloppy-mode function, so `with`).
  const body = new Function('variables', `with (variables) { return (${text}); }`);
  return (context) => body(context.environment.variables);
}

function expressions() {
  const compiled = new Map();
  return {
    resolveExpression(text, context) {
      let evaluate = compiled.get(text);
      if (!evaluate) {
        evaluate = compileExpression(text);
        compiled.set(text, evaluate);
      }
      return evaluate(context);
    },
    isExpression: (text) => typeof text === 'string' && /^\$\{.+\}$/.test(text),
    hasExpression: (text) => typeof text === 'string' && /\$\{.+?\}/.test(text),
  };
}

async function load(path) {
  const source = readFileSync(path, 'utf8');
  const moddleContext = await new BpmnModdle().fromXML(source.trim());
  const sourceContext = serializer(moddleContext, TypeResolver(Elements));
  const process = sourceContext.getProcesses()[0];
  const serviceTypes = [...source.matchAll(/environment\.services\.([A-Za-z0-9_]+)/g)].map((match) => match[1]);
  const services = {};
  for (const type of serviceTypes) {
    serviceCalls.set(type, 0);
    services[type] = (executionContext, callback) => {
      serviceCalls.set(type, serviceCalls.get(type) + 1);
      callback(null, true);
    };
  }
  const endIds = sourceContext
    .getActivities()
    .filter((activity) => activity.type === 'bpmn:EndEvent')
    .map((activity) => activity.id);
  return { processId: process.id, sourceContext, services, endIds };
}

function runInstance(model, options, index, ends) {
  const engine = new Engine({ sourceContext: model.sourceContext, ...options });
  return new Promise((resolve, reject) => {
    engine.once('end', (execution) => {
      const definition = execution.definitions[0];
      for (const id of model.endIds) {
        const taken = definition.getActivityById(id).counters.taken;
        if (taken > 0) ends.set(id, (ends.get(id) ?? 0) + taken);
      }
      resolve();
    });
    engine.once('error', reject);
    engine.execute({ variables: { amount: index % 200 } }).catch(reject);
  });
}

async function measure(path, instances) {
  const model = await load(path);
  const options = { services: model.services, expressions: expressions(), Logger: silentLogger };
  const warmup = new Map();
  for (let index = 0; index < Math.max(1, Math.floor(instances / 10)); index++) {
    await runInstance(model, options, index, warmup);
  }
  for (const type of serviceCalls.keys()) serviceCalls.set(type, 0);
  const ends = new Map();
  const started = performance.now();
  for (let index = 0; index < instances; index++) {
    await runInstance(model, options, index, ends);
  }
  const seconds = (performance.now() - started) / 1000;
  const calls = [...serviceCalls.values()].reduce((sum, count) => sum + count, 0);
  const endsText = [...ends.entries()]
    .sort(([left], [right]) => left.localeCompare(right))
    .map(([id, count]) => `${id}:${count}`)
    .join(',');
  console.log(
    `peer-result engine=bpmn-engine process=${model.processId} instances=${instances} ` +
      `seconds=${seconds.toFixed(6)} service_calls=${calls} ends=${endsText}`,
  );
}

const [instancesText, ...files] = process.argv.slice(2);
for (const file of files) {
  await measure(file, Number(instancesText));
}
