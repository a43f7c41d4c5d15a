//! SQL for identities: access keys, IAM entities, their policy documents
//! and links, and STS sessions.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::codec::err;
use crate::store::{
    AccessKeyRow, IamDocumentRow, IamEntityRow, Millis, StoreError, StoreResult, StsSessionRow,
};

const ACCESS_KEY_COLUMNS: &str =
    "access_key_id, principal_arn, wrapped_secret, created_ms, active, user_id";

fn access_key_row(r: &Row) -> rusqlite::Result<AccessKeyRow> {
    Ok(AccessKeyRow {
        access_key_id: r.get(0)?,
        principal_arn: r.get(1)?,
        wrapped_secret: r.get(2)?,
        created: r.get(3)?,
        active: r.get(4)?,
        user_id: r.get(5)?,
    })
}

pub fn access_key(conn: &Connection, access_key_id: &str) -> StoreResult<Option<AccessKeyRow>> {
    conn.prepare_cached(&format!(
        "SELECT {ACCESS_KEY_COLUMNS} FROM access_keys WHERE access_key_id = ?1"
    ))
    .map_err(err)?
    .query_row([access_key_id], access_key_row)
    .optional()
    .map_err(err)
}

pub fn access_keys(conn: &Connection) -> StoreResult<Vec<AccessKeyRow>> {
    conn.prepare_cached(&format!(
        "SELECT {ACCESS_KEY_COLUMNS} FROM access_keys ORDER BY access_key_id"
    ))
    .map_err(err)?
    .query_map([], access_key_row)
    .map_err(err)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .map_err(err)
}

pub fn insert_access_key(conn: &Connection, k: &AccessKeyRow) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO access_keys ({ACCESS_KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    ))
    .map_err(err)?
    .execute(params![
        k.access_key_id,
        k.principal_arn,
        k.wrapped_secret,
        k.created,
        k.active,
        k.user_id
    ])
    .map_err(err)
    .map(drop)
}

pub fn update_access_key(conn: &Connection, k: &AccessKeyRow) -> StoreResult<()> {
    let changed = conn
        .prepare_cached(
            "UPDATE access_keys SET principal_arn = ?2, wrapped_secret = ?3, active = ?4,
                 user_id = ?5
             WHERE access_key_id = ?1",
        )
        .map_err(err)?
        .execute(params![
            k.access_key_id,
            k.principal_arn,
            k.wrapped_secret,
            k.active,
            k.user_id
        ])
        .map_err(err)?;
    if changed != 1 {
        return Err(StoreError(format!(
            "access key {} does not exist",
            k.access_key_id
        )));
    }
    Ok(())
}

pub fn delete_access_key(conn: &Connection, access_key_id: &str) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM access_keys WHERE access_key_id = ?1")
        .map_err(err)?
        .execute([access_key_id])
        .map_err(err)
        .map(drop)
}

fn entity_row(r: &Row) -> rusqlite::Result<IamEntityRow> {
    Ok(IamEntityRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        name_key: r.get(2)?,
        arn: r.get(3)?,
        body: r.get(4)?,
    })
}

fn entities_where(
    conn: &Connection,
    clause: &str,
    args: &[&dyn rusqlite::ToSql],
) -> StoreResult<Vec<IamEntityRow>> {
    conn.prepare_cached(&format!(
        "SELECT id, kind, name_key, arn, body FROM iam_entities WHERE {clause}"
    ))
    .map_err(err)?
    .query_map(args, entity_row)
    .map_err(err)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .map_err(err)
}

pub fn entity(conn: &Connection, kind: &str, name_key: &str) -> StoreResult<Option<IamEntityRow>> {
    Ok(entities_where(conn, "kind = ?1 AND name_key = ?2", &[&kind, &name_key])?.pop())
}

pub fn entity_by_id(conn: &Connection, id: &str) -> StoreResult<Option<IamEntityRow>> {
    Ok(entities_where(conn, "id = ?1", &[&id])?.pop())
}

pub fn entity_by_arn(conn: &Connection, arn: &str) -> StoreResult<Option<IamEntityRow>> {
    Ok(entities_where(conn, "arn = ?1", &[&arn])?.pop())
}

pub fn entities(conn: &Connection, kind: &str) -> StoreResult<Vec<IamEntityRow>> {
    entities_where(conn, "kind = ?1 ORDER BY name_key", &[&kind])
}

pub fn put_entity(conn: &Connection, e: &IamEntityRow) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO iam_entities (id, kind, name_key, arn, body) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name_key = excluded.name_key,
             arn = excluded.arn, body = excluded.body",
    )
    .map_err(err)?
    .execute(params![e.id, e.kind, e.name_key, e.arn, e.body])
    .map_err(err)
    .map(drop)
}

/// Documents and links go with the entity (foreign keys cascade); access
/// keys of a user are removed explicitly because they predate IAM.
pub fn delete_entity(conn: &Connection, id: &str) -> StoreResult<()> {
    for sql in [
        "DELETE FROM access_keys WHERE user_id = ?1",
        "DELETE FROM iam_entities WHERE id = ?1",
    ] {
        conn.prepare_cached(sql)
            .map_err(err)?
            .execute([id])
            .map_err(err)?;
    }
    Ok(())
}

pub fn documents(conn: &Connection, owner: &str) -> StoreResult<Vec<IamDocumentRow>> {
    conn.prepare_cached(
        "SELECT owner, name, document, created_ms FROM iam_documents
         WHERE owner = ?1 ORDER BY name",
    )
    .map_err(err)?
    .query_map([owner], |r| {
        Ok(IamDocumentRow {
            owner: r.get(0)?,
            name: r.get(1)?,
            document: r.get(2)?,
            created: r.get(3)?,
        })
    })
    .map_err(err)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .map_err(err)
}

pub fn put_document(conn: &Connection, d: &IamDocumentRow) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO iam_documents (owner, name, document, created_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (owner, name) DO UPDATE SET document = excluded.document,
             created_ms = excluded.created_ms",
    )
    .map_err(err)?
    .execute(params![d.owner, d.name, d.document, d.created])
    .map_err(err)
    .map(drop)
}

pub fn delete_document(conn: &Connection, owner: &str, name: &str) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM iam_documents WHERE owner = ?1 AND name = ?2")
        .map_err(err)?
        .execute([owner, name])
        .map_err(err)
        .map(drop)
}

fn linked(conn: &Connection, sql: &str, kind: &str, id: &str) -> StoreResult<Vec<String>> {
    conn.prepare_cached(sql)
        .map_err(err)?
        .query_map([kind, id], |r| r.get(0))
        .map_err(err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(err)
}

pub fn links_from(conn: &Connection, kind: &str, from: &str) -> StoreResult<Vec<String>> {
    linked(
        conn,
        "SELECT to_id FROM iam_links WHERE kind = ?1 AND from_id = ?2 ORDER BY to_id",
        kind,
        from,
    )
}

pub fn links_to(conn: &Connection, kind: &str, to: &str) -> StoreResult<Vec<String>> {
    linked(
        conn,
        "SELECT from_id FROM iam_links WHERE kind = ?1 AND to_id = ?2 ORDER BY from_id",
        kind,
        to,
    )
}

pub fn link(conn: &Connection, kind: &str, from: &str, to: &str) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO iam_links (kind, from_id, to_id) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    )
    .map_err(err)?
    .execute([kind, from, to])
    .map_err(err)
    .map(drop)
}

pub fn unlink(conn: &Connection, kind: &str, from: &str, to: &str) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM iam_links WHERE kind = ?1 AND from_id = ?2 AND to_id = ?3")
        .map_err(err)?
        .execute([kind, from, to])
        .map_err(err)
        .map(drop)
}

const SESSION_COLUMNS: &str =
    "access_key_id, wrapped_secret, token_hash, principal, expires_ms, created_ms";

fn session_row(r: &Row) -> rusqlite::Result<StsSessionRow> {
    Ok(StsSessionRow {
        access_key_id: r.get(0)?,
        wrapped_secret: r.get(1)?,
        token_hash: r.get(2)?,
        principal: r.get(3)?,
        expires: r.get(4)?,
        created: r.get(5)?,
    })
}

pub fn sts_session(conn: &Connection, access_key_id: &str) -> StoreResult<Option<StsSessionRow>> {
    conn.prepare_cached(&format!(
        "SELECT {SESSION_COLUMNS} FROM sts_sessions WHERE access_key_id = ?1"
    ))
    .map_err(err)?
    .query_row([access_key_id], session_row)
    .optional()
    .map_err(err)
}

pub fn sts_sessions(conn: &Connection) -> StoreResult<Vec<StsSessionRow>> {
    conn.prepare_cached(&format!(
        "SELECT {SESSION_COLUMNS} FROM sts_sessions ORDER BY access_key_id"
    ))
    .map_err(err)?
    .query_map([], session_row)
    .map_err(err)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .map_err(err)
}

pub fn put_sts_session(conn: &Connection, s: &StsSessionRow) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO sts_sessions ({SESSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    ))
    .map_err(err)?
    .execute(params![
        s.access_key_id,
        s.wrapped_secret,
        s.token_hash,
        s.principal,
        s.expires,
        s.created
    ])
    .map_err(err)
    .map(drop)
}

pub fn delete_sts_sessions_before(conn: &Connection, now: Millis) -> StoreResult<usize> {
    conn.prepare_cached("DELETE FROM sts_sessions WHERE expires_ms < ?1")
        .map_err(err)?
        .execute([now])
        .map_err(err)
}
