//! Projects and activities. A database made before their tables existed reads as having none;
//! the first write of either makes both (the schema's statements, all `IF NOT EXISTS`, inside
//! the same transaction, so a rolled-back write leaves no empty table behind either).

use rusqlite::{params, Row};

use super::{bounds, table_exists, Session, SCHEMA};
use crate::storage::port::{ActivityRow, ProjectRow, WorkReads, WorkWrites};
use crate::storage::Result;

fn project_row(r: &Row<'_>) -> rusqlite::Result<ProjectRow> {
    Ok(ProjectRow {
        id: r.get(0)?,
        created_by: r.get(1)?,
        created_at: r.get(2)?,
        details: r.get(3)?,
    })
}

fn activity_row(r: &Row<'_>) -> rusqlite::Result<ActivityRow> {
    Ok(ActivityRow {
        id: r.get(0)?,
        date: r.get(1)?,
        created_by: r.get(2)?,
        created_at: r.get(3)?,
        details: r.get(4)?,
        note: r.get(5)?,
    })
}

impl Session<'_> {
    /// Makes the tables of this format that a database made before them lacks.
    fn ensure_work_tables(&self) -> Result<()> {
        if !table_exists(self.conn(), "projects")? || !table_exists(self.conn(), "activities")? {
            self.conn().execute_batch(SCHEMA)?;
        }
        Ok(())
    }
}

impl WorkReads for Session<'_> {
    fn projects(&self) -> Result<Vec<ProjectRow>> {
        if !table_exists(self.conn(), "projects")? {
            return Ok(Vec::new());
        }
        let mut st = self.conn().prepare_cached(
            "SELECT id, created_by, created_at, details FROM projects ORDER BY id",
        )?;
        let rows = st.query_map([], project_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn activities(&self, from: Option<&str>, to: Option<&str>) -> Result<Vec<ActivityRow>> {
        if !table_exists(self.conn(), "activities")? {
            return Ok(Vec::new());
        }
        let (lo, hi) = bounds(from, to);
        let mut st = self.conn().prepare_cached(
            "SELECT id, date, created_by, created_at, details, note FROM activities
             WHERE date BETWEEN ?1 AND ?2 ORDER BY date, id",
        )?;
        let rows = st.query_map([lo, hi], activity_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

impl WorkWrites for Session<'_> {
    fn insert_project(&self, p: &ProjectRow) -> Result<()> {
        self.ensure_work_tables()?;
        self.conn().execute(
            "INSERT INTO projects(id, created_by, created_at, details) VALUES (?1, ?2, ?3, ?4)",
            params![p.id, p.created_by, p.created_at, p.details],
        )?;
        Ok(())
    }

    fn update_project_details(&self, id: i64, details: &[u8]) -> Result<bool> {
        if !table_exists(self.conn(), "projects")? {
            return Ok(false);
        }
        Ok(self
            .conn()
            .prepare_cached("UPDATE projects SET details = ?2 WHERE id = ?1")?
            .execute(params![id, details])?
            == 1)
    }

    fn insert_activity(&self, a: &ActivityRow) -> Result<()> {
        self.ensure_work_tables()?;
        self.conn().execute(
            "INSERT INTO activities(id, date, created_by, created_at, details, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![a.id, a.date, a.created_by, a.created_at, a.details, a.note],
        )?;
        Ok(())
    }

    fn update_activity_envelopes(&self, id: i64, details: &[u8], note: &[u8]) -> Result<()> {
        self.conn()
            .prepare_cached("UPDATE activities SET details = ?2, note = ?3 WHERE id = ?1")?
            .execute(params![id, details, note])?;
        Ok(())
    }
}
