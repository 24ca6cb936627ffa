//! Roll-out rows on both backends (SQLite in a temp file, PostgreSQL in a fresh database):
//! one running at a time, every change a compare-and-set on the revision, the newest listed
//! first, and finished ones pruned beyond a count while the running one stays.

use std::future::Future;

use nba_store::{Backend, Store, StoreError};

async fn on<F, Fut>(backend: Backend, check: F)
where
    F: FnOnce(Store) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    nba_testkit::on_store(backend, "nba_rollouts", check).await
}

async fn one_runs_at_a_time_and_every_change_is_a_compare_and_set(store: Store) {
    let a = store.insert_rollout(r#"{"n":1}"#, "t1").await.unwrap();
    assert_eq!((a.state.as_str(), a.revision), ("running", 1));
    let e = store.insert_rollout("{}", "t1").await.unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e}");
    assert_eq!(store.running_rollout().await.unwrap().unwrap().id, a.id);
    let b = store
        .update_rollout(a.id, 1, "running", r#"{"n":2}"#, "t2")
        .await
        .unwrap()
        .expect("the revision matches");
    assert_eq!((b.revision, b.updated_at.as_str()), (2, "t2"));
    // A change made from a stale revision changes nothing.
    assert!(store
        .update_rollout(a.id, 1, "stopped", "{}", "t3")
        .await
        .unwrap()
        .is_none());
    let c = store
        .update_rollout(a.id, 2, "promoted", r#"{"n":3}"#, "t3")
        .await
        .unwrap()
        .expect("the revision matches");
    assert_eq!(
        (c.state.as_str(), c.plan.as_str()),
        ("promoted", r#"{"n":3}"#)
    );
    assert!(store.running_rollout().await.unwrap().is_none());
    let d = store.insert_rollout("{}", "t4").await.unwrap();
    let listed: Vec<i64> = store
        .latest_rollouts(10)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(listed, [d.id, a.id]);
}

async fn finished_roll_outs_are_pruned_beyond_a_count(store: Store) {
    for _ in 0..5 {
        let r = store.insert_rollout("{}", "t").await.unwrap();
        store
            .update_rollout(r.id, 1, "stopped", "{}", "t")
            .await
            .unwrap()
            .unwrap();
    }
    let running = store.insert_rollout("{}", "t").await.unwrap();
    assert_eq!(store.prune_rollouts(2).await.unwrap(), 3);
    let left = store.latest_rollouts(10).await.unwrap();
    assert_eq!(left.len(), 3);
    assert_eq!(left[0].id, running.id);
    assert_eq!(store.prune_rollouts(2).await.unwrap(), 0);
    assert_eq!(store.prune_rollouts(0).await.unwrap(), 2);
    assert_eq!(
        store.running_rollout().await.unwrap().unwrap().id,
        running.id
    );
}

both!(
    one_runs_at_a_time_and_every_change_is_a_compare_and_set,
    finished_roll_outs_are_pruned_beyond_a_count,
);
