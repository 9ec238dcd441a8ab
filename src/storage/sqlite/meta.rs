//! The key-value table, id sequences and schema upkeep.

use rusqlite::{params, OptionalExtension};

use super::{Session, SCHEMA};
use crate::storage::port::{MetaReads, MetaWrites, Sequence};
use crate::storage::Result;

impl MetaReads for Session<'_> {
    fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    fn meta_entries(&self) -> Result<Vec<(String, String)>> {
        let mut st = self
            .conn()
            .prepare_cached("SELECT key, value FROM meta ORDER BY key")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn peek_next_id(&self, sequence: Sequence) -> Result<i64> {
        let next: Option<i64> = self
            .conn()
            .prepare_cached("SELECT next FROM sequences WHERE name = ?1")?
            .query_row([sequence.as_str()], |r| r.get(0))
            .optional()?;
        Ok(next.unwrap_or(1))
    }

    fn key_file(&self) -> Result<Vec<u8>> {
        super::read_key_file(self.path)
    }
}

impl MetaWrites for Session<'_> {
    fn write_key_file(&self, bytes: &[u8]) -> Result<()> {
        self.replace_key_file(bytes)
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO meta(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![key, value])?;
        Ok(())
    }

    fn set_next_id(&self, sequence: Sequence, next: i64) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO sequences(name, next) VALUES (?1, ?2)
                 ON CONFLICT(name) DO UPDATE SET next = excluded.next",
            )?
            .execute(params![sequence.as_str(), next])?;
        Ok(())
    }

    fn upgrade_schema(&self) -> Result<()> {
        self.conn().execute_batch(SCHEMA)?;
        Ok(())
    }

    fn begin_bulk_load(&self) -> Result<()> {
        // The contacts' secondary index is rebuilt, sorted, at the end: far faster than a
        // million random index inserts.
        self.conn().execute_batch(
            "DROP INDEX IF EXISTS contacts_person; DROP INDEX IF EXISTS contacts_field_night;",
        )?;
        Ok(())
    }

    fn end_bulk_load(&self) -> Result<()> {
        self.conn().execute_batch(SCHEMA)?;
        Ok(())
    }
}
