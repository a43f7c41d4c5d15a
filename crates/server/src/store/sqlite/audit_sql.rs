//! SQL for the audit trail: appending chained events and checkpoints,
//! reading them back in order, and the lookups `LookupEvents` needs.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::codec::err;
use crate::store::{AuditCheckpointRow, AuditEventRow, AuditQuery, StoreResult};

const EVENT_COLUMNS: &str = "seq, event_id, event_time_ms, event_name, event_source, username, \
     access_key_id, read_only, resources, record, prev_hash, hash, mac";

fn event_row(r: &Row) -> rusqlite::Result<AuditEventRow> {
    Ok(AuditEventRow {
        seq: r.get(0)?,
        event_id: r.get(1)?,
        event_time: r.get(2)?,
        event_name: r.get(3)?,
        event_source: r.get(4)?,
        username: r.get(5)?,
        access_key_id: r.get(6)?,
        read_only: r.get(7)?,
        resources: r.get(8)?,
        record: r.get(9)?,
        prev_hash: r.get(10)?,
        hash: r.get(11)?,
        mac: r.get(12)?,
    })
}

fn checkpoint_row(r: &Row) -> rusqlite::Result<AuditCheckpointRow> {
    Ok(AuditCheckpointRow {
        seq: r.get(0)?,
        hash: r.get(1)?,
        time: r.get(2)?,
        signature: r.get(3)?,
    })
}

/// `(seq, hash)` of the newest event: the head the next one chains to.
pub fn head(conn: &Connection) -> StoreResult<Option<(i64, Vec<u8>)>> {
    conn.prepare_cached("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
        .map_err(err)?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(err)
}

pub fn events_after(
    conn: &Connection,
    after: i64,
    limit: usize,
) -> StoreResult<Vec<AuditEventRow>> {
    conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM audit_events WHERE seq > ?1 ORDER BY seq LIMIT ?2"
    ))
    .map_err(err)?
    .query_map(params![after, limit as i64], event_row)
    .map_err(err)?
    .collect::<Result<_, _>>()
    .map_err(err)
}

/// Newest first, as `LookupEvents` answers.
pub fn lookup(conn: &Connection, q: &AuditQuery) -> StoreResult<Vec<AuditEventRow>> {
    let mut sql = format!(
        "SELECT {EVENT_COLUMNS} FROM audit_events \
         WHERE event_time_ms >= ?1 AND event_time_ms <= ?2 AND seq < ?3"
    );
    let filter = q.attribute.as_ref().map(|(key, value)| {
        let column = match key.as_str() {
            "EventId" => "event_id = ?4",
            "EventName" => "event_name = ?4",
            "EventSource" => "event_source = ?4",
            "Username" => "username = ?4",
            "AccessKeyId" => "access_key_id = ?4",
            "ReadOnly" => "(CASE read_only WHEN 1 THEN 'true' ELSE 'false' END) = ?4",
            // Resources are a JSON array of {"type", "name"} objects.
            "ResourceName" => {
                "EXISTS (SELECT 1 FROM json_each(resources) WHERE json_extract(value, '$.name') = ?4)"
            }
            _ => {
                "EXISTS (SELECT 1 FROM json_each(resources) WHERE json_extract(value, '$.type') = ?4)"
            }
        };
        (column, value.clone())
    });
    if let Some((column, _)) = &filter {
        sql.push_str(" AND ");
        sql.push_str(column);
    }
    sql.push_str(" ORDER BY seq DESC LIMIT ");
    sql.push_str(&q.limit.to_string());
    let mut stmt = conn.prepare_cached(&sql).map_err(err)?;
    let before = q.before_seq.unwrap_or(i64::MAX);
    let rows = match &filter {
        Some((_, value)) => stmt.query_map(params![q.start, q.end, before, value], event_row),
        None => stmt.query_map(params![q.start, q.end, before], event_row),
    }
    .map_err(err)?;
    rows.collect::<Result<_, _>>().map_err(err)
}

pub fn append_event(conn: &Connection, e: &AuditEventRow) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO audit_events ({EVENT_COLUMNS}) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    ))
    .map_err(err)?
    .execute(params![
        e.seq,
        e.event_id,
        e.event_time,
        e.event_name,
        e.event_source,
        e.username,
        e.access_key_id,
        e.read_only,
        e.resources,
        e.record,
        e.prev_hash,
        e.hash,
        e.mac
    ])
    .map_err(err)?;
    Ok(())
}

pub fn last_checkpoint(conn: &Connection) -> StoreResult<Option<AuditCheckpointRow>> {
    conn.prepare_cached(
        "SELECT seq, hash, time_ms, signature FROM audit_checkpoints ORDER BY seq DESC LIMIT 1",
    )
    .map_err(err)?
    .query_row([], checkpoint_row)
    .optional()
    .map_err(err)
}

pub fn checkpoints_after(
    conn: &Connection,
    after: i64,
    limit: usize,
) -> StoreResult<Vec<AuditCheckpointRow>> {
    conn.prepare_cached(
        "SELECT seq, hash, time_ms, signature FROM audit_checkpoints \
         WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )
    .map_err(err)?
    .query_map(params![after, limit as i64], checkpoint_row)
    .map_err(err)?
    .collect::<Result<_, _>>()
    .map_err(err)
}

pub fn put_checkpoint(conn: &Connection, c: &AuditCheckpointRow) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO audit_checkpoints (seq, hash, time_ms, signature) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (seq) DO UPDATE SET hash = excluded.hash, time_ms = excluded.time_ms,
             signature = excluded.signature",
    )
    .map_err(err)?
    .execute(params![c.seq, c.hash, c.time, c.signature])
    .map_err(err)?;
    Ok(())
}

/// The checkpoint at `seq`, if one was made.
pub fn checkpoint_at(conn: &Connection, seq: i64) -> StoreResult<Option<AuditCheckpointRow>> {
    conn.prepare_cached(
        "SELECT seq, hash, time_ms, signature FROM audit_checkpoints WHERE seq = ?1",
    )
    .map_err(err)?
    .query_row([seq], checkpoint_row)
    .optional()
    .map_err(err)
}

/// The newest checkpoint made at or before `time_ms`.
pub fn checkpoint_before(
    conn: &Connection,
    time_ms: i64,
) -> StoreResult<Option<AuditCheckpointRow>> {
    conn.prepare_cached(
        "SELECT seq, hash, time_ms, signature FROM audit_checkpoints \
         WHERE time_ms <= ?1 ORDER BY seq DESC LIMIT 1",
    )
    .map_err(err)?
    .query_row([time_ms], checkpoint_row)
    .optional()
    .map_err(err)
}

/// Deletes the events up to `seq` and the checkpoints before it (the one
/// at `seq` stays: the rest of the chain continues from it). Returns how
/// many events went.
pub fn prune_through(conn: &Connection, seq: i64) -> StoreResult<usize> {
    let events = conn
        .prepare_cached("DELETE FROM audit_events WHERE seq <= ?1")
        .map_err(err)?
        .execute([seq])
        .map_err(err)?;
    conn.prepare_cached("DELETE FROM audit_checkpoints WHERE seq < ?1")
        .map_err(err)?
        .execute([seq])
        .map_err(err)?;
    Ok(events)
}

/// The oldest stored event's seq.
pub fn first_seq(conn: &Connection) -> StoreResult<Option<i64>> {
    conn.prepare_cached("SELECT MIN(seq) FROM audit_events")
        .map_err(err)?
        .query_row([], |r| r.get(0))
        .map_err(err)
}
