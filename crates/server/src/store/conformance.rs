//! The conformance suite every `Store` backend must pass.
//!
//! Backend-neutral checks of the `Store` contract: round trips, the
//! one-label-one-version invariant, rollback of failed jobs, group commit,
//! a panicking job, and durability across reopening. The SQLite backend runs
//! it in its tests; a future PostgreSQL backend calls the same functions.

use std::sync::Arc;

use super::*;

/// Opens a backend on the same underlying database each time it is called.
pub type Open<'a> = &'a dyn Fn() -> Arc<dyn Store>;

/// Runs every check. Panics on the first failure.
pub async fn run_all(open: Open<'_>) {
    let store = open();
    round_trips(&*store).await;
    names_are_unique_per_region(&*store).await;
    a_label_is_on_one_version(&*store).await;
    failed_jobs_change_nothing(&*store).await;
    a_panicking_job_changes_nothing(&*store).await;
    concurrent_writes_all_commit(Arc::clone(&store)).await;
    deleting_a_secret_removes_its_versions(&*store).await;
    secrets_are_counted(&*store).await;
    reads_see_every_acknowledged_change(&*store).await;
    super::conformance_iam::run_all(&*store).await;
    super::conformance_audit::run_all(&*store).await;
    drop(store);
    survives_reopening(open).await;
}

pub fn sample_secret(region: &str, name: &str) -> SecretRow {
    SecretRow {
        id: 0,
        region: region.into(),
        name: name.into(),
        arn: format!("arn:aws:secretsmanager:{region}:000000000000:secret:{name}-AbCdEf"),
        description: Some("a description".into()),
        kms_key_id: None,
        secret_type: None,
        tags: Some(vec![("env".into(), "prod".into())]),
        resource_policy: None,
        rotation: Some(Rotation {
            enabled: false,
            lambda_arn: Some("arn:aws:lambda:us-east-1:000000000000:function:f".into()),
            automatically_after_days: Some(30),
            duration: None,
            schedule_expression: None,
            last_rotated: None,
            next_rotation: None,
        }),
        created: 1_700_000_000_000,
        last_changed: 1_700_000_000_000,
        last_accessed: None,
        deleted: None,
        deletion_date: None,
        primary_region: None,
        replicas: vec![Replica {
            region: "eu-west-1".into(),
            kms_key_id: None,
            status: "InSync".into(),
            status_message: None,
        }],
        owning_service: None,
    }
}

fn version(id: &str, created: Millis) -> VersionRow {
    VersionRow {
        version_id: id.into(),
        created,
        last_accessed: None,
        stages: Vec::new(),
        kms_key_id: Some("k".into()),
        has_value: true,
    }
}

fn sealed(byte: u8) -> SealedValue {
    SealedValue {
        kind: ValueKind::Binary,
        kms_key_id: "k".into(),
        wrapped_key: vec![byte; 8],
        ciphertext: vec![byte; 16],
    }
}

async fn insert_with_versions(store: &dyn Store, row: SecretRow, versions: &[&str]) -> SecretKey {
    let versions: Vec<String> = versions.iter().map(|v| v.to_string()).collect();
    write(store, move |txn| {
        let id = txn.insert_secret(&row)?;
        for (i, v) in versions.iter().enumerate() {
            txn.insert_version(id, &version(v, 1000 + i as i64), Some(&sealed(i as u8)))?;
        }
        Ok::<_, StoreError>(id)
    })
    .await
    .expect("insert")
}

async fn round_trips(store: &dyn Store) {
    let row = sample_secret("us-east-1", "conformance/round-trip");
    let expected = row.clone();
    let id = insert_with_versions(store, row, &["v1", "v2"]).await;
    write(store, move |txn| {
        txn.set_stages(
            id,
            &[
                ("AWSCURRENT".into(), "v2".into()),
                ("AWSPREVIOUS".into(), "v1".into()),
            ],
        )
    })
    .await
    .unwrap();
    let (by_name, by_id, versions, value, missing) = read(store, move |txn| {
        Ok::<_, StoreError>((
            txn.secret_by_name("us-east-1", "conformance/round-trip")?,
            txn.secret_by_id(id)?,
            txn.versions(id)?,
            txn.sealed_value(id, "v2")?,
            txn.sealed_value(id, "nope")?,
        ))
    })
    .await
    .unwrap();
    let mut expected = expected;
    expected.id = id;
    assert_eq!(by_name.as_ref(), Some(&expected));
    assert_eq!(by_id.as_ref(), Some(&expected));
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].version_id, "v1");
    assert_eq!(versions[0].stages, vec!["AWSPREVIOUS".to_string()]);
    assert_eq!(versions[1].stages, vec!["AWSCURRENT".to_string()]);
    assert_eq!(value, Some(sealed(1)));
    assert_eq!(missing, None);
}

async fn names_are_unique_per_region(store: &dyn Store) {
    insert_with_versions(store, sample_secret("us-east-1", "conformance/unique"), &[]).await;
    let again = write(store, |txn| {
        let mut row = sample_secret("us-east-1", "conformance/unique");
        row.arn.push('x');
        txn.insert_secret(&row)
    })
    .await;
    assert!(
        again.is_err(),
        "a second secret with the same name was accepted"
    );
    // The same name in another region is another secret.
    insert_with_versions(store, sample_secret("eu-west-1", "conformance/unique"), &[]).await;
}

async fn a_label_is_on_one_version(store: &dyn Store) {
    let id = insert_with_versions(
        store,
        sample_secret("us-east-1", "conformance/labels"),
        &["a", "b"],
    )
    .await;
    let twice = write(store, move |txn| {
        txn.set_stages(
            id,
            &[
                ("AWSCURRENT".into(), "a".into()),
                ("AWSCURRENT".into(), "b".into()),
            ],
        )
    })
    .await;
    assert!(twice.is_err(), "one label on two versions was accepted");
    let dangling = write(store, move |txn| {
        txn.set_stages(id, &[("X".into(), "missing".into())])
    })
    .await;
    assert!(
        dangling.is_err(),
        "a label on a missing version was accepted"
    );
}

async fn failed_jobs_change_nothing(store: &dyn Store) {
    let result: Result<(), StoreError> = write(store, |txn| {
        txn.insert_secret(&sample_secret("us-east-1", "conformance/rolled-back"))?;
        Err(StoreError("the job changed its mind".into()))
    })
    .await;
    assert!(result.is_err());
    let found = read(store, |txn| {
        txn.secret_by_name("us-east-1", "conformance/rolled-back")
    })
    .await
    .unwrap();
    assert_eq!(found, None);
}

async fn a_panicking_job_changes_nothing(store: &dyn Store) {
    let result: Result<(), StoreError> = write(store, |txn| {
        txn.insert_secret(&sample_secret("us-east-1", "conformance/panicked"))?;
        panic!("a job panics");
    })
    .await;
    assert!(result.is_err());
    let found = read(store, |txn| {
        txn.secret_by_name("us-east-1", "conformance/panicked")
    })
    .await
    .unwrap();
    assert_eq!(found, None);
    // The writer still works afterwards.
    insert_with_versions(
        store,
        sample_secret("us-east-1", "conformance/after-panic"),
        &[],
    )
    .await;
}

async fn concurrent_writes_all_commit(store: Arc<dyn Store>) {
    let mut tasks = Vec::new();
    for i in 0..50 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let fail = i % 7 == 0;
            write(&*store, move |txn| {
                txn.insert_secret(&sample_secret("ap-south-1", &format!("conformance/c{i}")))?;
                if fail {
                    return Err(StoreError("odd one out".into()));
                }
                Ok(())
            })
            .await
        }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        let result = task.await.unwrap();
        assert_eq!(result.is_ok(), i % 7 != 0, "job {i}");
    }
    let names: Vec<String> = read(&*store, |txn| txn.secrets_in_region("ap-south-1"))
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names.len(), 50 - 8);
    assert!(!names.contains(&"conformance/c7".to_string()));
    let by_prefix = |prefix: &'static str| {
        let store = Arc::clone(&store);
        async move {
            read(&*store, move |txn| {
                txn.secrets_with_name_prefix("ap-south-1", prefix)
            })
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.name)
            .collect::<Vec<_>>()
        }
    };
    // c1, c10–c19 (c14 failed): the range holds exactly the prefix's names,
    // in the store's order.
    let c1: Vec<String> = names
        .iter()
        .filter(|n| n.starts_with("conformance/c1"))
        .cloned()
        .collect();
    assert_eq!(c1.len(), 10);
    assert_eq!(by_prefix("conformance/c1").await, c1);
    assert_eq!(by_prefix("").await, names);
    assert!(by_prefix("conformance/d").await.is_empty());
}

/// However a backend speeds up reads (the SQLite one keeps recently read
/// secrets in memory), a read after a write's acknowledgement sees it.
async fn reads_see_every_acknowledged_change(store: &dyn Store) {
    let id = insert_with_versions(
        store,
        sample_secret("sa-east-1", "conformance/fresh"),
        &["a"],
    )
    .await;
    let job = move |txn: &dyn ReadTxn| {
        let row = txn.secret_by_name("sa-east-1", "conformance/fresh")?;
        let by_id = txn.secret_by_id(id)?;
        let versions = txn.versions(id)?;
        let value = txn.sealed_value(id, "b")?;
        StoreResult::Ok((row, by_id, versions, value))
    };
    // Through the read pool, then through the caller's-thread path (which
    // a backend may answer from memory): both must be current.
    let snapshot = || async {
        let pooled = read(store, job).await.unwrap();
        let fast = read_fast(store, job).await.unwrap();
        assert_eq!(pooled, fast, "the memory path disagrees with storage");
        pooled
    };
    for _ in 0..2 {
        let (row, by_id, versions, value) = snapshot().await;
        assert_eq!(row.unwrap().description.as_deref(), Some("a description"));
        assert_eq!(by_id.unwrap().description.as_deref(), Some("a description"));
        assert_eq!(versions.len(), 1);
        assert!(value.is_none());
    }
    write(store, move |txn| {
        let mut row = txn.secret_by_id(id)?.expect("exists");
        row.description = Some("changed".into());
        txn.update_secret(&row)?;
        txn.insert_version(id, &version("b", 2000), Some(&sealed(9)))?;
        txn.set_stages(id, &[("AWSCURRENT".into(), "b".into())])
    })
    .await
    .unwrap();
    let (row, by_id, versions, value) = snapshot().await;
    assert_eq!(row.unwrap().description.as_deref(), Some("changed"));
    assert_eq!(by_id.unwrap().description.as_deref(), Some("changed"));
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1].stages, vec!["AWSCURRENT".to_string()]);
    assert_eq!(value, Some(sealed(9)));
    write(store, move |txn| txn.delete_secret(id))
        .await
        .unwrap();
    let (row, by_id, versions, _) = snapshot().await;
    assert!(row.is_none() && by_id.is_none() && versions.is_empty());
    kms_reads_see_every_acknowledged_change(store).await;
}

async fn kms_reads_see_every_acknowledged_change(store: &dyn Store) {
    let key = KmsKeyRow {
        key_id: "conformance-key".into(),
        region: "sa-east-1".into(),
        arn: "arn:aws:kms:sa-east-1:000000000000:key/conformance-key".into(),
        description: String::new(),
        key_manager: "CUSTOMER".into(),
        state: "Enabled".into(),
        created: 1,
        deletion_date: None,
        pending_window_days: None,
        policy: "{}".into(),
        tags: Vec::new(),
        rotation_period_days: None,
        next_rotation: None,
    };
    let material = |version: u32| KeyMaterialRow {
        key_id: "conformance-key".into(),
        version,
        wrapped: vec![version as u8; 4],
        created: 1,
        rotation_type: None,
    };
    let inserted = (key.clone(), material(1));
    write(store, move |txn| {
        txn.insert_kms_key(&inserted.0)?;
        txn.insert_key_material(&inserted.1)
    })
    .await
    .unwrap();
    let key_state = || async {
        read(store, |txn| {
            StoreResult::Ok((
                txn.kms_key("conformance-key")?.map(|k| k.state),
                txn.key_materials("conformance-key")?.len(),
            ))
        })
        .await
        .unwrap()
    };
    assert_eq!(key_state().await, (Some("Enabled".into()), 1));
    assert_eq!(key_state().await, (Some("Enabled".into()), 1));
    let disabled = KmsKeyRow {
        state: "Disabled".into(),
        ..key
    };
    write(store, move |txn| {
        txn.update_kms_key(&disabled)?;
        txn.insert_key_material(&material(2))
    })
    .await
    .unwrap();
    assert_eq!(key_state().await, (Some("Disabled".into()), 2));
}

async fn deleting_a_secret_removes_its_versions(store: &dyn Store) {
    let id = insert_with_versions(
        store,
        sample_secret("us-east-1", "conformance/deleted"),
        &["a"],
    )
    .await;
    write(store, move |txn| {
        txn.set_stages(id, &[("AWSCURRENT".into(), "a".into())])?;
        txn.delete_secret(id)
    })
    .await
    .unwrap();
    let (secret, versions) = read(store, move |txn| {
        Ok::<_, StoreError>((txn.secret_by_id(id)?, txn.versions(id)?))
    })
    .await
    .unwrap();
    assert_eq!(secret, None);
    assert!(versions.is_empty());
}

async fn secrets_are_counted(store: &dyn Store) {
    let counts = || read(store, |txn| txn.secret_counts());
    let before = counts().await.unwrap();
    let mut scheduled = sample_secret("eu-west-3", "conformance/counted-deleting");
    scheduled.deleted = Some(1_700_000_000_000);
    scheduled.deletion_date = Some(1_700_000_000_000 + 7 * 86_400_000);
    for row in [sample_secret("eu-west-3", "conformance/counted"), scheduled] {
        write(store, move |txn| txn.insert_secret(&row))
            .await
            .unwrap();
    }
    let after = counts().await.unwrap();
    assert_eq!(after.stored, before.stored + 2);
    assert_eq!(after.pending_deletion, before.pending_deletion + 1);
}

async fn survives_reopening(open: Open<'_>) {
    let store = open();
    let id = insert_with_versions(
        &*store,
        sample_secret("sa-east-1", "conformance/durable"),
        &["v"],
    )
    .await;
    drop(store);
    let store = open();
    let versions = read(&*store, move |txn| txn.versions(id)).await.unwrap();
    assert_eq!(versions.len(), 1);
}
