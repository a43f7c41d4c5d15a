//! SQL for KMS keys, aliases and key material.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::codec::{err, from_json_str, to_json};
use crate::store::{KeyMaterialRow, KmsAliasRow, KmsKeyRow, Millis, StoreError, StoreResult};

const KEY_COLUMNS: &str = "key_id, region, arn, description, key_manager, key_state, created_ms, \
     deletion_ms, pending_window_days, policy, tags, rotation_period_days, next_rotation_ms";

/// A key row with its tags still as JSON (decoded outside rusqlite).
fn raw_key(r: &Row) -> rusqlite::Result<(KmsKeyRow, String)> {
    Ok((
        KmsKeyRow {
            key_id: r.get(0)?,
            region: r.get(1)?,
            arn: r.get(2)?,
            description: r.get(3)?,
            key_manager: r.get(4)?,
            state: r.get(5)?,
            created: r.get(6)?,
            deletion_date: r.get(7)?,
            pending_window_days: r.get(8)?,
            policy: r.get(9)?,
            tags: Vec::new(),
            rotation_period_days: r.get(11)?,
            next_rotation: r.get(12)?,
        },
        r.get(10)?,
    ))
}

fn keys_where(
    conn: &Connection,
    clause: &str,
    args: &[&dyn rusqlite::ToSql],
) -> StoreResult<Vec<KmsKeyRow>> {
    let sql = format!("SELECT {KEY_COLUMNS} FROM kms_keys WHERE {clause}");
    let raws = conn
        .prepare_cached(&sql)
        .map_err(err)?
        .query_map(args, raw_key)
        .map_err(err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(err)?;
    raws.into_iter()
        .map(|(mut key, tags)| {
            key.tags = from_json_str(&tags)?;
            Ok(key)
        })
        .collect()
}

pub fn key(conn: &Connection, key_id: &str) -> StoreResult<Option<KmsKeyRow>> {
    Ok(keys_where(conn, "key_id = ?1", &[&key_id])?.pop())
}

pub fn keys(conn: &Connection, region: &str) -> StoreResult<Vec<KmsKeyRow>> {
    keys_where(conn, "region = ?1 ORDER BY created_ms, key_id", &[&region])
}

pub fn keys_due(conn: &Connection, now: Millis) -> StoreResult<Vec<KmsKeyRow>> {
    keys_where(
        conn,
        "(next_rotation_ms IS NOT NULL AND next_rotation_ms <= ?1)
         OR (deletion_ms IS NOT NULL AND deletion_ms <= ?1)",
        &[&now],
    )
}

fn write_key(conn: &Connection, sql: &str, k: &KmsKeyRow) -> StoreResult<usize> {
    conn.prepare_cached(sql)
        .map_err(err)?
        .execute(params![
            k.key_id,
            k.region,
            k.arn,
            k.description,
            k.key_manager,
            k.state,
            k.created,
            k.deletion_date,
            k.pending_window_days,
            k.policy,
            to_json(&k.tags)?,
            k.rotation_period_days,
            k.next_rotation,
        ])
        .map_err(err)
}

pub fn insert_key(conn: &Connection, k: &KmsKeyRow) -> StoreResult<()> {
    write_key(
        conn,
        &format!("INSERT INTO kms_keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"),
        k,
    )
    .map(drop)
}

pub fn update_key(conn: &Connection, k: &KmsKeyRow) -> StoreResult<()> {
    let changed = write_key(
        conn,
        "UPDATE kms_keys SET region = ?2, arn = ?3, description = ?4, key_manager = ?5,
             key_state = ?6, created_ms = ?7, deletion_ms = ?8, pending_window_days = ?9,
             policy = ?10, tags = ?11, rotation_period_days = ?12, next_rotation_ms = ?13
         WHERE key_id = ?1",
        k,
    )?;
    if changed != 1 {
        return Err(StoreError(format!("key {} does not exist", k.key_id)));
    }
    Ok(())
}

pub fn delete_key(conn: &Connection, key_id: &str) -> StoreResult<()> {
    for sql in [
        "DELETE FROM kms_aliases WHERE target_key_id = ?1",
        "DELETE FROM kms_key_material WHERE key_id = ?1",
        "DELETE FROM kms_keys WHERE key_id = ?1",
    ] {
        conn.prepare_cached(sql)
            .map_err(err)?
            .execute([key_id])
            .map_err(err)?;
    }
    Ok(())
}

fn alias(r: &Row) -> rusqlite::Result<KmsAliasRow> {
    Ok(KmsAliasRow {
        region: r.get(0)?,
        name: r.get(1)?,
        target_key_id: r.get(2)?,
        created: r.get(3)?,
        updated: r.get(4)?,
    })
}

pub fn alias_by_name(
    conn: &Connection,
    region: &str,
    name: &str,
) -> StoreResult<Option<KmsAliasRow>> {
    conn.prepare_cached(
        "SELECT region, name, target_key_id, created_ms, updated_ms FROM kms_aliases
         WHERE region = ?1 AND name = ?2",
    )
    .map_err(err)?
    .query_row([region, name], alias)
    .optional()
    .map_err(err)
}

pub fn aliases(conn: &Connection, region: &str) -> StoreResult<Vec<KmsAliasRow>> {
    conn.prepare_cached(
        "SELECT region, name, target_key_id, created_ms, updated_ms FROM kms_aliases
         WHERE region = ?1 ORDER BY name",
    )
    .map_err(err)?
    .query_map([region], alias)
    .map_err(err)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .map_err(err)
}

pub fn put_alias(conn: &Connection, a: &KmsAliasRow) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO kms_aliases (region, name, target_key_id, created_ms, updated_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (region, name) DO UPDATE SET target_key_id = excluded.target_key_id,
             updated_ms = excluded.updated_ms",
    )
    .map_err(err)?
    .execute(params![
        a.region,
        a.name,
        a.target_key_id,
        a.created,
        a.updated
    ])
    .map_err(err)?;
    Ok(())
}

pub fn delete_alias(conn: &Connection, region: &str, name: &str) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM kms_aliases WHERE region = ?1 AND name = ?2")
        .map_err(err)?
        .execute([region, name])
        .map_err(err)?;
    Ok(())
}

fn material(r: &Row) -> rusqlite::Result<KeyMaterialRow> {
    Ok(KeyMaterialRow {
        key_id: r.get(0)?,
        version: r.get(1)?,
        wrapped: r.get(2)?,
        created: r.get(3)?,
        rotation_type: r.get(4)?,
    })
}

pub fn materials(conn: &Connection, key_id: Option<&str>) -> StoreResult<Vec<KeyMaterialRow>> {
    let (sql, args): (&str, Vec<&dyn rusqlite::ToSql>) = match &key_id {
        Some(id) => (
            "SELECT key_id, version, wrapped, created_ms, rotation_type FROM kms_key_material
             WHERE key_id = ?1 ORDER BY version",
            vec![id],
        ),
        None => (
            "SELECT key_id, version, wrapped, created_ms, rotation_type FROM kms_key_material
             ORDER BY key_id, version",
            vec![],
        ),
    };
    conn.prepare_cached(sql)
        .map_err(err)?
        .query_map(args.as_slice(), material)
        .map_err(err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(err)
}

pub fn insert_material(conn: &Connection, m: &KeyMaterialRow) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO kms_key_material (key_id, version, wrapped, created_ms, rotation_type)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .map_err(err)?
    .execute(params![
        m.key_id,
        m.version,
        m.wrapped,
        m.created,
        m.rotation_type
    ])
    .map_err(err)?;
    Ok(())
}

pub fn update_material(conn: &Connection, m: &KeyMaterialRow) -> StoreResult<()> {
    let changed = conn
        .prepare_cached(
            "UPDATE kms_key_material SET wrapped = ?3 WHERE key_id = ?1 AND version = ?2",
        )
        .map_err(err)?
        .execute(params![m.key_id, m.version, m.wrapped])
        .map_err(err)?;
    if changed != 1 {
        return Err(StoreError(format!(
            "material {}#{} does not exist",
            m.key_id, m.version
        )));
    }
    Ok(())
}
