//! The conformance checks for the audit trail every `Store` backend must
//! pass: events in sequence with their chain columns, the head, checkpoints
//! (by seq and by time), LookupEvents' filters and paging, and pruning up
//! to an anchor.

use super::*;

fn event(seq: i64, name: &str, user: &str, resource: &str) -> AuditEventRow {
    AuditEventRow {
        seq,
        event_id: format!("id-{seq}"),
        event_time: seq * 1000,
        event_name: name.into(),
        event_source: "secretsmanager.amazonaws.com".into(),
        username: Some(user.into()),
        access_key_id: Some("AKIA1".into()),
        read_only: name.starts_with("Get"),
        resources: format!(r#"[{{"type":"AWS::SecretsManager::Secret","name":"{resource}"}}]"#),
        record: format!(r#"{{"eventName":"{name}","n":{seq}}}"#),
        prev_hash: vec![seq as u8 - 1; 32],
        hash: vec![seq as u8; 32],
        mac: vec![7; 32],
    }
}

fn checkpoint(seq: i64) -> AuditCheckpointRow {
    AuditCheckpointRow {
        seq,
        hash: vec![seq as u8; 32],
        time: seq * 1000,
        signature: vec![1; 64],
    }
}

fn query(attribute: Option<(&str, &str)>, limit: usize) -> AuditQuery {
    AuditQuery {
        start: 0,
        end: i64::MAX,
        before_seq: None,
        attribute: attribute.map(|(k, v)| (k.into(), v.into())),
        limit,
    }
}

pub async fn run_all(store: &dyn Store) {
    let events = vec![
        event(1, "CreateSecret", "root", "arn:a"),
        event(2, "GetSecretValue", "alice", "arn:a"),
        event(3, "GetSecretValue", "bob", "arn:b"),
        event(4, "PutSecretValue", "alice", "arn:a"),
    ];
    let stored = events.clone();
    write(store, move |txn| {
        for e in &stored {
            txn.append_audit_event(e)?;
        }
        txn.put_audit_checkpoint(&checkpoint(1))?;
        txn.put_audit_checkpoint(&checkpoint(3))
    })
    .await
    .unwrap();
    let duplicate = write(store, |txn| {
        txn.append_audit_event(&event(4, "X", "x", "arn:x"))
    })
    .await;
    assert!(duplicate.is_err(), "a seq is written once");

    let (head, after, cps, at, before) = read(store, |txn| {
        Ok::<_, StoreError>((
            txn.audit_head()?,
            txn.audit_events_after(1, 2)?,
            txn.audit_checkpoints_after(0, 10)?,
            txn.audit_checkpoint_at(3)?,
            txn.audit_checkpoint_before(2500)?,
        ))
    })
    .await
    .unwrap();
    assert_eq!(head, Some((4, vec![4; 32])));
    assert_eq!(after, events[1..3].to_vec());
    assert_eq!(cps, vec![checkpoint(1), checkpoint(3)]);
    assert_eq!(at, Some(checkpoint(3)));
    assert_eq!(
        before,
        Some(checkpoint(1)),
        "the newest at or before the time"
    );

    let lookups = read(store, |txn| {
        Ok::<_, StoreError>((
            txn.lookup_audit_events(&query(None, 10))?,
            txn.lookup_audit_events(&query(Some(("EventName", "GetSecretValue")), 10))?,
            txn.lookup_audit_events(&query(Some(("Username", "alice")), 1))?,
            txn.lookup_audit_events(&query(Some(("ResourceName", "arn:b")), 10))?,
            txn.lookup_audit_events(&query(Some(("ReadOnly", "true")), 10))?,
            txn.lookup_audit_events(&AuditQuery {
                before_seq: Some(4),
                start: 2000,
                ..query(None, 10)
            })?,
        ))
    })
    .await
    .unwrap();
    let seqs = |rows: &[AuditEventRow]| rows.iter().map(|r| r.seq).collect::<Vec<_>>();
    assert_eq!(seqs(&lookups.0), vec![4, 3, 2, 1], "newest first");
    assert_eq!(seqs(&lookups.1), vec![3, 2]);
    assert_eq!(seqs(&lookups.2), vec![4]);
    assert_eq!(seqs(&lookups.3), vec![3]);
    assert_eq!(seqs(&lookups.4), vec![3, 2]);
    assert_eq!(
        seqs(&lookups.5),
        vec![3, 2],
        "paged below seq 4, from time 2000"
    );

    // Pruning through 3 keeps the checkpoint at 3 as the anchor.
    let pruned = write(store, |txn| txn.prune_audit_through(3))
        .await
        .unwrap();
    assert_eq!(pruned, 3);
    let (first, cps) = read(store, |txn| {
        Ok::<_, StoreError>((txn.first_audit_seq()?, txn.audit_checkpoints_after(0, 10)?))
    })
    .await
    .unwrap();
    assert_eq!(first, Some(4));
    assert_eq!(cps, vec![checkpoint(3)]);
}
