//! The durable runtime on a real SQLite file and a real PostgreSQL schema (each test runs on
//! both through `both!`): local and external workers, retries and incidents, buffered messages
//! and message ids, timers across a restart, call activities, versions, and two runtimes
//! sharing one database without doing a step twice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod support;

use std::sync::Arc;
use std::time::Duration;

use okno_process::{
    JobOutcome, MESSAGE_TTL_MAX, Message, ProcessError, Processes, publish_request,
};
use okno_store::testing::TestDatabase;
use serde_json::{Map, json};
use support::*;

both!(
    local_worker_runs_the_decision_process_to_either_end,
    external_worker_completes_once_and_a_second_answer_is_refused,
    failed_job_is_retried_then_raises_an_incident_that_resolving_retries,
    buffered_message_waits_for_its_subscription_and_message_ids_dedupe,
    message_written_to_the_inbox_is_published_once_even_when_handled_twice,
    timer_fires_once_across_a_restart,
    call_activity_completes_its_parent_and_cancelling_the_parent_cancels_the_child,
    changed_file_is_a_new_version_and_running_instances_keep_theirs,
    feel_failure_at_run_time_is_an_incident_not_a_crash,
    two_nodes_share_jobs_and_timers_without_doing_a_step_twice,
);

async fn local_worker_runs_the_decision_process_to_either_end(database: &TestDatabase) {
    let (store, tenant_id, processes) = node(database).await;
    let deployed = processes
        .deploy(tenant_id, &decision("= amount > 100"))
        .await
        .unwrap();
    assert_eq!(
        (deployed[0].process_id.as_str(), deployed[0].version),
        ("decision", 1)
    );
    let worker = Counting::new(JobOutcome::Complete(variables(json!({"checked": true}))));
    processes.register_worker("check", worker.clone());
    let background = processes.spawn_background();

    let big = processes
        .start(
            tenant_id,
            "decision",
            None,
            variables(json!({"amount": 150})),
            Some("order-1".into()),
        )
        .await
        .unwrap();
    let small = start_decision(&processes, tenant_id, json!(50)).await;
    until_status(&processes, tenant_id, big.id, "completed").await;
    until_status(&processes, tenant_id, small.id, "completed").await;

    let view = processes.instance(tenant_id, big.id).await.unwrap();
    assert_eq!(view.variables.get("checked"), Some(&json!(true)));
    assert_eq!(view.business_key.as_deref(), Some("order-1"));
    assert!(view.active_elements.is_empty() && view.jobs.is_empty());
    let entered = |history: &[okno_process::HistoryEntry]| {
        history
            .iter()
            .filter(|entry| entry.what == "entered")
            .filter_map(|entry| entry.element_id.clone())
            .collect::<Vec<_>>()
    };
    let history = processes.history(tenant_id, big.id).await.unwrap();
    assert_eq!(
        entered(&history),
        ["decision", "start", "check", "xor", "big"]
    );
    assert_eq!(history.last().unwrap().what, "completed");
    let history = processes.history(tenant_id, small.id).await.unwrap();
    assert_eq!(
        entered(&history),
        ["decision", "start", "check", "xor", "small"]
    );
    assert!(worker.calls().values().all(|calls| *calls == 1));
    assert_eq!(worker.calls().len(), 2);
    // Another tenant sees nothing.
    let other = tenant(&store).await;
    assert!(matches!(
        processes.instance(other, big.id).await,
        Err(ProcessError::UnknownInstance(_))
    ));
    background.abort();
}

async fn external_worker_completes_once_and_a_second_answer_is_refused(database: &TestDatabase) {
    let (_store, tenant_id, processes) = node(database).await;
    processes
        .deploy(tenant_id, &decision("= amount > 100"))
        .await
        .unwrap();
    let waiting = {
        let processes = processes.clone();
        tokio::spawn(async move {
            processes
                .activate_jobs(
                    tenant_id,
                    "check",
                    10,
                    "w1",
                    Duration::from_secs(30),
                    Duration::from_secs(5),
                )
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let instance = start_decision(&processes, tenant_id, json!(500)).await;
    let jobs = waiting.await.unwrap().unwrap();
    assert_eq!(
        jobs.len(),
        1,
        "the long poll returns the job created while it waited"
    );
    let job = &jobs[0];
    assert_eq!(
        (job.job_type.as_str(), job.element_id.as_str(), job.retries),
        ("check", "check", 2)
    );
    assert_eq!(job.variables.get("amount"), Some(&json!(500)));
    // Locked: a second worker gets nothing.
    let none = processes
        .activate_jobs(
            tenant_id,
            "check",
            10,
            "w2",
            Duration::from_secs(30),
            Duration::ZERO,
        )
        .await
        .unwrap();
    assert!(none.is_empty());
    processes
        .complete_job(tenant_id, &job.key, variables(json!({"weight": 1200})))
        .await
        .unwrap();
    let again = processes
        .complete_job(tenant_id, &job.key, Map::new())
        .await;
    assert!(
        matches!(again, Err(ProcessError::UnknownJob(_))),
        "{again:?}"
    );
    let view = processes.instance(tenant_id, instance.id).await.unwrap();
    assert_eq!(view.status, "completed");
    assert_eq!(view.variables.get("weight"), Some(&json!(1200)));
    let bad = processes
        .complete_job(tenant_id, "not-a-key", Map::new())
        .await;
    assert!(matches!(bad, Err(ProcessError::BadJobKey(_))));
}

async fn failed_job_is_retried_then_raises_an_incident_that_resolving_retries(
    database: &TestDatabase,
) {
    let (_store, tenant_id, processes) = node(database).await;
    processes
        .deploy(tenant_id, &decision("= amount > 100"))
        .await
        .unwrap();
    let instance = start_decision(&processes, tenant_id, json!(1)).await;
    let activate =
        |wait| processes.activate_jobs(tenant_id, "check", 1, "w", Duration::from_secs(30), wait);
    let job = activate(Duration::ZERO).await.unwrap().remove(0);
    processes
        .fail_job(
            tenant_id,
            &job.key,
            1,
            "printer jammed".into(),
            Duration::from_millis(300),
        )
        .await
        .unwrap();
    assert!(
        activate(Duration::ZERO).await.unwrap().is_empty(),
        "backing off"
    );
    let retried = activate(Duration::from_secs(3)).await.unwrap().remove(0);
    assert_eq!(
        (retried.key.as_str(), retried.retries),
        (job.key.as_str(), 1)
    );
    processes
        .fail_job(
            tenant_id,
            &retried.key,
            0,
            "printer on fire".into(),
            Duration::ZERO,
        )
        .await
        .unwrap();
    let incidents = processes.incidents(tenant_id).await.unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].kind, "job_no_retries");
    assert_eq!(incidents[0].element_id, "check");
    assert!(incidents[0].message.contains("printer on fire"));
    assert!(
        activate(Duration::ZERO).await.unwrap().is_empty(),
        "no job while the incident is open"
    );
    processes
        .resolve_incident(tenant_id, &incidents[0].key)
        .await
        .unwrap();
    let again = activate(Duration::ZERO).await.unwrap().remove(0);
    processes
        .complete_job(tenant_id, &again.key, Map::new())
        .await
        .unwrap();
    assert_eq!(
        processes
            .instance(tenant_id, instance.id)
            .await
            .unwrap()
            .status,
        "completed"
    );
    assert!(processes.incidents(tenant_id).await.unwrap().is_empty());
}

async fn buffered_message_waits_for_its_subscription_and_message_ids_dedupe(
    database: &TestDatabase,
) {
    let (_store, tenant_id, processes) = node(database).await;
    processes
        .deploy(tenant_id, &waiting_for_payment())
        .await
        .unwrap();
    let background = processes.spawn_background();
    let message = |key: &str, ttl: u64, id: Option<&str>| Message {
        name: "payment-received".into(),
        correlation_key: key.into(),
        variables: variables(json!({"paid_kopecks": 150_000})),
        time_to_live: Duration::from_secs(ttl),
        message_id: id.map(str::to_owned),
    };
    // Nobody waits and no time to live: dropped, and the answer says so.
    let dropped = processes
        .publish(tenant_id, message("A-1", 0, None))
        .await
        .unwrap();
    assert!(!dropped.buffered && dropped.instance.is_none() && !dropped.duplicate);
    let buffered = processes
        .publish(tenant_id, message("A-1", 60, Some("pay-1")))
        .await
        .unwrap();
    assert!(buffered.buffered && buffered.instance.is_none());
    let repeated = processes
        .publish(tenant_id, message("A-1", 60, Some("pay-1")))
        .await
        .unwrap();
    assert!(repeated.duplicate);
    assert_eq!(repeated.message, buffered.message);

    let instance = processes
        .start(
            tenant_id,
            "payment",
            None,
            variables(json!({"orderId": "A-1"})),
            None,
        )
        .await
        .unwrap();
    until_status(&processes, tenant_id, instance.id, "completed").await;
    let view = processes.instance(tenant_id, instance.id).await.unwrap();
    assert_eq!(view.variables.get("paid_kopecks"), Some(&json!(150_000)));
    let repeated = processes
        .publish(tenant_id, message("A-1", 60, Some("pay-1")))
        .await
        .unwrap();
    assert!(repeated.duplicate && !repeated.buffered);
    assert_eq!(
        repeated.instance,
        Some(instance.id),
        "the answer names where it went"
    );

    // A waiting instance takes a live message at once, and only the one with its key.
    let other = processes
        .start(
            tenant_id,
            "payment",
            None,
            variables(json!({"orderId": "B-2"})),
            None,
        )
        .await
        .unwrap();
    let live = processes
        .publish(tenant_id, message("B-2", 0, None))
        .await
        .unwrap();
    assert_eq!(live.instance, Some(other.id));
    assert_eq!(
        processes
            .instance(tenant_id, other.id)
            .await
            .unwrap()
            .status,
        "completed"
    );
    background.abort();
}

async fn message_written_to_the_inbox_is_published_once_even_when_handled_twice(
    database: &TestDatabase,
) {
    let (store, tenant_id, processes) = node(database).await;
    processes
        .deploy(tenant_id, &waiting_for_payment())
        .await
        .unwrap();
    let message = |key: &str, id: Option<&str>| Message {
        name: "payment-received".into(),
        correlation_key: key.into(),
        variables: variables(json!({"paid_kopecks": 99_00})),
        time_to_live: Duration::from_secs(60),
        message_id: id.map(str::to_owned),
    };
    for (key, id) in [("C-3", Some("pay-c")), ("D-4", None)] {
        let instance = processes
            .start(
                tenant_id,
                "payment",
                None,
                variables(json!({"orderId": key})),
                None,
            )
            .await
            .unwrap();
        // Another crate writes the row in its own transaction and runs it after the commit;
        // meanwhile the loop leaves a fresh row to its writer.
        let row = publish_request(tenant_id, instance.id, message(key, id)).unwrap();
        assert_eq!(row.kind, "publish");
        store.insert_process_inbox(vec![row.clone()]).await.unwrap();
        processes.round().await.unwrap();
        let waiting = processes.instance(tenant_id, instance.id).await.unwrap();
        assert_eq!(waiting.status, "active", "{key}: left to its writer");
        processes.run_inbox(&row).await.unwrap();
        let view = processes.instance(tenant_id, instance.id).await.unwrap();
        assert_eq!(view.status, "completed", "{key}");
        assert_eq!(view.variables.get("paid_kopecks"), Some(&json!(99_00)));
        assert!(store.process_inbox(10).await.unwrap().is_empty());

        // A crash between the publish and the row's delete: the row is still there after the
        // grace, and the loop handles it again. The message id (the row's own when the writer
        // gave none) makes the second publish a duplicate, and the row goes.
        let stale = okno_store::InboxRecord {
            created_at: chrono::Utc::now() - chrono::Duration::hours(1),
            ..row.clone()
        };
        store.insert_process_inbox(vec![stale]).await.unwrap();
        assert!(processes.round().await.unwrap() >= 1);
        assert!(store.process_inbox(10).await.unwrap().is_empty());
        let again = processes
            .publish(
                tenant_id,
                message(
                    key,
                    Some(id.map_or(row.id.to_string(), str::to_owned).as_str()),
                ),
            )
            .await
            .unwrap();
        assert!(again.duplicate, "{key}: published once");
        assert_eq!(again.instance, Some(instance.id));
    }
    let too_long = Message {
        time_to_live: MESSAGE_TTL_MAX + Duration::from_secs(1),
        ..message("E-5", None)
    };
    assert!(matches!(
        publish_request(tenant_id, uuid::Uuid::now_v7(), too_long),
        Err(ProcessError::Invalid { .. })
    ));
}

async fn timer_fires_once_across_a_restart(database: &TestDatabase) {
    let store = database.open().await.unwrap();
    let tenant_id = tenant(&store).await;
    let first = Processes::new(Arc::clone(&store), settings("a"));
    first.deploy(tenant_id, &timed("PT0.5S")).await.unwrap();
    let instance = first
        .start(tenant_id, "timed", None, Map::new(), None)
        .await
        .unwrap();
    // The node stops before the timer is due (no background loop ever ran on it).
    drop(first);
    drop(store);
    let store = database.open().await.unwrap();
    let second = Processes::new(Arc::clone(&store), settings("b"));
    let background = second.spawn_background();
    until_status(&second, tenant_id, instance.id, "completed").await;
    let history = second.history(tenant_id, instance.id).await.unwrap();
    let left_pause = history
        .iter()
        .filter(|entry| entry.what == "left" && entry.element_id.as_deref() == Some("pause"))
        .count();
    assert_eq!(left_pause, 1);
    assert!(store.due_timers(i64::MAX, 10).await.unwrap().is_empty());
    // Another round finds nothing to do.
    background.abort();
    assert_eq!(second.round().await.unwrap(), 0);
}

async fn call_activity_completes_its_parent_and_cancelling_the_parent_cancels_the_child(
    database: &TestDatabase,
) {
    let (_store, tenant_id, processes) = node(database).await;
    processes
        .deploy(tenant_id, &parent_and_child())
        .await
        .unwrap();
    let background = processes.spawn_background();
    let activate =
        |wait| processes.activate_jobs(tenant_id, "pack", 1, "w", Duration::from_secs(30), wait);

    let parent = processes
        .start(
            tenant_id,
            "parent",
            None,
            variables(json!({"orderId": "C-1"})),
            None,
        )
        .await
        .unwrap();
    let job = activate(Duration::from_secs(5)).await.unwrap().remove(0);
    assert_eq!(job.process_id, "child");
    assert_eq!(job.variables.get("orderId"), Some(&json!("C-1")));
    let child = processes
        .instance(tenant_id, job.process_instance)
        .await
        .unwrap();
    assert_eq!(child.parent, Some(parent.id));
    processes
        .complete_job(tenant_id, &job.key, variables(json!({"packed": true})))
        .await
        .unwrap();
    until_status(&processes, tenant_id, parent.id, "completed").await;
    let view = processes.instance(tenant_id, parent.id).await.unwrap();
    assert_eq!(view.variables.get("packed"), Some(&json!(true)));

    let parent = processes
        .start(tenant_id, "parent", None, Map::new(), None)
        .await
        .unwrap();
    let job = activate(Duration::from_secs(5)).await.unwrap().remove(0);
    processes.cancel(tenant_id, parent.id).await.unwrap();
    until_status(&processes, tenant_id, job.process_instance, "terminated").await;
    let late = processes
        .complete_job(tenant_id, &job.key, Map::new())
        .await;
    assert!(matches!(late, Err(ProcessError::UnknownJob(_))), "{late:?}");
    background.abort();
}

async fn changed_file_is_a_new_version_and_running_instances_keep_theirs(database: &TestDatabase) {
    let (_store, tenant_id, processes) = node(database).await;
    let first = processes
        .deploy(tenant_id, &decision("= amount > 100"))
        .await
        .unwrap();
    let old = start_decision(&processes, tenant_id, json!(150)).await;
    let same = processes
        .deploy(tenant_id, &decision("= amount > 100"))
        .await
        .unwrap();
    assert_eq!(
        (same[0].version, same[0].created),
        (first[0].version, false)
    );
    let changed = processes
        .deploy(tenant_id, &decision("= amount > 1000"))
        .await
        .unwrap();
    assert_eq!((changed[0].version, changed[0].created), (2, true));
    let new = start_decision(&processes, tenant_id, json!(150)).await;
    assert_eq!((old.version, new.version), (1, 2));
    for _ in [&old, &new] {
        let job = take_job(&processes, tenant_id, "check").await;
        processes
            .complete_job(tenant_id, &job.key, Map::new())
            .await
            .unwrap();
    }
    assert_eq!(
        last_entered(&processes, tenant_id, old.id).await,
        "big",
        "v1: 150 > 100"
    );
    assert_eq!(
        last_entered(&processes, tenant_id, new.id).await,
        "small",
        "v2: 150 is not > 1000"
    );
    let pinned = processes
        .start(
            tenant_id,
            "decision",
            Some(1),
            variables(json!({"amount": 150})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(pinned.version, 1);
    let missing = processes
        .start(tenant_id, "decision", Some(9), Map::new(), None)
        .await;
    assert!(matches!(missing, Err(ProcessError::UnknownProcess(_))));
}

async fn feel_failure_at_run_time_is_an_incident_not_a_crash(database: &TestDatabase) {
    let (_store, tenant_id, processes) = node(database).await;
    // Compiles, but `amount` arrives as text: the comparison is null, not a boolean.
    processes
        .deploy(tenant_id, &decision("= amount > 100"))
        .await
        .unwrap();
    let instance = start_decision(&processes, tenant_id, json!("lots")).await;
    let job = take_job(&processes, tenant_id, "check").await;
    processes
        .complete_job(tenant_id, &job.key, Map::new())
        .await
        .unwrap();
    let view = processes.instance(tenant_id, instance.id).await.unwrap();
    assert_eq!(view.status, "active");
    assert_eq!(view.incidents.len(), 1, "{view:?}");
    assert_eq!(view.incidents[0].element_id, "xor");
    // A broken expression never deploys.
    let broken = processes.deploy(tenant_id, &decision("= amount >")).await;
    assert!(matches!(broken, Err(ProcessError::Deploy(_))), "{broken:?}");
}

async fn two_nodes_share_jobs_and_timers_without_doing_a_step_twice(database: &TestDatabase) {
    let store_a = database.open().await.unwrap();
    let tenant_id = tenant(&store_a).await;
    let store_b = database.open().await.unwrap();
    let a = Processes::new(Arc::clone(&store_a), settings("a"));
    let b = Processes::new(Arc::clone(&store_b), settings("b"));
    a.deploy(tenant_id, &decision("= amount > 100"))
        .await
        .unwrap();
    a.deploy(tenant_id, &timed("PT0.2S")).await.unwrap();
    let worker_a = Counting::new(JobOutcome::Complete(Map::new()));
    let worker_b = Counting::new(JobOutcome::Complete(Map::new()));
    a.register_worker("check", worker_a.clone());
    b.register_worker("check", worker_b.clone());
    let loops = [a.spawn_background(), b.spawn_background()];
    let mut started = Vec::new();
    for index in 0..60 {
        let node = if index % 2 == 0 { &a } else { &b };
        let decision = node
            .start(
                tenant_id,
                "decision",
                None,
                variables(json!({"amount": index * 10})),
                None,
            )
            .await
            .unwrap();
        let timed = node
            .start(tenant_id, "timed", None, Map::new(), None)
            .await
            .unwrap();
        started.push(decision.id);
        started.push(timed.id);
    }
    for id in &started {
        until_status(&a, tenant_id, *id, "completed").await;
    }
    let mut calls = worker_a.calls();
    for (key, count) in worker_b.calls() {
        *calls.entry(key).or_default() += count;
    }
    assert_eq!(calls.len(), 60);
    assert!(
        calls.values().all(|count| *count == 1),
        "a job ran twice: {calls:?}"
    );
    for id in &started {
        let history = a.history(tenant_id, *id).await.unwrap();
        let completed = history
            .iter()
            .filter(|entry| entry.what == "completed")
            .count();
        assert_eq!(completed, 1);
        let pauses = history
            .iter()
            .filter(|entry| entry.what == "left" && entry.element_id.as_deref() == Some("pause"))
            .count();
        assert!(pauses <= 1, "timer fired twice in {id}");
    }
    for background in loops {
        background.abort();
    }
}
