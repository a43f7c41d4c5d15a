//! The conformance checks for identities every `Store` backend must pass:
//! IAM entities (unique per kind without regard to case), their documents
//! and links (gone with the entity), access keys of users, STS sessions.

use super::*;

fn entity(id: &str, kind: &str, name: &str) -> IamEntityRow {
    IamEntityRow {
        id: id.into(),
        kind: kind.into(),
        name_key: name.to_lowercase(),
        arn: format!("arn:aws:iam::000000000000:{kind}/{name}"),
        body: format!(r#"{{"name":"{name}"}}"#),
    }
}

fn document(owner: &str, name: &str, text: &str) -> IamDocumentRow {
    IamDocumentRow {
        owner: owner.into(),
        name: name.into(),
        document: text.into(),
        created: 1,
    }
}

fn session(id: &str, expires: Millis) -> StsSessionRow {
    StsSessionRow {
        access_key_id: id.into(),
        wrapped_secret: vec![1, 2, 3],
        token_hash: vec![9; 32],
        principal: "{}".into(),
        expires,
        created: 0,
    }
}

pub async fn run_all(store: &dyn Store) {
    entities_round_trip_and_are_unique(store).await;
    documents_and_links_go_with_their_entity(store).await;
    sessions_round_trip_and_expire(store).await;
}

async fn entities_round_trip_and_are_unique(store: &dyn Store) {
    let alice = entity("AIDA1", "user", "Alice");
    let stored = alice.clone();
    write(store, move |txn| txn.put_iam_entity(&stored))
        .await
        .unwrap();
    let (by_name, by_id, by_arn, users) = read(store, |txn| {
        Ok::<_, StoreError>((
            txn.iam_entity("user", "alice")?,
            txn.iam_entity_by_id("AIDA1")?,
            txn.iam_entity_by_arn("arn:aws:iam::000000000000:user/Alice")?,
            txn.iam_entities("user")?,
        ))
    })
    .await
    .unwrap();
    assert_eq!(by_name.as_ref(), Some(&alice));
    assert_eq!(by_id.as_ref(), Some(&alice));
    assert_eq!(by_arn.as_ref(), Some(&alice));
    assert_eq!(users, vec![alice.clone()]);

    // Another user called ALICE is the same name; a group may share it.
    let clash = write(store, |txn| {
        txn.put_iam_entity(&entity("AIDA2", "user", "ALICE"))
    })
    .await;
    assert!(
        clash.is_err(),
        "names are unique per kind, whatever the case"
    );
    write(store, |txn| {
        txn.put_iam_entity(&entity("AGPA1", "group", "alice"))
    })
    .await
    .unwrap();

    // Putting by id replaces.
    let mut renamed = alice.clone();
    renamed.body = r#"{"name":"Alice","tags":[]}"#.into();
    let stored = renamed.clone();
    write(store, move |txn| txn.put_iam_entity(&stored))
        .await
        .unwrap();
    let again = read(store, |txn| txn.iam_entity_by_id("AIDA1"))
        .await
        .unwrap();
    assert_eq!(again, Some(renamed));
}

async fn documents_and_links_go_with_their_entity(store: &dyn Store) {
    write(store, |txn| {
        txn.put_iam_entity(&entity("AIDA9", "user", "bob"))?;
        txn.put_iam_entity(&entity("AGPA9", "group", "devs"))?;
        txn.put_iam_entity(&entity("ANPA9", "policy", "read"))?;
        txn.put_iam_document(&document("AIDA9", "inline", "{}"))?;
        txn.put_iam_document(&document("AIDA9", "inline", r#"{"v":2}"#))?;
        txn.put_iam_document(&document("ANPA9", "v1", "{}"))?;
        txn.link_iam("member", "AGPA9", "AIDA9")?;
        txn.link_iam("member", "AGPA9", "AIDA9")?;
        txn.link_iam("attached", "AIDA9", "ANPA9")?;
        txn.insert_access_key(&AccessKeyRow {
            access_key_id: "AKIABOB".into(),
            principal_arn: "arn:aws:iam::000000000000:user/bob".into(),
            wrapped_secret: vec![7],
            created: 0,
            active: true,
            user_id: Some("AIDA9".into()),
        })
    })
    .await
    .unwrap();
    let (docs, groups, members, attached, key) = read(store, |txn| {
        Ok::<_, StoreError>((
            txn.iam_documents("AIDA9")?,
            txn.iam_links_to("member", "AIDA9")?,
            txn.iam_links_from("member", "AGPA9")?,
            txn.iam_links_from("attached", "AIDA9")?,
            txn.access_key("AKIABOB")?,
        ))
    })
    .await
    .unwrap();
    assert_eq!(docs, vec![document("AIDA9", "inline", r#"{"v":2}"#)]);
    assert_eq!(groups, vec!["AGPA9".to_string()]);
    assert_eq!(members, vec!["AIDA9".to_string()]);
    assert_eq!(attached, vec!["ANPA9".to_string()]);
    assert_eq!(key.and_then(|k| k.user_id).as_deref(), Some("AIDA9"));

    write(store, |txn| {
        txn.unlink_iam("attached", "AIDA9", "ANPA9")?;
        txn.delete_iam_document("ANPA9", "v1")?;
        txn.delete_iam_entity("AIDA9")
    })
    .await
    .unwrap();
    let (user, docs, members, key, policy_docs) = read(store, |txn| {
        Ok::<_, StoreError>((
            txn.iam_entity_by_id("AIDA9")?,
            txn.iam_documents("AIDA9")?,
            txn.iam_links_from("member", "AGPA9")?,
            txn.access_key("AKIABOB")?,
            txn.iam_documents("ANPA9")?,
        ))
    })
    .await
    .unwrap();
    assert_eq!(user, None);
    assert!(docs.is_empty(), "inline policies go with the user");
    assert!(members.is_empty(), "memberships go with the user");
    assert!(key.is_none(), "access keys go with the user");
    assert!(policy_docs.is_empty());
}

async fn sessions_round_trip_and_expire(store: &dyn Store) {
    write(store, |txn| {
        txn.put_sts_session(&session("ASIAOLD", 100))?;
        txn.put_sts_session(&session("ASIANEW", 10_000))
    })
    .await
    .unwrap();
    let (found, all) = read(store, |txn| {
        Ok::<_, StoreError>((txn.sts_session("ASIANEW")?, txn.sts_sessions()?))
    })
    .await
    .unwrap();
    assert_eq!(found, Some(session("ASIANEW", 10_000)));
    assert_eq!(all.len(), 2);
    let removed = write(store, |txn| txn.delete_sts_sessions_before(5_000))
        .await
        .unwrap();
    assert_eq!(removed, 1);
    let (old, new) = read(store, |txn| {
        Ok::<_, StoreError>((txn.sts_session("ASIAOLD")?, txn.sts_session("ASIANEW")?))
    })
    .await
    .unwrap();
    assert_eq!(old, None);
    assert!(new.is_some());
}
