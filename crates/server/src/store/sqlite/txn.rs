//! `ReadTxn` / `WriteTxn` over one SQLite connection.
//!
//! The only place that maps rows to SQL. Statements are prepared once per
//! connection (`prepare_cached`). Whether a transaction is open is the
//! caller's business (the writer and reader loops).

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::codec::{err, from_json, from_json_str, opt_json, to_json};
use super::row_cache::CacheView;
use super::{audit_sql, iam_sql, kms_sql};
use crate::store::*;

pub struct SqliteTxn<'c> {
    pub conn: &'c Connection,
    /// Read jobs: the row cache as the job sees it (write jobs read SQLite).
    pub cache: Option<CacheView<'c>>,
    /// Write jobs: the secrets this job changed, dropped from the row
    /// cache once the batch commits.
    pub touched: Vec<SecretKey>,
    /// Write jobs: the KMS keys whose row or materials this job changed.
    pub touched_keys: Vec<String>,
}

impl<'c> SqliteTxn<'c> {
    pub fn reading(conn: &'c Connection, cache: CacheView<'c>) -> SqliteTxn<'c> {
        SqliteTxn {
            conn,
            cache: Some(cache),
            touched: Vec::new(),
            touched_keys: Vec::new(),
        }
    }

    pub fn writing(conn: &'c Connection) -> SqliteTxn<'c> {
        SqliteTxn {
            conn,
            cache: None,
            touched: Vec::new(),
            touched_keys: Vec::new(),
        }
    }
}

const SECRET_COLUMNS: &str = "id, region, name, arn, description, kms_key_id, secret_type, tags, \
     resource_policy, rotation, created_ms, last_changed_ms, last_accessed_ms, deleted_ms, \
     deletion_ms, primary_region, replicas, owning_service";

/// Raw row; JSON columns are decoded outside rusqlite's closure so their
/// errors keep their own message.
struct RawSecret {
    row: SecretRow,
    tags: Option<String>,
    rotation: Option<String>,
    replicas: String,
}

fn raw_secret(r: &Row) -> rusqlite::Result<RawSecret> {
    Ok(RawSecret {
        row: SecretRow {
            id: r.get(0)?,
            region: r.get(1)?,
            name: r.get(2)?,
            arn: r.get(3)?,
            description: r.get(4)?,
            kms_key_id: r.get(5)?,
            secret_type: r.get(6)?,
            tags: None,
            resource_policy: r.get(8)?,
            rotation: None,
            created: r.get(10)?,
            last_changed: r.get(11)?,
            last_accessed: r.get(12)?,
            deleted: r.get(13)?,
            deletion_date: r.get(14)?,
            primary_region: r.get(15)?,
            replicas: Vec::new(),
            owning_service: r.get(17)?,
        },
        tags: r.get(7)?,
        rotation: r.get(9)?,
        replicas: r.get(16)?,
    })
}

fn decode_secret(raw: RawSecret) -> StoreResult<SecretRow> {
    let mut row = raw.row;
    row.tags = from_json(raw.tags)?;
    row.rotation = from_json(raw.rotation)?;
    row.replicas = from_json_str(&raw.replicas)?;
    Ok(row)
}

fn kind_code(kind: ValueKind) -> i64 {
    match kind {
        ValueKind::String => 0,
        ValueKind::Binary => 1,
    }
}

fn kind_from_code(code: i64) -> StoreResult<ValueKind> {
    match code {
        0 => Ok(ValueKind::String),
        1 => Ok(ValueKind::Binary),
        other => Err(StoreError(format!("unknown value kind {other}"))),
    }
}

impl SqliteTxn<'_> {
    /// Runs `sql` with a secret's columns bound as `?1` (id) to `?18`.
    fn write_secret(&self, sql: &str, id: Option<SecretKey>, s: &SecretRow) -> StoreResult<usize> {
        self.conn
            .prepare_cached(sql)
            .map_err(err)?
            .execute(params![
                id,
                s.region,
                s.name,
                s.arn,
                s.description,
                s.kms_key_id,
                s.secret_type,
                opt_json(&s.tags)?,
                s.resource_policy,
                opt_json(&s.rotation)?,
                s.created,
                s.last_changed,
                s.last_accessed,
                s.deleted,
                s.deletion_date,
                s.primary_region,
                to_json(&s.replicas)?,
                s.owning_service,
            ])
            .map_err(err)
    }

    fn versions_sql(&self, secret: SecretKey) -> StoreResult<Vec<VersionRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT version_id, created_ms, last_accessed_ms, kms_key_id, value_kind IS NOT NULL
                 FROM versions WHERE secret_id = ?1 ORDER BY created_ms, rowid",
            )
            .map_err(err)?;
        let mut versions = stmt
            .query_map([secret], |r| {
                Ok(VersionRow {
                    version_id: r.get(0)?,
                    created: r.get(1)?,
                    last_accessed: r.get(2)?,
                    stages: Vec::new(),
                    kms_key_id: r.get(3)?,
                    has_value: r.get(4)?,
                })
            })
            .map_err(err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(err)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT stage, version_id FROM stages WHERE secret_id = ?1 ORDER BY stage",
            )
            .map_err(err)?;
        let stages = stmt
            .query_map([secret], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(err)?;
        for stage in stages {
            let (stage, version_id) = stage.map_err(err)?;
            if let Some(v) = versions.iter_mut().find(|v| v.version_id == version_id) {
                v.stages.push(stage);
            }
        }
        Ok(versions)
    }

    fn sealed_value_sql(
        &self,
        secret: SecretKey,
        version_id: &str,
    ) -> StoreResult<Option<SealedValue>> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT value_kind, kms_key_id, wrapped_key, ciphertext FROM versions
                 WHERE secret_id = ?1 AND version_id = ?2 AND value_kind IS NOT NULL",
            )
            .map_err(err)?
            .query_row(params![secret, version_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                ))
            })
            .optional()
            .map_err(err)?;
        row.map(|(kind, kms_key_id, wrapped_key, ciphertext)| {
            Ok(SealedValue {
                kind: kind_from_code(kind)?,
                kms_key_id,
                wrapped_key,
                ciphertext,
            })
        })
        .transpose()
    }

    fn secrets_where(
        &self,
        clause: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> StoreResult<Vec<SecretRow>> {
        let sql = format!("SELECT {SECRET_COLUMNS} FROM secrets WHERE {clause}");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(err)?;
        let raws = stmt
            .query_map(args, raw_secret)
            .map_err(err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(err)?;
        raws.into_iter().map(decode_secret).collect()
    }
}

impl ReadTxn for SqliteTxn<'_> {
    fn meta(&self, key: &str) -> StoreResult<Option<String>> {
        self.conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")
            .map_err(err)?
            .query_row([key], |r| r.get(0))
            .optional()
            .map_err(err)
    }

    fn secret_by_name(&self, region: &str, name: &str) -> StoreResult<Option<SecretRow>> {
        let load = || {
            Ok(self
                .secrets_where("region = ?1 AND name = ?2", &[&region, &name])?
                .pop())
        };
        match &self.cache {
            Some(view) => view.secret_by_name(region, name, load, |id| self.versions_sql(id)),
            None => load(),
        }
    }

    fn secret_by_id(&self, id: SecretKey) -> StoreResult<Option<SecretRow>> {
        let load = || Ok(self.secrets_where("id = ?1", &[&id])?.pop());
        match &self.cache {
            Some(view) => view.secret_by_id(id, load, |id| self.versions_sql(id)),
            None => load(),
        }
    }

    fn secrets_in_region(&self, region: &str) -> StoreResult<Vec<SecretRow>> {
        self.secrets_where("region = ?1 ORDER BY created_ms, id", &[&region])
    }

    fn secrets_with_name_prefix(&self, region: &str, prefix: &str) -> StoreResult<Vec<SecretRow>> {
        // A range on the (region, name) index. Names are ASCII, so every
        // name starting with `prefix` sorts below `prefix` + U+10FFFF.
        let end = format!("{prefix}\u{10FFFF}");
        self.secrets_where(
            "region = ?1 AND name >= ?2 AND name < ?3 ORDER BY created_ms, id",
            &[&region, &prefix, &end],
        )
    }

    fn versions(&self, secret: SecretKey) -> StoreResult<Vec<VersionRow>> {
        match &self.cache {
            Some(view) => view.versions(secret, || self.versions_sql(secret)),
            None => self.versions_sql(secret),
        }
    }

    fn sealed_value(
        &self,
        secret: SecretKey,
        version_id: &str,
    ) -> StoreResult<Option<SealedValue>> {
        match &self.cache {
            Some(view) => view.sealed_value(secret, version_id, || {
                self.sealed_value_sql(secret, version_id)
            }),
            None => self.sealed_value_sql(secret, version_id),
        }
    }

    fn secrets_due_for_purge(&self, now: Millis, limit: usize) -> StoreResult<Vec<SecretKey>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id FROM secrets WHERE deletion_ms IS NOT NULL AND deletion_ms <= ?1
                 ORDER BY deletion_ms LIMIT ?2",
            )
            .map_err(err)?;
        stmt.query_map(rusqlite::params![now, limit as i64], |r| r.get(0))
            .map_err(err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(err)
    }

    fn secret_counts(&self) -> StoreResult<SecretCounts> {
        // The pending count is answered from the partial `secrets_purge`
        // index; the total scans the smallest index of the table.
        let count = |sql: &str| -> StoreResult<u64> {
            self.conn
                .prepare_cached(sql)
                .and_then(|mut stmt| stmt.query_row([], |r| r.get::<_, i64>(0)))
                .map(|n| n.max(0) as u64)
                .map_err(err)
        };
        Ok(SecretCounts {
            stored: count("SELECT COUNT(*) FROM secrets")?,
            pending_deletion: count("SELECT COUNT(*) FROM secrets WHERE deletion_ms IS NOT NULL")?,
        })
    }

    fn access_key(&self, access_key_id: &str) -> StoreResult<Option<AccessKeyRow>> {
        iam_sql::access_key(self.conn, access_key_id)
    }

    fn access_keys(&self) -> StoreResult<Vec<AccessKeyRow>> {
        iam_sql::access_keys(self.conn)
    }

    fn iam_entity(&self, kind: &str, name_key: &str) -> StoreResult<Option<IamEntityRow>> {
        iam_sql::entity(self.conn, kind, name_key)
    }

    fn iam_entity_by_id(&self, id: &str) -> StoreResult<Option<IamEntityRow>> {
        iam_sql::entity_by_id(self.conn, id)
    }

    fn iam_entity_by_arn(&self, arn: &str) -> StoreResult<Option<IamEntityRow>> {
        iam_sql::entity_by_arn(self.conn, arn)
    }

    fn iam_entities(&self, kind: &str) -> StoreResult<Vec<IamEntityRow>> {
        iam_sql::entities(self.conn, kind)
    }

    fn iam_documents(&self, owner: &str) -> StoreResult<Vec<IamDocumentRow>> {
        iam_sql::documents(self.conn, owner)
    }

    fn iam_links_from(&self, kind: &str, from: &str) -> StoreResult<Vec<String>> {
        iam_sql::links_from(self.conn, kind, from)
    }

    fn iam_links_to(&self, kind: &str, to: &str) -> StoreResult<Vec<String>> {
        iam_sql::links_to(self.conn, kind, to)
    }

    fn audit_head(&self) -> StoreResult<Option<(i64, Vec<u8>)>> {
        audit_sql::head(self.conn)
    }

    fn audit_events_after(&self, seq: i64, limit: usize) -> StoreResult<Vec<AuditEventRow>> {
        audit_sql::events_after(self.conn, seq, limit)
    }

    fn lookup_audit_events(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEventRow>> {
        audit_sql::lookup(self.conn, query)
    }

    fn last_audit_checkpoint(&self) -> StoreResult<Option<AuditCheckpointRow>> {
        audit_sql::last_checkpoint(self.conn)
    }

    fn audit_checkpoint_at(&self, seq: i64) -> StoreResult<Option<AuditCheckpointRow>> {
        audit_sql::checkpoint_at(self.conn, seq)
    }

    fn audit_checkpoint_before(&self, time: Millis) -> StoreResult<Option<AuditCheckpointRow>> {
        audit_sql::checkpoint_before(self.conn, time)
    }

    fn first_audit_seq(&self) -> StoreResult<Option<i64>> {
        audit_sql::first_seq(self.conn)
    }

    fn audit_checkpoints_after(
        &self,
        seq: i64,
        limit: usize,
    ) -> StoreResult<Vec<AuditCheckpointRow>> {
        audit_sql::checkpoints_after(self.conn, seq, limit)
    }

    fn sts_session(&self, access_key_id: &str) -> StoreResult<Option<StsSessionRow>> {
        iam_sql::sts_session(self.conn, access_key_id)
    }

    fn sts_sessions(&self) -> StoreResult<Vec<StsSessionRow>> {
        iam_sql::sts_sessions(self.conn)
    }

    fn kms_key(&self, key_id: &str) -> StoreResult<Option<KmsKeyRow>> {
        match &self.cache {
            Some(view) => view.kms_key(key_id, || kms_sql::key(self.conn, key_id)),
            None => kms_sql::key(self.conn, key_id),
        }
    }

    fn kms_keys(&self, region: &str) -> StoreResult<Vec<KmsKeyRow>> {
        kms_sql::keys(self.conn, region)
    }

    fn kms_keys_due(&self, now: Millis) -> StoreResult<Vec<KmsKeyRow>> {
        kms_sql::keys_due(self.conn, now)
    }

    fn kms_alias(&self, region: &str, name: &str) -> StoreResult<Option<KmsAliasRow>> {
        kms_sql::alias_by_name(self.conn, region, name)
    }

    fn kms_aliases(&self, region: &str) -> StoreResult<Vec<KmsAliasRow>> {
        kms_sql::aliases(self.conn, region)
    }

    fn key_materials(&self, key_id: &str) -> StoreResult<Vec<KeyMaterialRow>> {
        match &self.cache {
            Some(view) => {
                view.key_materials(key_id, || kms_sql::materials(self.conn, Some(key_id)))
            }
            None => kms_sql::materials(self.conn, Some(key_id)),
        }
    }

    fn all_key_materials(&self) -> StoreResult<Vec<KeyMaterialRow>> {
        kms_sql::materials(self.conn, None)
    }

    fn stored_values_after(
        &self,
        after: Option<(SecretKey, String)>,
        limit: usize,
    ) -> StoreResult<Vec<StoredValue>> {
        let (secret, version) = after.unwrap_or((i64::MIN, String::new()));
        self.conn
            .prepare_cached(
                "SELECT v.secret_id, s.arn, v.version_id, v.value_kind, v.kms_key_id, v.wrapped_key, v.ciphertext
                 FROM versions v JOIN secrets s ON s.id = v.secret_id
                 WHERE v.value_kind IS NOT NULL AND (v.secret_id, v.version_id) > (?1, ?2)
                 ORDER BY v.secret_id, v.version_id LIMIT ?3",
            )
            .map_err(err)?
            .query_map(params![secret, version, limit as i64], |r| {
                Ok((
                    r.get::<_, SecretKey>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Vec<u8>>(5)?,
                    r.get::<_, Vec<u8>>(6)?,
                ))
            })
            .map_err(err)?
            .map(|row| {
                let (secret, arn, version_id, kind, kms_key_id, wrapped_key, ciphertext) = row.map_err(err)?;
                Ok(StoredValue {
                    secret,
                    arn,
                    version_id,
                    value: SealedValue {
                        kind: kind_from_code(kind)?,
                        kms_key_id,
                        wrapped_key,
                        ciphertext,
                    },
                })
            })
            .collect()
    }
}

impl WriteTxn for SqliteTxn<'_> {
    fn set_meta(&mut self, key: &str, value: &str) -> StoreResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .map_err(err)?
            .execute([key, value])
            .map_err(err)?;
        Ok(())
    }

    fn insert_secret(&mut self, s: &SecretRow) -> StoreResult<SecretKey> {
        // A NULL id makes SQLite assign the next one (AUTOINCREMENT).
        self.write_secret(
            "INSERT INTO secrets (id, region, name, arn, description, kms_key_id, secret_type, tags,
                 resource_policy, rotation, created_ms, last_changed_ms, last_accessed_ms,
                 deleted_ms, deletion_ms, primary_region, replicas, owning_service)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
            None,
            s,
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn update_secret(&mut self, s: &SecretRow) -> StoreResult<()> {
        self.touched.push(s.id);
        let changed = self.write_secret(
            "UPDATE secrets SET region = ?2, name = ?3, arn = ?4, description = ?5,
                 kms_key_id = ?6, secret_type = ?7, tags = ?8, resource_policy = ?9,
                 rotation = ?10, created_ms = ?11, last_changed_ms = ?12,
                 last_accessed_ms = ?13, deleted_ms = ?14, deletion_ms = ?15,
                 primary_region = ?16, replicas = ?17, owning_service = ?18
             WHERE id = ?1",
            Some(s.id),
            s,
        )?;
        if changed != 1 {
            return Err(StoreError(format!("secret {} does not exist", s.id)));
        }
        Ok(())
    }

    fn delete_secret(&mut self, id: SecretKey) -> StoreResult<()> {
        self.touched.push(id);
        // Labels first: their foreign key points at versions.
        for sql in [
            "DELETE FROM stages WHERE secret_id = ?1",
            "DELETE FROM versions WHERE secret_id = ?1",
            "DELETE FROM secrets WHERE id = ?1",
        ] {
            self.conn
                .prepare_cached(sql)
                .map_err(err)?
                .execute([id])
                .map_err(err)?;
        }
        Ok(())
    }

    fn insert_version(
        &mut self,
        secret: SecretKey,
        v: &VersionRow,
        value: Option<&SealedValue>,
    ) -> StoreResult<()> {
        self.touched.push(secret);
        self.conn
            .prepare_cached(
                "INSERT INTO versions (secret_id, version_id, created_ms, last_accessed_ms,
                     value_kind, kms_key_id, wrapped_key, ciphertext)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(err)?
            .execute(params![
                secret,
                v.version_id,
                v.created,
                v.last_accessed,
                value.map(|s| kind_code(s.kind)),
                value.map(|s| &s.kms_key_id).or(v.kms_key_id.as_ref()),
                value.map(|s| &s.wrapped_key),
                value.map(|s| &s.ciphertext),
            ])
            .map_err(err)?;
        Ok(())
    }

    fn set_version_value(
        &mut self,
        secret: SecretKey,
        version_id: &str,
        value: &SealedValue,
    ) -> StoreResult<()> {
        self.touched.push(secret);
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE versions SET value_kind = ?3, kms_key_id = ?4, wrapped_key = ?5, ciphertext = ?6
                 WHERE secret_id = ?1 AND version_id = ?2",
            )
            .map_err(err)?
            .execute(params![
                secret,
                version_id,
                kind_code(value.kind),
                value.kms_key_id,
                value.wrapped_key,
                value.ciphertext
            ])
            .map_err(err)?;
        if changed != 1 {
            return Err(StoreError(format!("version {version_id} does not exist")));
        }
        Ok(())
    }

    fn delete_version(&mut self, secret: SecretKey, version_id: &str) -> StoreResult<()> {
        self.touched.push(secret);
        for sql in [
            "DELETE FROM stages WHERE secret_id = ?1 AND version_id = ?2",
            "DELETE FROM versions WHERE secret_id = ?1 AND version_id = ?2",
        ] {
            self.conn
                .prepare_cached(sql)
                .map_err(err)?
                .execute(params![secret, version_id])
                .map_err(err)?;
        }
        Ok(())
    }

    fn set_version_accessed(
        &mut self,
        secret: SecretKey,
        version_id: &str,
        day: Millis,
    ) -> StoreResult<()> {
        self.touched.push(secret);
        self.conn
            .prepare_cached(
                "UPDATE versions SET last_accessed_ms = ?3 WHERE secret_id = ?1 AND version_id = ?2",
            )
            .map_err(err)?
            .execute(params![secret, version_id, day])
            .map_err(err)?;
        Ok(())
    }

    fn set_stages(&mut self, secret: SecretKey, stages: &[(String, String)]) -> StoreResult<()> {
        self.touched.push(secret);
        self.conn
            .prepare_cached("DELETE FROM stages WHERE secret_id = ?1")
            .map_err(err)?
            .execute([secret])
            .map_err(err)?;
        let mut insert = self
            .conn
            .prepare_cached("INSERT INTO stages (secret_id, stage, version_id) VALUES (?1, ?2, ?3)")
            .map_err(err)?;
        for (stage, version_id) in stages {
            insert
                .execute(params![secret, stage, version_id])
                .map_err(err)?;
        }
        Ok(())
    }

    fn insert_access_key(&mut self, k: &AccessKeyRow) -> StoreResult<()> {
        iam_sql::insert_access_key(self.conn, k)
    }

    fn set_wrapped_key(
        &mut self,
        secret: SecretKey,
        version_id: &str,
        wrapped_key: &[u8],
    ) -> StoreResult<()> {
        self.touched.push(secret);
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE versions SET wrapped_key = ?3
                 WHERE secret_id = ?1 AND version_id = ?2 AND value_kind IS NOT NULL",
            )
            .map_err(err)?
            .execute(params![secret, version_id, wrapped_key])
            .map_err(err)?;
        if changed != 1 {
            return Err(StoreError(format!("version {version_id} has no value")));
        }
        Ok(())
    }

    fn update_access_key(&mut self, k: &AccessKeyRow) -> StoreResult<()> {
        iam_sql::update_access_key(self.conn, k)
    }

    fn delete_access_key(&mut self, access_key_id: &str) -> StoreResult<()> {
        iam_sql::delete_access_key(self.conn, access_key_id)
    }

    fn put_iam_entity(&mut self, row: &IamEntityRow) -> StoreResult<()> {
        iam_sql::put_entity(self.conn, row)
    }

    fn delete_iam_entity(&mut self, id: &str) -> StoreResult<()> {
        iam_sql::delete_entity(self.conn, id)
    }

    fn put_iam_document(&mut self, row: &IamDocumentRow) -> StoreResult<()> {
        iam_sql::put_document(self.conn, row)
    }

    fn delete_iam_document(&mut self, owner: &str, name: &str) -> StoreResult<()> {
        iam_sql::delete_document(self.conn, owner, name)
    }

    fn link_iam(&mut self, kind: &str, from: &str, to: &str) -> StoreResult<()> {
        iam_sql::link(self.conn, kind, from, to)
    }

    fn unlink_iam(&mut self, kind: &str, from: &str, to: &str) -> StoreResult<()> {
        iam_sql::unlink(self.conn, kind, from, to)
    }

    fn put_sts_session(&mut self, row: &StsSessionRow) -> StoreResult<()> {
        iam_sql::put_sts_session(self.conn, row)
    }

    fn delete_sts_sessions_before(&mut self, now: Millis) -> StoreResult<usize> {
        iam_sql::delete_sts_sessions_before(self.conn, now)
    }

    fn insert_kms_key(&mut self, k: &KmsKeyRow) -> StoreResult<()> {
        self.touched_keys.push(k.key_id.clone());
        kms_sql::insert_key(self.conn, k)
    }

    fn append_audit_event(&mut self, row: &AuditEventRow) -> StoreResult<()> {
        audit_sql::append_event(self.conn, row)
    }

    fn put_audit_checkpoint(&mut self, row: &AuditCheckpointRow) -> StoreResult<()> {
        audit_sql::put_checkpoint(self.conn, row)
    }

    fn prune_audit_through(&mut self, seq: i64) -> StoreResult<usize> {
        audit_sql::prune_through(self.conn, seq)
    }

    fn update_kms_key(&mut self, k: &KmsKeyRow) -> StoreResult<()> {
        self.touched_keys.push(k.key_id.clone());
        kms_sql::update_key(self.conn, k)
    }

    fn delete_kms_key(&mut self, key_id: &str) -> StoreResult<()> {
        self.touched_keys.push(key_id.to_string());
        kms_sql::delete_key(self.conn, key_id)
    }

    fn put_kms_alias(&mut self, a: &KmsAliasRow) -> StoreResult<()> {
        kms_sql::put_alias(self.conn, a)
    }

    fn delete_kms_alias(&mut self, region: &str, name: &str) -> StoreResult<()> {
        kms_sql::delete_alias(self.conn, region, name)
    }

    fn insert_key_material(&mut self, m: &KeyMaterialRow) -> StoreResult<()> {
        self.touched_keys.push(m.key_id.clone());
        kms_sql::insert_material(self.conn, m)
    }

    fn update_key_material(&mut self, m: &KeyMaterialRow) -> StoreResult<()> {
        self.touched_keys.push(m.key_id.clone());
        kms_sql::update_material(self.conn, m)
    }
}
